// The validation split: held out of the training subset (stratified, seeded, disjoint), written into
// the prepared file, evaluated by both engines beside the test split, and stored as the ranking error.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { errorOf, fallbackNotes, parseErrorKind } from '../src/analysis/metrics.js';
import { examplePopulation } from '../src/analysis/examplePopulation.js';
import { openStore } from '../src/store/index.js';
import { querySql } from '../src/store/query.js';
import { DatasetError, loadDataset, prepareDatasetDetailed, readTensorFile } from '../src/models/data/index.js';
import { rngFor } from '../src/models/data/rng.js';
import { holdOut } from '../src/models/data/subset.js';
import type { TrialRecord } from '../src/store/types.js';
import { DEFAULT_RECIPE, type EpochMetrics, type TrainRequest, type TrainResult, epochErrors } from '../src/workers/engine.js';
import { initBackend } from '../src/workers/tfjs/backend.js';
import { trainTrial } from '../src/workers/tfjs/train.js';
import { createTorchSlot, type TorchSlot } from '../src/workers/torch/slot.js';
import { SPEC, withDataset } from './helpers/torchData.js';

const counts = (y: Uint8Array, k: number) => Array.from({ length: k }, (_, c) => y.filter((v) => v === c).length);

describe('the split', () => {
  test('holdOut takes a class-stratified, seeded share and keeps the rest, disjoint', () => {
    const n = 100;
    const y = Uint8Array.from({ length: n }, (_, i) => (i < 50 ? 0 : i < 80 ? 1 : 2));
    const x = Uint8Array.from({ length: n }, (_, i) => i);
    const { kept, held } = holdOut({ n, x, y }, 10, 1, rngFor(4, 'v'));
    assert.deepEqual(counts(held.y, 3), [5, 3, 2]);
    assert.equal(kept.n, 90);
    assert.equal(new Set([...kept.x, ...held.x]).size, n, 'every image is in exactly one split');
    assert.deepEqual(holdOut({ n, x, y }, 10, 1, rngFor(4, 'v')).held.x, held.x, 'same seed, same split');
    assert.equal(holdOut({ n, x, y }, 0, 1, rngFor(4, 'v')).held.n, 0);
  });

  test('loadDataset holds out 10% of the training subset by default, val_size otherwise, 0 for none', () => {
    const base = { name: 'synthetic' as const, train_size: 200, test_size: 20, resolution: 4, channels: 1, num_classes: 4, seed: 1 };
    const byDefault = loadDataset(base);
    assert.equal(byDefault.val?.n, 20);
    assert.equal(byDefault.train.n, 180);
    assert.deepEqual(counts(byDefault.val!.y, 4), [5, 5, 5, 5]);
    assert.equal(loadDataset({ ...base, val_size: 30 }).val?.n, 30);
    assert.equal(loadDataset({ ...base, val_size: 0 }).val?.n, 0);
    assert.equal(loadDataset({ ...base, val_size: 0 }).train.n, 200);
    assert.throws(() => loadDataset({ ...base, val_size: 200 }), (e: unknown) => e instanceof DatasetError && /val_size 200 leaves no training images of 200/.test((e as Error).message));
  });

  test('the prepared file carries the validation split with its own offsets', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dse-val-'));
    try {
      const cfg = { name: 'synthetic' as const, train_size: 100, test_size: 10, resolution: 4, channels: 1, num_classes: 2, seed: 2, val_size: 16 };
      const prepared = prepareDatasetDetailed(cfg, dir);
      assert.deepEqual([prepared.train_n, prepared.val_n, prepared.test_n], [84, 16, 10]);
      const back = readTensorFile(prepared.ref.path);
      const direct = loadDataset(cfg);
      assert.deepEqual(back.val?.y, direct.val?.y);
      assert.deepEqual(back.val?.x, direct.val?.x);
      assert.deepEqual(back.train.y, direct.train.y);
      assert.equal(prepareDatasetDetailed(cfg, dir).cached, true);
      assert.equal(prepareDatasetDetailed({ ...cfg, val_size: 0 }, dir).val_n, 0, 'another val_size is another cache entry');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('both engines report val_err beside test_err', () => {
  let slot: TorchSlot;
  before(async () => {
    await initBackend('cpu');
    slot = await createTorchSlot({ name: 'torch:cpu#val', cudaDevice: null, threads: 1 });
  });
  after(async () => slot?.close());

  const check = (r: TrainResult, hasVal: boolean) => {
    assert.equal(r.status, 'done', r.error ?? '');
    for (const m of r.epochs) {
      if (hasVal) assert.ok(typeof m.val_err === 'number' && m.val_err >= 0 && m.val_err <= 100 && Math.abs(m.val_err * 0.24 - Math.round(m.val_err * 0.24)) < 1e-9, `val_err ${m.val_err} counts 24 images`);
      else assert.equal(m.val_err ?? null, null);
    }
    const want = epochErrors(r.epochs);
    assert.equal(r.final_val_err ?? null, want.final_val_err);
    assert.equal(r.best_val_err ?? null, want.best_val_err);
    assert.equal(want.final_val_err === null, !hasVal);
  };

  for (const valN of [24, 0]) {
    test(valN ? 'with a validation split' : 'without one (val_err null)', async () => {
      await withDataset(async (dataset) => {
        const request: TrainRequest = { trial_id: `v${valN}`, spec: SPEC, dataset, device: 'cpu', recipe: { ...DEFAULT_RECIPE, epochs: 2, batch_size: 32, seed: 1, precise_bn: 64 } };
        check(await slot.train(request, () => {}, new AbortController().signal), valN > 0);
        check(await trainTrial(request, { device: 'cpu', worker: 'tfjs:cpu#val', onEpoch: () => {} }), valN > 0);
      }, valN);
    });
  }
});

describe('ranking on the validation error', () => {
  const epoch = (val: number | null, test: number): EpochMetrics => ({ epoch: 1, lr: 0.1, train_loss: 1, train_err: 1, val_err: val, test_err: test, seconds: 1, images_per_sec: 1 });
  const trial = (val: number | null, test: number) => ({ status: 'done', index: 0, final_val_err: val, best_val_err: val, final_test_err: test, best_test_err: test, epochs: [epoch(val, test)] }) as unknown as TrialRecord;

  test('val ranks by the validation error, falling back to test (with a note) where a sweep has none; test ranks by test', () => {
    const val = parseErrorKind('final');
    assert.deepEqual(val, { at: 'final', split: 'val' });
    assert.equal(errorOf(trial(12, 30), val), 12);
    assert.equal(errorOf(trial(null, 30), val), 30);
    assert.equal(errorOf(trial(12, 30), parseErrorKind('best', 'test')), 30);
    assert.deepEqual(fallbackNotes([{ label: 'new', trials: [trial(12, 30)] }], val), []);
    assert.match(fallbackNotes([{ label: 'old', trials: [trial(null, 30)] }], val)[0], /^note: sweep old has models without a validation error .* ranked by their test error$/);
    assert.deepEqual(fallbackNotes([{ label: 'old', trials: [trial(null, 30)] }], parseErrorKind('final', 'test')), []);
    assert.throws(() => parseErrorKind('final', 'train'), /--metric: expected val or test, got "train"/);
  });
});

test('the store keeps both errors; trials_view ranks by the validation error, else the test error', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dse-val-store-'));
  const store = openStore(join(dir, 'v.sqlite'), { create: true });
  try {
    store.createSweep({ name: 's', config: { name: 's' }, config_hash: 'h', seed: 1, n: 2, space: 'regnetx' }, examplePopulation({ sweep: 's', n: 2, seed: 1 }));
    const [withVal, without] = store.readTrials('s');
    for (const t of [withVal, without]) store.trialStarted(t.id, 'w#0');
    const result = (val: number | null): TrainResult => ({
      trial_id: 'x', status: 'done', epochs: [{ epoch: 1, lr: 0.1, train_loss: 1, train_err: 9, val_err: val, test_err: 30, seconds: 1, images_per_sec: 1 }],
      final_test_err: 30, best_test_err: 30, final_val_err: val, best_val_err: val, params_built: null, peak_mem_bytes: null, seconds: 1, error: null, worker: 'w#0', device: 'cpu',
    });
    store.trialFinished(withVal.id, result(12));
    store.trialFinished(without.id, result(null));
    const rows = querySql(store, 'SELECT id, error, best_error, val_error, test_error, best_test_error FROM trials_view ORDER BY id').rows;
    assert.deepEqual(rows.map((r) => [r.error, r.best_error, r.val_error, r.test_error, r.best_test_error]), [[12, 12, 12, 30, 30], [30, 30, null, 30, 30]]);
    assert.deepEqual(querySql(store, 'SELECT val_err, test_err FROM epochs ORDER BY trial_id').rows, [{ val_err: 12, test_err: 30 }, { val_err: null, test_err: 30 }]);
    const back = store.readTrials('s');
    assert.deepEqual([back[0].final_val_err, back[0].epochs[0].val_err, back[1].final_val_err], [12, 12, null]);
    assert.equal(store.summary('s').best_error, 12);
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
