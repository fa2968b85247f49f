import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openStore, type Store } from '../src/store/index.js';
import { loadMigrations } from '../src/store/migrate.js';
import { queryTrials, querySql } from '../src/store/query.js';
import type { NewTrial } from '../src/store/types.js';
import { buildAnyNetSpec } from '../src/space/build.js';
import { complexity } from '../src/space/index.js';
import type { TrainResult } from '../src/workers/engine.js';

const ROOT = mkdtempSync(join(tmpdir(), 'dse-store-'));
after(() => rmSync(ROOT, { recursive: true, force: true }));

function tempDir(): string {
  return mkdtempSync(join(ROOT, 'db-'));
}

function tempDb(): string {
  return join(tempDir(), 'sub', 'test.sqlite');
}

/** Small RegNet-like trials: widths grow with the index so each trial differs. */
function makeTrials(n: number): NewTrial[] {
  return Array.from({ length: n }, (_, i) => {
    const ws = [16 + 8 * i, 32 + 8 * i];
    const spec = buildAnyNetSpec(
      { depths: [1, 2], widths: ws, strides: [1, 2], params: { group_w: [8, 8], bot_mul: [1, 1] } },
      { stem: 'res_stem_cifar', stemW: 16, blockType: 'res_bottleneck_block', resolution: 8, numClasses: 10 },
    );
    return { index: i, params: { depth: 3, w0: ws[0], wa: 8.5 + i, wm: 2.0, group_w: 8, bot_mul: 1, se_r: 0, ws, ds: [1, 2] }, spec, cx: complexity(spec) };
  });
}

function createSweep(store: Store, name = 'demo', n = 4) {
  return store.createSweep({ name, config: { name, n, recipe: { epochs: 2 } }, config_hash: 'h', seed: 7, n, space: 'regnetx' }, makeTrials(n));
}

function result(trialId: string, status: TrainResult['status'], err: number | null, error: string | null = null): TrainResult {
  const epochs = [0, 1].map((epoch) => ({ epoch, lr: 0.1 / (epoch + 1), train_loss: 1 - epoch * 0.1, train_err: 50 - epoch, test_err: (err ?? 60) + 1 - epoch, seconds: 0.5, images_per_sec: 1000 }));
  return { trial_id: trialId, status, epochs, final_test_err: err, best_test_err: err === null ? null : err - 0.5, params_built: 123, peak_mem_bytes: null, seconds: 1.25, error, worker: 'torch:cpu#0', device: 'cpu' };
}

