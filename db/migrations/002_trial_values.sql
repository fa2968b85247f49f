-- dse store, schema version 2: design-space and block parameters move from fixed columns of trials
-- (w0, wa, wm, group_w, bot_mul, se_r, gs, bs: RegNet's) into trial_values, one row per trial and
-- parameter, for any family's parameters (numbers, names such as activations, flags, per-stage lists).
-- trials_view gets a column per parameter name; src/store/view.ts rebuilds it from the names present.

CREATE TABLE trial_values (
  trial_id    INTEGER NOT NULL REFERENCES trials(id) ON DELETE CASCADE,
  name        TEXT    NOT NULL,
  value,                                       -- a number or a name; a list is JSON text (json = 1); true/false are 1/0
  json        INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (trial_id, name)
) WITHOUT ROWID;
CREATE INDEX trial_values_name ON trial_values (name, value);

-- Every value of the stored samples (sampled and fixed parameters, and the sampler's per-stage lists).
INSERT INTO trial_values (trial_id, name, value, json)
SELECT t.id, j.key,
       CASE j.type WHEN 'true' THEN 1 WHEN 'false' THEN 0 ELSE j.value END,
       j.type IN ('array', 'object')
FROM trials t, json_each(t.sample) j
WHERE j.type <> 'null';

DROP VIEW trials_view;
ALTER TABLE trials DROP COLUMN w0;
ALTER TABLE trials DROP COLUMN wa;
ALTER TABLE trials DROP COLUMN wm;
ALTER TABLE trials DROP COLUMN group_w;
ALTER TABLE trials DROP COLUMN bot_mul;
ALTER TABLE trials DROP COLUMN se_r;
ALTER TABLE trials DROP COLUMN gs;
ALTER TABLE trials DROP COLUMN bs;
