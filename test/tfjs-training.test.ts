/**
 * Training with the tfjs engine: the dataset as the worker sees it, augmentation, the SGD update, a
 * trial in-thread (metrics, memory across trials, request errors), and the real slot (a piscina
 * thread): it learns, a NaN fails, an abort interrupts, a dying thread fails its trial, and the slot
 * goes on working after each.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { rngFor } from '../src/models/data/rng.js';
import { writeTensorFile } from '../src/models/data/tensorFile.js';
import type { ImageDataset } from '../src/models/data/types.js';
import type { ModelParameter } from '../src/models/tfjs/layers.js';
import { buildAnyNetSpec } from '../src/space/build.js';
import type { ModelSpec } from '../src/space/spec.js';
import { UserError } from '../src/util/errors.js';
import { type DatasetRef, DEFAULT_RECIPE, EngineUnavailableError, type EpochMetrics, type Recipe, type TrainRequest } from '../src/workers/engine.js';
import { initBackend } from '../src/workers/tfjs/backend.js';
import { fillAugmentedBatch, loadTrainingData } from '../src/workers/tfjs/data.js';
import { Sgd } from '../src/workers/tfjs/optimizer.js';
import { createTfjsSlot, type TfjsSlot } from '../src/workers/tfjs/slot.js';
import { trainTrial } from '../src/workers/tfjs/train.js';

const dir = mkdtempSync(join(tmpdir(), 'dse-tfjs-training-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const CLASSES = 4;
const RES = 8;
const CHANNELS = 3;

/** Class-dependent mean patterns (a few smooth waves per class) plus uniform noise, uint8 NCHW. */
function learnableDataset(trainN: number, testN: number, seed: number): ImageDataset {
  const rng = rngFor(seed, 'tfjs-training-test');
  const pixels = RES * RES;
  const protos = Array.from({ length: CLASSES }, (_, k) =>
    Float64Array.from({ length: CHANNELS * pixels }, (_, i) => {
      const c = Math.floor(i / pixels);
      const r = Math.floor((i % pixels) / RES);
      const col = i % RES;
      return 128 + 70 * Math.sin(((k + 1) * col) / 3 + c) * Math.cos(((k % 2) + 1) * r * 0.7 + k);
    }),
  );
  const split = (n: number) => {
    const x = new Uint8Array(n * CHANNELS * pixels);
    const y = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      y[i] = i % CLASSES;
      for (let j = 0; j < CHANNELS * pixels; j++) x[i * CHANNELS * pixels + j] = Math.max(0, Math.min(255, Math.round(protos[y[i]][j] + 40 * (rng() - 0.5))));
    }
    return { x, y, n };
  };
  return { name: 'learnable', num_classes: CLASSES, channels: CHANNELS, height: RES, width: RES, train: split(trainN), test: split(testN), mean: [0.5, 0.5, 0.5], std: [0.3, 0.3, 0.3] };
}

function writeDataset(name: string, ds: ImageDataset): DatasetRef {
  const path = join(dir, name);
  writeTensorFile(path, ds);
  return { name: ds.name, path, num_classes: ds.num_classes, channels: ds.channels, resolution: ds.height, mean: ds.mean, std: ds.std };
}

const tinySpec: ModelSpec = buildAnyNetSpec(
  { depths: [1, 1], widths: [8, 16], strides: [1, 2], params: { bot_mul: [1, 1], group_w: [4, 4], se_r: [0.25, 0] } },
  { stem: 'res_stem_cifar', stemW: 8, blockType: 'res_bottleneck_block', resolution: RES, numClasses: CLASSES, inputChannels: CHANNELS },
);

const RECIPE: Recipe = { ...DEFAULT_RECIPE, epochs: 4, batch_size: 32, base_lr: 0.4, augment_pad: 1, seed: 5 };

let dataset: DatasetRef;
before(() => {
  dataset = writeDataset('learnable.bin', learnableDataset(256, 64, 1));
});

const request = (id: string, extra: Partial<TrainRequest> & { test_fault?: string } = {}): TrainRequest => ({
  trial_id: id, spec: tinySpec, dataset, recipe: RECIPE, device: 'cpu', ...extra,
});

