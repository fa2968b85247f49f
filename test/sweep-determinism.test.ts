/**
 * A sweep's numbers depend on its seed and the per-slot thread count only: a cold and a warm dataset
 * cache, one slot or two (so trials reach other processes in another order), and a busy CPU give
 * bit-identical epochs. A diverged training (an injected NaN for the sweep's seed) is retried with
 * another seed, recorded in the trainings table, and then trains.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadExperiment } from '../src/experiment/load.js';
import { openStore } from '../src/store/index.js';
import { runSweep } from '../src/sweep/run.js';
import { packageRoot } from '../src/util/paths.js';
import { retrySeed } from '../src/workers/engine.js';
import { torchMissing } from './helpers/torchData.js';
import { createTorchSlot } from '../src/workers/torch/slot.js';

const FIXTURE = join(packageRoot(), 'test', 'fixtures', 'experiments', 'tiny-test.yaml');
const ROOT = mkdtempSync(join(tmpdir(), 'dse-determinism-'));
after(() => rmSync(ROOT, { recursive: true, force: true }));

interface SweepRun {
  epochs: Record<number, unknown[]>;
  notes: string[];
  db: string;
}

/** Runs tiny-test on `slots` torch slots of one thread each; the epochs' metrics (less timings) by trial index. */
async function sweep(name: string, cacheDir: string, slots: number, env: Record<string, string> = {}): Promise<SweepRun> {
  const db = join(ROOT, `${name}.sqlite`);
  const notes: string[] = [];
  const previous = process.env.DSE_CACHE_DIR;
  process.env.DSE_CACHE_DIR = cacheDir;
  try {
    const outcome = await runSweep({
      experiment: loadExperiment(FIXTURE),
      dbPath: db,
      reporter: { note: (text) => notes.push(text) },
      createSlots: () => Promise.all(Array.from({ length: slots }, (_, i) => createTorchSlot({ name: `torch:cpu#${i}`, cudaDevice: null, threads: 1, env }))),
    });
    assert.equal(outcome.status, 'done', JSON.stringify(outcome));
  } finally {
    if (previous === undefined) delete process.env.DSE_CACHE_DIR;
    else process.env.DSE_CACHE_DIR = previous;
  }
  const store = openStore(db, { readonly: true });
  try {
    const epochs: Record<number, unknown[]> = {};
    for (const t of store.readTrials('tiny-test')) epochs[t.index] = t.epochs.map(({ seconds: _s, images_per_sec: _i, ...m }) => m);
    return { epochs, notes, db };
  } finally {
    store.close();
  }
}

test('a cold and a warm dataset cache, one slot or two, and a busy CPU give bit-identical epochs', async (t) => {
  const missing = await torchMissing();
  if (missing) return t.skip(missing);
  const cache = join(ROOT, 'cache');
  const cold = await sweep('cold', cache, 2);
  assert.equal(readdirSync(cache).filter((f) => f.endsWith('.dsedata')).length, 1, 'the first run prepared the dataset');
  assert.equal(Object.keys(cold.epochs).length, 4);
  for (const e of Object.values(cold.epochs)) assert.equal(e.length, 1);
  const warm = await sweep('warm', cache, 2);
  assert.deepEqual(warm.epochs, cold.epochs, 'warm cache');

  const busy = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
  try {
    const oneSlot = await sweep('one-slot-busy', cache, 1);
    assert.deepEqual(oneSlot.epochs, cold.epochs, 'one slot under load');
  } finally {
    busy.kill();
  }
});

test('a training that diverges is retried with another seed, recorded, and trains', async (t) => {
  const missing = await torchMissing();
  if (missing) return t.skip(missing);
  const exp = loadExperiment(FIXTURE);
  const seed = exp.recipe.seed ?? exp.seed;
  const run = await sweep('nan', join(ROOT, 'cache'), 1, { DSE_TEST_FAULT: `nan@tiny-test:1/${seed}` });
  const next = retrySeed(seed, 1);
  assert.notEqual(next, seed);
  assert.ok(run.notes.includes(`trial 1 diverged (seed ${seed}); retrying with seed ${next}`), run.notes.join('\n'));
  const store = openStore(run.db, { readonly: true });
  try {
    const trainings = store.db.prepare('SELECT t.idx, g.attempt, g.status, g.failure_kind, g.seed, g.threads FROM trainings g JOIN trials t ON t.id = g.trial_id ORDER BY t.idx, g.attempt').all();
    assert.deepEqual(trainings, [
      { idx: 0, attempt: 1, status: 'done', failure_kind: null, seed, threads: 1 },
      { idx: 1, attempt: 1, status: 'failed', failure_kind: 'diverged', seed, threads: 1 },
      { idx: 1, attempt: 2, status: 'done', failure_kind: null, seed: next, threads: 1 },
      { idx: 2, attempt: 1, status: 'done', failure_kind: null, seed, threads: 1 },
      { idx: 3, attempt: 1, status: 'done', failure_kind: null, seed, threads: 1 },
    ]);
    assert.deepEqual(store.db.prepare('SELECT idx, reseeds FROM trials ORDER BY idx').all().map((r) => (r as { reseeds: number }).reseeds), [0, 1, 0, 0]);
  } finally {
    store.close();
  }
});
