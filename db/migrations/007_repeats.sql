-- dse store, schema version 7: repeated trainings and diverged failures.
--
-- `repeats: k` trains each model k times with k seeds (seed noise, RegNet paper section 3): each
-- finished repeat is kept in trial_repeats; the trial's final and best errors are the means over its
-- repeats, with their sample standard deviations beside them. Every done training is a repeat (a
-- sweep without `repeats` has one per trial), so growing `repeats` later trains only the new ones.
CREATE TABLE trial_repeats (
  trial_id    INTEGER NOT NULL REFERENCES trials(id) ON DELETE CASCADE,
  version     INTEGER NOT NULL,               -- the sweep version it trained under
  repeat      INTEGER NOT NULL,               -- 0..k-1
  attempt     INTEGER NOT NULL,               -- its training (trainings.attempt), whose provenance holds the seed
  seed        INTEGER NOT NULL,
  final_val_err  REAL,
  best_val_err   REAL,
  final_test_err REAL,
  best_test_err  REAL,
  seconds     REAL,
  epochs      TEXT    NOT NULL,               -- the per-epoch metrics, JSON list of epochs rows
  PRIMARY KEY (trial_id, version, repeat)
) WITHOUT ROWID;

ALTER TABLE trials ADD COLUMN repeats INTEGER NOT NULL DEFAULT 0;  -- repeats finished under the current version (0 until the first)
ALTER TABLE trials ADD COLUMN val_err_std REAL;                    -- sample std of final_val_err over the repeats; NULL with one
ALTER TABLE trials ADD COLUMN test_err_std REAL;                   -- likewise for final_test_err
UPDATE trials SET repeats = 1 WHERE status = 'done';

-- A version's kept results get the validation errors the test errors had beside them.
ALTER TABLE trial_results ADD COLUMN final_val_err REAL;
ALTER TABLE trial_results ADD COLUMN best_val_err REAL;

-- A training that diverged (a non-finite loss or parameters) fails as 'diverged', not 'error': it is
-- retried with another seed, since the same seed diverges again.
UPDATE trials SET failure_kind = 'diverged' WHERE status = 'failed' AND failure_kind = 'error' AND last_error LIKE '%non-finite%';
UPDATE trainings SET failure_kind = 'diverged' WHERE status = 'failed' AND failure_kind = 'error' AND error LIKE '%non-finite%';

-- Every done trial's result so far is its repeat 0.
INSERT INTO trial_repeats (trial_id, version, repeat, attempt, seed, final_val_err, best_val_err, final_test_err, best_test_err, seconds, epochs)
SELECT t.id, s.version, 0, t.attempts, COALESCE((SELECT g.seed FROM trainings g WHERE g.trial_id = t.id AND g.attempt = t.attempts), s.seed),
       t.final_val_err, t.best_val_err, t.final_test_err, t.best_test_err, t.seconds,
       (SELECT json_group_array(json_object('epoch', e.epoch, 'lr', e.lr, 'train_loss', e.train_loss, 'train_err', e.train_err,
                 'val_err', e.val_err, 'test_err', e.test_err, 'seconds', e.seconds, 'images_per_sec', e.images_per_sec))
        FROM (SELECT * FROM epochs WHERE trial_id = t.id ORDER BY epoch) e)
FROM trials t JOIN sweeps s ON s.id = t.sweep_id WHERE t.status = 'done';