describe('dataset and augmentation', () => {
  test('the prepared file becomes normalized NHWC floats, cached until the file changes', () => {
    const ds = learnableDataset(3, 2, 9);
    const ref = writeDataset('small.bin', ds);
    const data = loadTrainingData(ref);
    assert.equal(data.train.x.length, 3 * RES * RES * CHANNELS);
    for (const [i, c, r, col] of [[0, 0, 0, 0], [2, 1, 3, 5], [1, 2, 7, 7]]) {
      const raw = ds.train.x[((i * CHANNELS + c) * RES + r) * RES + col];
      const got = data.train.x[((i * RES + r) * RES + col) * CHANNELS + c];
      assert.ok(Math.abs(got - (raw / 255 - ds.mean[c]) / ds.std[c]) < 1e-6, `${got} for raw ${raw}`);
    }
    assert.equal(loadTrainingData(ref), data, 'the same file is read once');
    writeTensorFile(ref.path, learnableDataset(5, 2, 9));
    assert.equal(loadTrainingData(ref).train.n, 5, 'a rewritten file is read again');
  });

  test('random crop and flip match a pad-then-crop reference; draws are seeded', () => {
    const ds = learnableDataset(4, 1, 2);
    const data = loadTrainingData(writeDataset('aug.bin', ds));
    const pad = 2;
    const image = RES * RES * CHANNELS;
    const out = new Float32Array(3 * image);
    const draws: number[] = [];
    const rng = rngFor(11, 'aug');
    const recording = () => {
      const v = rng();
      draws.push(v);
      return v;
    };
    fillAugmentedBatch(data, data.train, [3, 0, 2], { pad, flip: true }, recording, out);
    assert.equal(draws.length, 9, 'three draws per image: row offset, column offset, flip');
    for (let b = 0; b < 3; b++) {
      const src = [3, 0, 2][b];
      const oy = Math.floor(draws[3 * b] * (2 * pad + 1));
      const ox = Math.floor(draws[3 * b + 1] * (2 * pad + 1));
      const flip = draws[3 * b + 2] < 0.5;
      for (let r = 0; r < RES; r++)
        for (let col = 0; col < RES; col++)
          for (let c = 0; c < CHANNELS; c++) {
            // Reference: zero-pad by `pad`, crop at (oy, ox), then mirror the crop.
            const pr = r + oy - pad;
            const pc = (flip ? RES - 1 - col : col) + ox - pad;
            const expected = pr < 0 || pr >= RES || pc < 0 || pc >= RES ? 0 : data.train.x[src * image + (pr * RES + pc) * CHANNELS + c];
            assert.equal(out[b * image + (r * RES + col) * CHANNELS + c], expected);
          }
    }
    fillAugmentedBatch(data, data.train, [1], { pad: 0, flip: false }, () => assert.fail('no draws without augmentation'), out);
    assert.deepEqual(out.subarray(0, image), data.train.x.subarray(image, 2 * image));
  });
});

describe('SGD', () => {
  before(async () => {
    await initBackend('cpu');
  });

  test('matches torch.optim.SGD: nesterov momentum, weight decay, BN exempt when asked', () => {
    const w = tf.variable(tf.tensor1d([1, -2]), true, 'sgd-test-w');
    const gamma = tf.variable(tf.tensor1d([0.5]), true, 'sgd-test-gamma');
    const params: ModelParameter[] = [{ name: 'w', variable: w, isBn: false, layout: 'vector' }, { name: 'bn.weight', variable: gamma, isBn: true, layout: 'vector' }];
    const sgd = new Sgd(params, { momentum: 0.9, nesterov: true, weight_decay: 0.1, bn_weight_decay: false });
    const grads = () => ({ [w.name]: tf.tensor1d([0.5, 0.25]), [gamma.name]: tf.tensor1d([1]) });
    // torch, by hand: g = grad + wd * p; buf = 0.9 * buf + g; step = g + 0.9 * buf; p -= lr * step.
    let p = [1, -2];
    let buf = [0, 0];
    let pg = 0.5;
    let bufG = 0;
    for (const lr of [0.1, 0.05]) {
      const gs = grads();
      sgd.step(gs, lr);
      tf.dispose(Object.values(gs));
      const g = [0.5 + 0.1 * p[0], 0.25 + 0.1 * p[1]];
      buf = buf.map((b, i) => 0.9 * b + g[i]);
      p = p.map((v, i) => v - lr * (g[i] + 0.9 * buf[i]));
      bufG = 0.9 * bufG + 1;
      pg -= lr * (1 + 0.9 * bufG);
      [...w.dataSync()].forEach((v, i) => assert.ok(Math.abs(v - p[i]) < 1e-6, `w ${v} vs ${p[i]}`));
      assert.ok(Math.abs(gamma.dataSync()[0] - pg) < 1e-6, `gamma ${gamma.dataSync()[0]} vs ${pg}`);
    }
    sgd.dispose();
    w.dispose();
    gamma.dispose();
  });

  test('plain SGD without momentum has no state', () => {
    const w = tf.variable(tf.tensor1d([1]), true, 'sgd-plain-w');
    const before = tf.memory().numTensors;
    const sgd = new Sgd([{ name: 'w', variable: w, isBn: false, layout: 'vector' }], { momentum: 0, nesterov: true, weight_decay: 0, bn_weight_decay: true });
    assert.equal(tf.memory().numTensors, before);
    const g = tf.tensor1d([2]);
    sgd.step({ [w.name]: g }, 0.5);
    assert.equal(w.dataSync()[0], 0);
    g.dispose();
    w.dispose();
  });
});