test('a new database gets the schema, WAL mode and the latest version; reopening applies nothing twice', () => {
  const path = tempDb();
  const store = openStore(path, { create: true });
  assert.equal(store.db.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal(store.db.pragma('user_version', { simple: true }), loadMigrations().length);
  assert.equal(store.db.pragma('synchronous', { simple: true }), 1); // NORMAL
  createSweep(store);
  store.close();
  const again = openStore(path);
  assert.equal(again.listSweeps().length, 1);
  again.close();
});

test('opening a missing or foreign database is a one-line UserError naming the path', () => {
  const path = tempDb();
  assert.throws(() => openStore(path, { readonly: true }), { name: 'UserError', message: new RegExp(`^${path}: no such database`) });
  assert.throws(() => openStore(path), { name: 'UserError' });
  const foreign = join(tempDir(), 'other.sqlite');
  new Database(foreign).exec('CREATE TABLE x (a)');
  assert.throws(() => openStore(foreign, { readonly: true }), { name: 'UserError', message: `${foreign}: not a dse database (no dse schema in it)` });
  assert.throws(() => openStore(foreign, { create: true }), { name: 'UserError', message: `${foreign}: not a dse database (no dse schema in it)` });
  assert.deepEqual(new Database(foreign).prepare("SELECT COUNT(*) AS k FROM sqlite_master WHERE name = 'trials'").get(), { k: 0 }); // untouched
  const newer = join(tempDir(), 'newer.sqlite');
  openStore(newer, { create: true }).close();
  const raw = new Database(newer);
  raw.pragma('user_version = 99');
  raw.close();
  assert.throws(() => openStore(newer, { readonly: true }), { message: /written by a newer dse \(schema version 99/ });
});

test('trials are stored with their parameters as columns and read back as records', () => {
  const store = openStore(tempDb(), { create: true });
  const sweep = createSweep(store);
  assert.equal(sweep.status, 'created');
  assert.equal(sweep.n, 4);
  assert.deepEqual(sweep.config, { name: 'demo', n: 4, recipe: { epochs: 2 } });
  const trials = store.readTrials('demo');
  assert.equal(trials.length, 4);
  const t = trials[2];
  const made = makeTrials(4)[2];
  assert.deepEqual(t.spec, made.spec);
  assert.deepEqual(t.cx, made.cx);
  assert.deepEqual(t.params, made.params);
  assert.equal(t.status, 'pending');
  assert.equal(t.attempts, 0);
  assert.deepEqual(t.epochs, []);
  const row = store.db.prepare('SELECT depth, num_stages, w0, wa, group_w, bot_mul, act, ws, ds FROM trials_view WHERE id = ?').get(t.id);
  assert.deepEqual(row, { depth: 3, num_stages: 2, w0: 32, wa: 10.5, group_w: 8, bot_mul: 1, act: 'relu', ws: '[32,48]', ds: '[1,2]' });
  // Every parameter is in trial_values by name: the sample's, then those all blocks share (act).
  assert.deepEqual(t.values, { ...made.params, act: 'relu' });
  assert.throws(() => createSweep(store), /UNIQUE/);
  assert.throws(() => store.readTrials('nope'), { name: 'UserError', message: /no sweep named "nope" .*sweeps: demo/ });
  store.close();
});

test('a training is recorded from start to result, and a done trial can never be started again', () => {
  const store = openStore(tempDb(), { create: true });
  createSweep(store);
  const [a, b, c] = store.readTrials('demo');
  assert.equal(store.trialStarted(a.id, 'torch:cpu#0'), 1);
  store.saveEpoch(a.id, result('x', 'done', 10).epochs[0]);
  assert.equal(store.readTrials('demo', { status: ['running'] })[0].epochs.length, 1);
  store.trialFinished(a.id, result('x', 'done', 10));
  const done = store.readTrials('demo', { status: ['done'] })[0];
  assert.equal(done.final_test_err, 10);
  assert.equal(done.best_test_err, 9.5);
  assert.equal(done.seconds, 1.25);
  assert.equal(done.worker, 'torch:cpu#0');
  assert.deepEqual(done.epochs.map((e) => e.epoch), [0, 1]);
  assert.throws(() => store.trialStarted(a.id, 'torch:cpu#1'), /is done; it must not be trained again/);
  store.saveEpoch(a.id, { ...result('x', 'done', 10).epochs[0], test_err: 99 }); // late epoch: ignored
  assert.equal(store.readTrials('demo', { status: ['done'] })[0].epochs[0].test_err, 11);

  store.trialStarted(b.id, 'torch:cpu#1');
  store.trialFinished(b.id, result('y', 'failed', null, 'non-finite loss'));
  store.trialStarted(c.id, 'torch:cpu#0');
  store.trialFinished(c.id, result('z', 'interrupted', null, 'interrupted'));
  const failed = store.readTrials('demo', { status: ['failed'] })[0];
  assert.equal(failed.last_error, 'non-finite loss');
  assert.equal(failed.failures, 1);
  assert.equal(failed.final_test_err, null);
  // a retry starts clean: attempts counts trainings, old epochs go
  assert.equal(store.trialStarted(b.id, 'torch:cpu#0'), 2);
  assert.deepEqual(store.readTrials('demo', { status: ['running'] })[0].epochs, []);
  const log = store.db.prepare('SELECT trial_id, attempt, status FROM trainings ORDER BY id').all();
  assert.deepEqual(log, [
    { trial_id: a.id, attempt: 1, status: 'done' },
    { trial_id: b.id, attempt: 1, status: 'failed' },
    { trial_id: c.id, attempt: 1, status: 'interrupted' },
    { trial_id: b.id, attempt: 2, status: null },
  ]);
  // started again without a result (its worker was lost): the open training is closed as lost
  assert.equal(store.trialStarted(b.id, 'torch:cpu#1'), 3);
  assert.deepEqual(store.db.prepare('SELECT attempt, status FROM trainings WHERE trial_id = ? ORDER BY attempt').all(b.id), [
    { attempt: 1, status: 'failed' },
    { attempt: 2, status: 'lost' },
    { attempt: 3, status: null },
  ]);
  store.close();
});

test('the queue holds pending, interrupted and retryable failed trials; stale running ones are requeued', () => {
  const store = openStore(tempDb(), { create: true });
  createSweep(store, 'demo', 5);
  const [a, b, c, d] = store.readTrials('demo');
  store.trialStarted(a.id, 'w');
  store.trialFinished(a.id, result('a', 'done', 5));
  store.trialStarted(b.id, 'w');
  store.trialFinished(b.id, result('b', 'failed', null, 'boom'));
  store.trialStarted(c.id, 'w');
  store.trialFinished(c.id, result('c', 'interrupted', null));
  store.trialStarted(d.id, 'w'); // the run dies here
  const indices = (maxRetries: number, n?: number) => store.queuedTrials('demo', { maxRetries, n }).map((t) => t.index);
  assert.deepEqual(indices(1), [1, 2, 4]);
  assert.deepEqual(indices(0), [2, 4]);
  assert.equal(store.requeueStale('demo'), 1);
  assert.deepEqual(indices(1), [1, 2, 3, 4]);
  assert.deepEqual(indices(1, 3), [1, 2]);
  const lost = store.db.prepare('SELECT status FROM trainings WHERE trial_id = ?').get(d.id);
  assert.deepEqual(lost, { status: 'lost' });
  assert.deepEqual(store.counts('demo'), { pending: 2, running: 0, done: 1, failed: 1, interrupted: 1, total: 5, duplicate: 0 });
  store.close();
});

test('a second runner is refused while the first is alive; a dead or silent one is taken over', async () => {
  const path = tempDb();
  const store = openStore(path, { create: true });
  createSweep(store);
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
  try {
    store.claimRunner('demo', child.pid!);
    assert.throws(() => store.claimRunner('demo'), { name: 'UserError', message: new RegExp(`sweep demo is already being run by pid ${child.pid} on .*kill -INT ${child.pid}`) });
    // a heartbeat older than the stale limit means the pid was reused or the host is gone
    store.db.prepare("UPDATE runners SET heartbeat = '2000-01-01T00:00:00.000Z'").run();
    store.claimRunner('demo');
    assert.equal(store.getRunner('demo')!.pid, process.pid);
  } finally {
    child.kill();
  }
  await new Promise((r) => child.once('exit', r));
  store.db.prepare('UPDATE runners SET pid = ?, heartbeat = ?').run(child.pid, new Date().toISOString());
  store.claimRunner('demo'); // the holder's process is gone: taken over at once, fresh heartbeat or not
  store.releaseRunner('demo');
  assert.equal(store.getRunner('demo'), null);
  store.close();
});

test('a read-only store reads while the writer holds a write transaction, and cannot write', () => {
  const path = tempDb();
  const writer = openStore(path, { create: true });
  createSweep(writer);
  const reader = openStore(path, { readonly: true });
  writer.db.exec('BEGIN IMMEDIATE');
  writer.db.prepare("UPDATE trials SET status = 'running'").run();
  assert.equal(reader.readTrials('demo').filter((t) => t.status === 'pending').length, 4); // the last committed snapshot
  writer.db.exec('COMMIT');
  assert.equal(reader.readTrials('demo').filter((t) => t.status === 'running').length, 4);
  assert.throws(() => reader.saveWidthFits('demo', []), /opened read-only/);
  assert.throws(() => querySql(reader, "UPDATE trials SET status = 'done'"), { name: 'UserError', message: /--sql: only read-only statements/ });
  assert.throws(() => reader.db.prepare("UPDATE trials SET status = 'done'").run(), /readonly/);
  reader.close();
  writer.close();
});

test('width fits are saved per trial and read back', () => {
  const store = openStore(tempDb(), { create: true });
  createSweep(store);
  const [a, b] = store.readTrials('demo');
  store.saveWidthFits('demo', [{ trialId: a.id, w0: 24, wa: 8.5, wm: 2.1, e_fit: 0.01 }]);
  const [fa, fb] = store.readTrials('demo');
  assert.deepEqual(fa.fit, { w0: 24, wa: 8.5, wm: 2.1, e_fit: 0.01 });
  assert.equal(fb.fit, null);
  createSweep(store, 'other', 1);
  const foreign = store.readTrials('other')[0];
  assert.throws(() => store.saveWidthFits('demo', [{ trialId: b.id, w0: 8, wa: 1, wm: 2, e_fit: 0 }, { trialId: foreign.id, w0: 8, wa: 1, wm: 2, e_fit: 0 }]), /not in sweep demo/);
  assert.equal(store.readTrials('demo')[1].fit, null); // all or nothing
  store.close();
});

test('queries run over the friendly view: where, order, limit, columns; bad input is a UserError', () => {
  const path = tempDb();
  const store = openStore(path, { create: true });
  createSweep(store);
  const trials = store.readTrials('demo');
  trials.forEach((t, i) => {
    store.trialStarted(t.id, 'w');
    store.trialFinished(t.id, result('t', 'done', 40 - i * 3));
  });
  store.close();
  const reader = openStore(path, { readonly: true });
  const q = queryTrials(reader, { sweep: 'demo', where: 'w0 >= 24', order: 'error', limit: 2, columns: ['idx', 'error', 'w0', 'ws'] });
  assert.deepEqual(q.columns, ['idx', 'error', 'w0', 'ws']);
  assert.deepEqual(q.rows, [
    { idx: 3, error: 31, w0: 40, ws: '[40,56]' },
    { idx: 2, error: 34, w0: 32, ws: '[32,48]' },
  ]);
  assert.deepEqual(queryTrials(reader, { order: '-flops', columns: ['idx'] }).rows.map((r) => r.idx), [3, 2, 1, 0]);
  assert.deepEqual(queryTrials(reader, { where: 'ws ->> 1 = 48', columns: ['idx'] }).rows, [{ idx: 2 }]);
  assert.throws(() => queryTrials(reader, { columns: ['idx', 'colour'] }), { name: 'UserError', message: /^--columns: unknown column "colour"/ });
  assert.throws(() => queryTrials(reader, { order: 'error; DROP TABLE trials' }), { name: 'UserError', message: /^--order: expected columns/ });
  assert.throws(() => queryTrials(reader, { where: "1); DELETE FROM trials; --" }), { name: 'UserError', message: /^--where: / });
  assert.throws(() => queryTrials(reader, { where: 'nosuch > 1' }), { name: 'UserError', message: /^--where: no such column: nosuch/ });
  assert.throws(() => queryTrials(reader, { sweep: 'nope' }), { name: 'UserError' });
  assert.equal(querySql(reader, 'SELECT COUNT(*) AS k FROM epochs').rows[0].k, 8);
  reader.close();
});

test('a corrupt file is reported, not crashed on', () => {
  const path = join(tempDir(), 'junk.sqlite');
  writeFileSync(path, 'this is not a database at all, just some text that is long enough'.repeat(100));
  assert.throws(() => openStore(path, { readonly: true }), { name: 'UserError', message: new RegExp(`^${path}: `) });
});

test('a new sweep version keeps each trial result under its version and re-queues every trial; a live runner blocks it', () => {
  const store = openStore(tempDb(), { create: true });
  createSweep(store, 'demo', 3);
  const [a, b, c] = store.readTrials('demo');
  const dataset = { key: '0123456789abcdef', name: 'synthetic', train_size: 96, test_size: 32, resolution: 8, channels: 3, num_classes: 10, mean: [0.5, 0.5, 0.5], std: [0.2, 0.2, 0.2] };
  const provenance = (epochs: number) => ({ recipe: { epochs, seed: 7 }, recipe_hash: `h${epochs}`, dataset, engine: 'torch' as const, dse_version: '0.1.0', seed: 7 });
  assert.equal(store.trained('demo'), false);
  store.trialStarted(a.id, 'w', process.pid, 1, provenance(2));
  store.trialFinished(a.id, { ...result('a', 'done', 20), engine_version: 'torch 2.3.1' });
  store.trialStarted(b.id, 'w', process.pid, 1, provenance(2));
  store.trialFinished(b.id, result('b', 'failed', null, 'boom'));
  assert.equal(store.trained('demo'), true);

  const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 20000)']);
  try {
    store.claimRunner('demo', other.pid!);
    assert.throws(() => store.newSweepVersion('demo', { recipe: { epochs: 3 } }, 'h3', 3), { message: `sweep demo is being run by pid ${other.pid} on ${store.getRunner('demo')!.host}; stop it (kill -INT ${other.pid}) before changing its config` });
    store.releaseRunner('demo', other.pid!);
  } finally {
    other.kill();
  }

  assert.deepEqual(store.newSweepVersion('demo', { recipe: { epochs: 3 } }, 'h3', 3), { version: 2, kept: 2 });
  assert.equal(store.trained('demo'), false);
  assert.deepEqual(store.sweepVersions('demo').map((v) => [v.version, v.config_hash]), [[1, 'h'], [2, 'h3']]);
  const after = store.readTrials('demo');
  assert.deepEqual(after.map((t) => [t.status, t.final_test_err, t.epochs.length, t.failures]), [['pending', null, 0, 0], ['pending', null, 0, 0], ['pending', null, 0, 0]]);
  assert.deepEqual(after[0].earlier, [{ version: 1, status: 'done', attempt: 1, final_test_err: 20, best_test_err: 19.5, final_val_err: null, best_val_err: null, seconds: 1.25, last_error: null, failure_kind: null, epochs: result('a', 'done', 20).epochs.map((e) => ({ ...e, val_err: null })) }]);
  assert.deepEqual(after[1].earlier!.map((r) => [r.version, r.status, r.last_error, r.failure_kind]), [[1, 'failed', 'boom', 'error']]);
  assert.deepEqual(after[2].earlier, []);
  assert.deepEqual(after[0].trainings!.map((g) => [g.attempt, g.version, g.status, g.engine_version, g.device, g.provenance]), [[1, 1, 'done', 'torch 2.3.1', 'cpu', provenance(2)]]);

  // the next training of a trial is attempt 2, under version 2; the view shows the latest training's provenance
  assert.equal(store.trialStarted(a.id, 'w', process.pid, 1, provenance(3)), 2);
  assert.deepEqual(store.readTrials('demo')[0].trainings!.map((g) => [g.attempt, g.version, g.provenance?.recipe_hash]), [[1, 1, 'h2'], [2, 2, 'h3']]);
  assert.deepEqual(store.db.prepare('SELECT idx, recipe_hash, dataset_key, engine, dse_version FROM trials_view ORDER BY idx').all(), [
    { idx: 0, recipe_hash: 'h3', dataset_key: '0123456789abcdef', engine: 'torch', dse_version: '0.1.0' },
    { idx: 1, recipe_hash: 'h2', dataset_key: '0123456789abcdef', engine: 'torch', dse_version: '0.1.0' },
    { idx: 2, recipe_hash: null, dataset_key: null, engine: null, dse_version: null },
  ]);
  store.close();
});

test('repeats: each done training is kept as a repeat; the trial is done with the means and spreads once it has them all', () => {
  const store = openStore(tempDb(), { create: true });
  createSweep(store, 'demo', 2);
  const [a, b] = store.readTrials('demo');
  const withVal = (r: TrainResult, val: number): TrainResult => ({ ...r, final_val_err: val, best_val_err: val - 1 });
  const train = (id: number, r: TrainResult, repeats: number) => {
    store.trialStarted(id, 'w', process.pid, 1, undefined);
    return store.trialFinished(id, r, { repeats });
  };
  assert.deepEqual(train(a.id, withVal(result('a', 'done', 20), 30), 3), { complete: false, repeats: 1 });
  assert.equal(store.readTrials('demo')[0].status, 'pending', 'back in the queue for its next repeat');
  assert.deepEqual(store.queuedTrials('demo', { maxRetries: 1 }).map((q) => [q.index, q.repeats]), [[0, 1], [1, 0]]);
  // a failed repeat counts as a failure and keeps the finished ones
  assert.deepEqual(train(a.id, result('a', 'failed', null, 'boom'), 3), { complete: true, repeats: 1 });
  assert.deepEqual(train(a.id, withVal(result('a', 'done', 22), 34), 3), { complete: false, repeats: 2 });
  assert.deepEqual(train(a.id, withVal(result('a', 'done', 24), 38), 3), { complete: true, repeats: 3 });
  assert.deepEqual(train(b.id, withVal(result('b', 'done', 10), 12), 1), { complete: true, repeats: 1 });

  const [ta, tb] = store.readTrials('demo');
  assert.equal(ta.status, 'done');
  assert.deepEqual([ta.final_test_err, ta.final_val_err, ta.best_val_err, ta.best_test_err], [22, 34, 33, 21.5]);
  assert.equal(ta.val_err_std, 4);
  assert.equal(ta.test_err_std, 2);
  assert.deepEqual(ta.repeats!.map((r) => [r.repeat, r.attempt, r.seed, r.final_val_err, r.epochs.length]), [[0, 1, 7, 30, 2], [1, 3, 7, 34, 2], [2, 4, 7, 38, 2]]);
  assert.deepEqual([tb.final_val_err, tb.val_err_std, tb.repeats!.length], [12, null, 1]);
  assert.deepEqual(store.db.prepare('SELECT idx, repeats, error, error_std FROM trials_view ORDER BY idx').all(), [
    { idx: 0, repeats: 3, error: 34, error_std: 4 },
    { idx: 1, repeats: 1, error: 12, error_std: null },
  ]);
  // more repeats later: done trials with fewer go back to pending, the kept ones stay
  assert.equal(store.reopenForRepeats('demo', 3), 1);
  assert.deepEqual(store.queuedTrials('demo', { maxRetries: 1 }).map((q) => [q.index, q.repeats]), [[1, 1]]);
  // a new sweep version starts the count again; the earlier version's repeats stay stored under it
  store.newSweepVersion('demo', { recipe: { epochs: 3 } }, 'h3', 2);
  assert.deepEqual(store.readTrials('demo').map((t) => [t.repeats!.length, t.val_err_std ?? null]), [[0, null], [0, null]]);
  assert.equal((store.db.prepare('SELECT COUNT(*) AS k FROM trial_repeats').get() as { k: number }).k, 4);
  store.close();
});
