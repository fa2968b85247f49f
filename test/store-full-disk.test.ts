/**
 * A disk that fills up mid-sweep: the run stops with the one "cannot record" message (cleanup that
 * fails as well never replaces it), and the next run, with space again, takes over the claim and the
 * trials left running and completes. Full is injected with DSE_TEST_MAX_PAGE_COUNT (everywhere) and,
 * where this process may mount one, with a real tmpfs filled to the brim. `dse run` refuses to start
 * on a disk below DSE_MIN_FREE_MB.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, rmSync, truncateSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { loadExperiment } from '../src/experiment/load.js';
import { openStore } from '../src/store/index.js';
import { runSweep } from '../src/sweep/run.js';
import { UserError } from '../src/util/errors.js';
import { packageRoot } from '../src/util/paths.js';
import type { DatasetRef, EngineSlot, EpochMetrics, TrainRequest, TrainResult } from '../src/workers/engine.js';

const ROOT = mkdtempSync(join(tmpdir(), 'dse-full-'));
const FIXTURE = join(packageRoot(), 'test', 'fixtures', 'experiments', 'tiny-test.yaml');
const mounts: string[] = [];
after(() => {
  for (const m of mounts) spawnSync('umount', [m]);
  rmSync(ROOT, { recursive: true, force: true });
});

const experiment = () => loadExperiment(FIXTURE);
const dataset = (): DatasetRef => ({ name: 'synthetic', path: '/nonexistent', mean: [0.5], std: [0.2], ...experiment().input }) as DatasetRef;

/** A fake engine: each training reports `epochs` epochs, then is done (or interrupted when stopped). */
class EpochSlot implements EngineSlot {
  readonly engine = 'torch' as const;
  constructor(
    readonly name: string,
    private readonly epochs: number,
  ) {}

  async train(req: TrainRequest, onEpoch: (m: EpochMetrics) => void, signal: AbortSignal): Promise<TrainResult> {
    const done: EpochMetrics[] = [];
    for (let e = 0; e < this.epochs; e++) {
      await new Promise((resolve) => setImmediate(resolve));
      if (signal.aborted) return this.result(req, 'interrupted', done);
      const m = { epoch: e, lr: 0.1, train_loss: 1, train_err: 50, test_err: 40 - e / this.epochs, seconds: 0.01, images_per_sec: 100 };
      done.push(m);
      onEpoch(m);
    }
    return this.result(req, 'done', done);
  }

  private result(req: TrainRequest, status: TrainResult['status'], epochs: EpochMetrics[]): TrainResult {
    const last = epochs.at(-1)?.test_err ?? null;
    return {
      trial_id: req.trial_id, status, epochs, final_test_err: status === 'done' ? last : null, best_test_err: status === 'done' ? last : null,
      params_built: 1, peak_mem_bytes: null, seconds: 0.1, error: status === 'done' ? null : 'stopped', worker: this.name, device: 'cpu',
    };
  }

  async close(): Promise<void> {}
}

function run(dbPath: string, epochs: number, signal?: AbortSignal) {
  return runSweep({
    experiment: experiment(), dbPath, signal, prepareDataset: dataset,
    createSlots: async () => [new EpochSlot('fake#0', epochs), new EpochSlot('fake#1', epochs)],
  });
}

/** Creates the sweep (4 pending trials) without training any. */
async function createSweep(dbPath: string): Promise<void> {
  const stopped = new AbortController();
  stopped.abort();
  const outcome = await run(dbPath, 1, stopped.signal);
  assert.equal(outcome.counts.pending, 4);
}

function state(dbPath: string) {
  const store = openStore(dbPath, { readonly: true });
  try {
    return { runner: store.getRunner('tiny-test'), counts: store.counts('tiny-test'), status: store.getSweep('tiny-test')!.status };
  } finally {
    store.close();
  }
}

