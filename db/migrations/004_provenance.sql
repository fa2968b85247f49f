-- dse store, schema version 4: what each training ran with (its provenance), so a stored result
-- says exactly what produced it. Filled in when the training starts (engine_version and device when
-- it ends); NULL on trainings stored by an older dse.

ALTER TABLE trainings ADD COLUMN recipe TEXT;          -- the recipe, JSON, defaults and seed filled in
ALTER TABLE trainings ADD COLUMN recipe_hash TEXT;     -- sha256 of the recipe's result-affecting part (max_minutes left out)
ALTER TABLE trainings ADD COLUMN dataset TEXT;         -- the prepared dataset's fingerprint, JSON: key, name, sizes, resolution, channels, classes, mean, std
ALTER TABLE trainings ADD COLUMN dataset_key TEXT;     -- the prepared file's cache key
ALTER TABLE trainings ADD COLUMN engine TEXT;          -- torch | tfjs
ALTER TABLE trainings ADD COLUMN engine_version TEXT;  -- e.g. "torch 2.3.1", "tfjs-core 4.22.0", when the engine reported it
ALTER TABLE trainings ADD COLUMN device TEXT;          -- what the engine trained on (cpu, cuda, wasm-simd, ...)
ALTER TABLE trainings ADD COLUMN dse_version TEXT;     -- package.json version of the dse that ran it
ALTER TABLE trainings ADD COLUMN seed INTEGER;         -- the training seed (recipe.seed, else the sweep's)

-- Sweep versions: continuing a sweep under --force-config with a recipe, dataset, engine or seed
-- change starts a new version; its trials are re-queued and the earlier results kept (trial_results).
ALTER TABLE sweeps ADD COLUMN version INTEGER NOT NULL DEFAULT 1;  -- the current version; sweeps.config is its config
ALTER TABLE trainings ADD COLUMN version INTEGER NOT NULL DEFAULT 1; -- the sweep version it trained under

CREATE TABLE sweep_versions (
  sweep_id    INTEGER NOT NULL REFERENCES sweeps(id) ON DELETE CASCADE,
  version     INTEGER NOT NULL,
  config      TEXT    NOT NULL,               -- the validated experiment of this version, JSON
  config_hash TEXT    NOT NULL,
  created     TEXT    NOT NULL,
  PRIMARY KEY (sweep_id, version)
) WITHOUT ROWID;
INSERT INTO sweep_versions (sweep_id, version, config, config_hash, created) SELECT id, 1, config, config_hash, created FROM sweeps;

-- A trial's result under an earlier version, as it stood when a new version re-queued the trial.
CREATE TABLE trial_results (
  trial_id    INTEGER NOT NULL REFERENCES trials(id) ON DELETE CASCADE,
  version     INTEGER NOT NULL,
  status      TEXT    NOT NULL,               -- done | failed | interrupted
  attempt     INTEGER NOT NULL,               -- its last training (trainings.attempt), whose provenance says what it ran with
  final_test_err REAL,
  best_test_err  REAL,
  seconds     REAL,
  last_error  TEXT,
  failure_kind TEXT,
  epochs      TEXT    NOT NULL,               -- the per-epoch metrics, JSON list of epochs rows
  PRIMARY KEY (trial_id, version)
) WITHOUT ROWID;