describe('a trial in this thread', () => {
  before(async () => {
    await initBackend('wasm');
  });

  test('reports per-epoch metrics, frees every tensor, and the next trial starts from the same memory', async () => {
    const seen: EpochMetrics[] = [];
    const ctx = { device: 'wasm-simd', worker: 'test', onEpoch: (m: EpochMetrics) => seen.push(m) };
    const recipe = { ...RECIPE, epochs: 2 };
    const before = tf.memory().numTensors;
    const first = await trainTrial(request('in-thread-1', { recipe }), ctx);
    assert.equal(first.status, 'done', first.error ?? '');
    assert.equal(tf.memory().numTensors, before);
    const second = await trainTrial(request('in-thread-2', { recipe }), ctx);
    assert.equal(second.status, 'done', second.error ?? '');
    assert.equal(tf.memory().numTensors, before);
    assert.deepEqual(second.epochs, seen.slice(2));
    assert.deepEqual(first.epochs.map((m) => m.test_err), second.epochs.map((m) => m.test_err), 'same seed, same trial');
    const [e1, e2] = first.epochs;
    assert.deepEqual([e1.epoch, e2.epoch], [1, 2]);
    assert.equal(e1.lr, RECIPE.base_lr * (RECIPE.batch_size / 128));
    assert.ok(e2.lr < e1.lr);
    for (const m of first.epochs) assert.ok(m.images_per_sec > 0 && m.seconds > 0 && m.train_err >= 0 && m.train_err <= 100);
    assert.equal(first.final_test_err, e2.test_err);
    assert.equal(first.best_test_err, Math.min(e1.test_err, e2.test_err));
    assert.equal(first.params_built, 2022);
    assert.ok(first.peak_mem_bytes! > 0);
  });

  test('a request the data cannot serve fails with a one-line reason', async () => {
    const ctx = { device: 'wasm-simd', worker: 'test', onEpoch: () => {} };
    const before = tf.memory().numTensors;
    const missing = await trainTrial(request('missing', { dataset: { ...dataset, path: join(dir, 'nope.bin') } }), ctx);
    assert.equal(missing.status, 'failed');
    assert.match(missing.error!, /nope\.bin cannot be read/);
    const withNode = (i: number, change: object) => ({ ...tinySpec, nodes: tinySpec.nodes.map((n, k) => (k === (i < 0 ? tinySpec.nodes.length + i : i) ? { ...n, ...change } : n)) });
    const head = tinySpec.nodes[tinySpec.nodes.length - 1];
    const wrongClasses = await trainTrial(request('classes', { spec: withNode(-1, { params: { ...head.params, num_classes: 3 } }) }), ctx);
    assert.match(wrongClasses.error!, /has label 3 but the head has 3 classes/);
    const wrongRes = await trainTrial(request('res', { spec: { ...tinySpec, input: { ...tinySpec.input, resolution: 16 } } }), ctx);
    assert.match(wrongRes.error!, /spec input resolution is 16 but dataset .* is 8x8/);
    const badSpec = await trainTrial(request('spec', { spec: withNode(0, { type: 'nope' }) }), ctx);
    assert.match(badSpec.error!, /^spec: nodes\[0\] \(stem\)\.type: unknown node type "nope"/);
    for (const r of [missing, wrongClasses, wrongRes, badSpec]) assert.ok(!r.error!.includes('\n'), r.error!);
    assert.equal(tf.memory().numTensors, before);
  });
});

