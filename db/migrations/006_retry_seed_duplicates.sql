-- dse store, schema version 6: the seed each training used (trainings.seed, schema version 4). A training that diverged (a non-finite
-- loss) is retried with another seed (seed + reseeds * 1000003), since the same seed diverges again;
-- trials.reseeds counts the seeds moved on from, and trainings.threads records the threads each ran with.

ALTER TABLE trials ADD COLUMN reseeds INTEGER NOT NULL DEFAULT 0;  -- seed changes of the last training started
ALTER TABLE trainings ADD COLUMN threads INTEGER;                  -- torch intra-op threads it ran with; NULL when unknown

-- Two samples that quantize to the same network (the same canonical spec) are one network: the later
-- ones point at the first's idx, stay out of the queue (never trained, never 'done') and so out of
-- every analysis population; dse run and dse status count them.
ALTER TABLE trials ADD COLUMN duplicate_of INTEGER;                -- idx of the earlier trial with this network; NULL if first
