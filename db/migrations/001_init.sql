-- dse store, schema version 1. Applied by src/store/migrate.ts inside one transaction; the version
-- is kept in PRAGMA user_version. Times are ISO-8601 UTC text ("2025-01-31T12:00:00.000Z").

-- One row per sweep (one experiment file, by name).
CREATE TABLE sweeps (
  id          INTEGER PRIMARY KEY,
  name        TEXT    NOT NULL UNIQUE,
  description TEXT,
  config      TEXT    NOT NULL,               -- the validated experiment, JSON (defaults filled in)
  config_hash TEXT    NOT NULL,               -- sha256 of the result-affecting part of config
  seed        INTEGER NOT NULL,
  n           INTEGER NOT NULL,
  space       TEXT    NOT NULL,               -- space name, for display
  sample_stats TEXT,                          -- sampler report, JSON: drawn, kept, duplicates, rejected
  created     TEXT    NOT NULL,
  updated     TEXT    NOT NULL,
  status      TEXT    NOT NULL DEFAULT 'created'
              CHECK (status IN ('created', 'running', 'done', 'interrupted', 'failed'))
);

-- One row per sampled model. Sampled at sweep creation, all in one transaction.
CREATE TABLE trials (
  id          INTEGER PRIMARY KEY,
  sweep_id    INTEGER NOT NULL REFERENCES sweeps(id) ON DELETE CASCADE,
  idx         INTEGER NOT NULL,               -- sample index in the sweep, 0..n-1
  sample      TEXT    NOT NULL,               -- the sampled design-space parameters, JSON
  -- common parameters as columns (NULL where the space has no such scalar)
  depth       INTEGER NOT NULL,               -- total blocks
  num_stages  INTEGER NOT NULL,
  w0          REAL,
  wa          REAL,
  wm          REAL,
  group_w     REAL,                           -- RegNet's g, or the common per-stage value
  bot_mul     REAL,
  se_r        REAL,
  ws          TEXT    NOT NULL,               -- per-stage widths, JSON list
  ds          TEXT    NOT NULL,               -- per-stage depths, JSON list
  gs          TEXT,                           -- per-stage group widths, JSON list
  bs          TEXT,                           -- per-stage bottleneck multipliers, JSON list
  spec        TEXT    NOT NULL,               -- the ModelSpec, JSON
  flops       INTEGER NOT NULL,               -- multiply-adds, pycls counting
  params      INTEGER NOT NULL,
  acts        INTEGER NOT NULL,
  -- training
  status      TEXT    NOT NULL DEFAULT 'pending'
              CHECK (status IN ('pending', 'running', 'done', 'failed', 'interrupted')),
  attempts    INTEGER NOT NULL DEFAULT 0,     -- trainings started
  failures    INTEGER NOT NULL DEFAULT 0,     -- trainings that failed (retries stop after max_retries + 1)
  last_error  TEXT,
  worker      TEXT,                           -- slot that ran the last attempt, e.g. torch:cuda0#1
  device      TEXT,
  started     TEXT,
  finished    TEXT,
  seconds     REAL,                           -- wall time of the last attempt
  final_test_err REAL,                        -- top-1 test error after the last epoch, percent
  best_test_err  REAL,                        -- lowest per-epoch top-1 test error, percent
  params_built   INTEGER,                     -- parameters of the network the engine built
  peak_mem_bytes INTEGER,
  -- the width-rule fit written by `dse fit`
  fit_w0      REAL,
  fit_wa      REAL,
  fit_wm      REAL,
  fit_err     REAL,
  UNIQUE (sweep_id, idx)
);
CREATE INDEX trials_sweep_status ON trials (sweep_id, status);
CREATE INDEX trials_sweep_error ON trials (sweep_id, final_test_err);
CREATE INDEX trials_sweep_flops ON trials (sweep_id, flops);

-- Per-epoch metrics of each trial's latest attempt, written as they arrive.
CREATE TABLE epochs (
  trial_id    INTEGER NOT NULL REFERENCES trials(id) ON DELETE CASCADE,
  epoch       INTEGER NOT NULL,               -- as the engine numbers them (1..epochs)
  lr          REAL    NOT NULL,
  train_loss  REAL,
  train_err   REAL,
  test_err    REAL,
  seconds     REAL,
  images_per_sec REAL,
  PRIMARY KEY (trial_id, epoch)
) WITHOUT ROWID;

-- Every training started, for auditing retries and resumes.
CREATE TABLE trainings (
  id          INTEGER PRIMARY KEY,
  trial_id    INTEGER NOT NULL REFERENCES trials(id) ON DELETE CASCADE,
  attempt     INTEGER NOT NULL,
  worker      TEXT,
  pid         INTEGER NOT NULL,               -- the dse run process
  started     TEXT    NOT NULL,
  finished    TEXT,
  status      TEXT,                           -- done | failed | interrupted | lost (its run or worker died); NULL while running
  error       TEXT,
  UNIQUE (trial_id, attempt)
);

-- The process currently running a sweep: refuses a second `dse run` on it while the first is alive.
CREATE TABLE runners (
  sweep_id    INTEGER PRIMARY KEY REFERENCES sweeps(id) ON DELETE CASCADE,
  pid         INTEGER NOT NULL,
  host        TEXT    NOT NULL,
  started     TEXT    NOT NULL,
  heartbeat   TEXT    NOT NULL
);

-- The friendly view `dse query` runs over: one row per trial, with its sweep's name.
CREATE VIEW trials_view AS
SELECT
  t.id            AS id,
  s.name          AS sweep,
  t.idx           AS idx,
  t.status        AS status,
  t.flops         AS flops,
  t.params        AS params,
  t.acts          AS acts,
  t.final_test_err AS error,
  t.best_test_err AS best_error,
  t.depth         AS depth,
  t.num_stages    AS num_stages,
  t.w0            AS w0,
  t.wa            AS wa,
  t.wm            AS wm,
  t.group_w       AS group_w,
  t.bot_mul       AS bot_mul,
  t.se_r          AS se_r,
  t.ws            AS ws,
  t.ds            AS ds,
  t.gs            AS gs,
  t.bs            AS bs,
  t.attempts      AS attempts,
  t.last_error    AS last_error,
  t.worker        AS worker,
  t.device        AS device,
  t.started       AS started,
  t.finished      AS finished,
  t.seconds       AS seconds,
  t.fit_w0        AS fit_w0,
  t.fit_wa        AS fit_wa,
  t.fit_wm        AS fit_wm,
  t.fit_err       AS fit_err,
  t.sample        AS sample,
  t.spec          AS spec
FROM trials t JOIN sweeps s ON s.id = t.sweep_id;
