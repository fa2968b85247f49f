-- dse store, schema version 3: why a training failed, and the gradient accumulation it trained with
-- (an out-of-memory failure is retried once with 2 micro-batches per step; a second one is final).

ALTER TABLE trials ADD COLUMN failure_kind TEXT;                      -- oom | timeout | error of the last training; NULL unless failed
ALTER TABLE trials ADD COLUMN accum_steps INTEGER NOT NULL DEFAULT 1; -- gradient accumulation of the last training started
ALTER TABLE trainings ADD COLUMN failure_kind TEXT;
ALTER TABLE trainings ADD COLUMN accum_steps INTEGER NOT NULL DEFAULT 1;

UPDATE trials SET failure_kind = CASE WHEN last_error LIKE 'out of memory:%' THEN 'oom' ELSE 'error' END WHERE status = 'failed';
UPDATE trainings SET failure_kind = CASE WHEN error LIKE 'out of memory:%' THEN 'oom' ELSE 'error' END WHERE status = 'failed';
