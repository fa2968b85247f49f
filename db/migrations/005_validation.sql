-- dse store, schema version 5: the validation split. Models are ranked on the validation error (held
-- out of the training subset); the test error is kept beside it and never selected on. NULL: the
-- trial was trained without a validation split (before version 5, or dataset.val_size 0).

ALTER TABLE epochs ADD COLUMN val_err REAL;       -- top-1 validation error of the epoch, %
ALTER TABLE trials ADD COLUMN final_val_err REAL; -- validation error after the last epoch, %
ALTER TABLE trials ADD COLUMN best_val_err REAL;  -- lowest per-epoch validation error, %