async function assertRepairedAndCompletes(dbPath: string): Promise<void> {
  const outcome = await run(dbPath, 3);
  assert.equal(outcome.error, null);
  assert.equal(outcome.status, 'done');
  const after = state(dbPath);
  assert.deepEqual([after.counts.done, after.counts.running, after.counts.total], [4, 0, 4]);
  assert.equal(after.runner, null);
}

async function withEnv<T>(name: string, value: string, fn: () => Promise<T>): Promise<T> {
  const before = process.env[name];
  process.env[name] = value;
  try {
    return await fn();
  } finally {
    if (before === undefined) delete process.env[name];
    else process.env[name] = before;
  }
}

const CANNOT_RECORD = /^cannot record to [^\n]+: database or disk is full \(the disk is full: free some space and run again; finished trainings are kept, the rest resume\)$/;

test('a database that cannot grow stops the run with "cannot record", and the next run completes it', async () => {
  const dbPath = join(ROOT, 'pages', 'full.sqlite');
  await createSweep(dbPath);
  const raw = new Database(dbPath, { readonly: true });
  const pages = raw.pragma('page_count', { simple: true }) as number;
  raw.close();
  const outcome = await withEnv('DSE_TEST_MAX_PAGE_COUNT', String(pages), () => run(dbPath, 400));
  assert.match(outcome.error ?? '', CANNOT_RECORD);
  assert.equal(outcome.status, 'failed');
  const left = state(dbPath);
  assert.ok(left.counts.running > 0, JSON.stringify(left.counts)); // what the full disk could not close
  assert.equal(left.counts.done, 0);
  await assertRepairedAndCompletes(dbPath);
});

function mountTmpfs(dir: string, size: string): boolean {
  mkdirSync(dir, { recursive: true });
  if (process.getuid?.() !== 0 || spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]).status !== 0) return false;
  mounts.push(dir);
  return true;
}

/** Fills the file system holding `dir` but for `slack` bytes (room for the -shm and a few commits). */
function fill(dir: string, slack: number): string {
  const file = join(dir, 'filler');
  const fd = openSync(file, 'w');
  const block = Buffer.alloc(4096, 1);
  let size = 0;
  try {
    for (;;) size += writeSync(fd, block);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
  } finally {
    closeSync(fd);
  }
  truncateSync(file, size - slack);
  return file;
}

const tmpfsDir = join(ROOT, 'tmpfs');
const canMount = mountTmpfs(tmpfsDir, '4m');

test('a real full disk: the first store error is reported, not the failing cleanup; with space again the run completes', { skip: !canMount && 'needs root and mount -t tmpfs' }, async () => {
  const dbPath = join(tmpfsDir, 'full.sqlite');
  await withEnv('DSE_MIN_FREE_MB', '0', async () => {
    await createSweep(dbPath);
    const filler = fill(tmpfsDir, 96 * 1024);
    const outcome = await run(dbPath, 400).then(
      (o) => o.error,
      (e: Error) => (assert.ok(e instanceof UserError, e.stack), e.message.replace(/^sweep tiny-test stopped: /, '')),
    );
    assert.match(outcome ?? '', CANNOT_RECORD);
    rmSync(filler);
    const left = state(dbPath);
    assert.notEqual(left.runner, null); // the claim the full disk kept it from releasing
    assert.ok(left.counts.running > 0, JSON.stringify(left.counts));
    await assertRepairedAndCompletes(dbPath);
  });
});

test('dse run refuses to start on a disk with less free space than DSE_MIN_FREE_MB', async () => {
  const dbPath = join(ROOT, 'space', 'new.sqlite');
  await withEnv('DSE_MIN_FREE_MB', String(2 ** 40), async () => {
    await assert.rejects(run(dbPath, 1), (e: Error) => {
      assert.ok(e instanceof UserError);
      assert.match(e.message, /^\/[^\n]+: only [\d.]+ MiB free on this disk, below the 1099511627776 MiB a sweep needs to record its results; free some space \(or set DSE_MIN_FREE_MB to a lower margin\) and run again$/);
      return true;
    });
  });
  assert.equal(existsSync(dbPath), false);
});