describe('the tfjs slot (a piscina worker thread)', () => {
  let slot: TfjsSlot;
  before(async () => {
    slot = await createTfjsSlot({ name: 'tfjs:wasm#0', backend: 'wasm' });
  });
  after(async () => {
    await slot?.close();
  });

  const run = (req: TrainRequest, signal = new AbortController().signal) => {
    const epochs: EpochMetrics[] = [];
    return slot.train(req, (m) => epochs.push(m), signal).then((result) => ({ result, epochs }));
  };

  test('reports its backend', () => {
    assert.equal(slot.engine, 'tfjs');
    assert.equal(slot.info?.backend, 'wasm');
    assert.match(slot.info!.device, /^wasm/);
  });

  test('a tiny network learns the synthetic classes', async () => {
    const { result, epochs } = await run(request('learns'));
    assert.equal(result.status, 'done', result.error ?? '');
    assert.equal(result.worker, 'tfjs:wasm#0');
    assert.equal(result.device, slot.info!.device);
    assert.deepEqual(epochs, result.epochs, 'every epoch was posted as it finished');
    const losses = result.epochs.map((m) => m.train_loss);
    assert.ok(losses[3] < 0.7 * losses[0], `train loss ${losses.join(' -> ')}`);
    assert.ok(result.final_test_err! < 40, `test error ${result.final_test_err}% (chance is 75%)`);
  });

  test('a diverging trial (base_lr 1e6) fails with a non-finite loss; the slot goes on', async () => {
    const { result } = await run(request('nan', { recipe: { ...RECIPE, base_lr: 1e6 } }));
    assert.equal(result.status, 'failed');
    assert.match(result.error!, /non-finite train loss/);
    const again = await run(request('after-nan', { recipe: { ...RECIPE, epochs: 1 } }));
    assert.equal(again.result.status, 'done', again.result.error ?? '');
  });

  test('an abort interrupts the trial with the epochs so far; the slot goes on', async () => {
    const ctl = new AbortController();
    const epochs: EpochMetrics[] = [];
    const onEpoch = (m: EpochMetrics) => {
      epochs.push(m);
      ctl.abort();
    };
    const interrupted = await slot.train(request('abort', { recipe: { ...RECIPE, epochs: 40 } }), onEpoch, ctl.signal);
    assert.equal(interrupted.status, 'interrupted');
    assert.equal(interrupted.epochs.length, 1);
    assert.deepEqual(interrupted.epochs, epochs);
    const again = await run(request('after-abort', { recipe: { ...RECIPE, epochs: 1 } }));
    assert.equal(again.result.status, 'done', again.result.error ?? '');
  });

  test('a thread that dies fails its trial with the error; piscina replaces it', async () => {
    for (const fault of ['crash', 'exit']) {
      const { result } = await run(request(`dies-${fault}`, { test_fault: fault, recipe: { ...RECIPE, epochs: 1 } }));
      assert.equal(result.status, 'failed');
      assert.match(result.error!, /tfjs worker thread died: .*(injected test fault|exited with code: 3)/);
    }
    await slot.start();
    const again = await run(request('after-death', { recipe: { ...RECIPE, epochs: 1 } }));
    assert.equal(again.result.status, 'done', again.result.error ?? '');
  });
});

describe('slot creation', () => {
  test('an unknown backend or thread count is a user error', async () => {
    await assert.rejects(createTfjsSlot({ name: 'x', backend: 'webgl' }), (e: Error) => e instanceof UserError && /--backend: unknown tfjs backend "webgl"/.test(e.message));
    await assert.rejects(createTfjsSlot({ name: 'x', threads: 0 }), (e: Error) => e instanceof UserError && /--threads/.test(e.message));
  });

  test('auto falls back from tensorflow to wasm here, noting why', async () => {
    const slot = await createTfjsSlot({ name: 'tfjs:auto#0' });
    try {
      assert.equal(slot.info?.backend, 'wasm');
      assert.match(slot.info!.notes.join('\n'), /tensorflow: tfjs-node is not installed/);
    } finally {
      await slot.close();
    }
  });

  test('multi-threaded wasm (SIMD + threads) runs inside the worker thread', async () => {
    const slot = await createTfjsSlot({ name: 'tfjs:wasm-mt#0', backend: 'wasm', threads: 2 });
    try {
      assert.deepEqual([slot.info?.device, slot.info?.threads], ['wasm-simd-threads', 2]);
      const result = await slot.train(request('threads', { recipe: { ...RECIPE, epochs: 1 } }), () => {}, new AbortController().signal);
      assert.equal(result.status, 'done', result.error ?? '');
      assert.equal(result.device, 'wasm-simd-threads');
    } finally {
      await slot.close();
    }
  });

  test('the tensorflow backend is unavailable without tfjs-node, and says so', async () => {
    await assert.rejects(createTfjsSlot({ name: 'tf', backend: 'tensorflow' }), (e: Error) => e instanceof EngineUnavailableError && /tfjs-node is not installed/.test(e.message));
  });
});
