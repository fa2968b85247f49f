// Training through the real torch slot and a real python3-torch process (CPU, 1 thread): learning,
// the recipe's lr schedule, determinism by seed, and every failure path (NaN, exception, crash, exit,
// abort, bad dataset), each followed by a working trial on the same slot.
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { writeTensorFile } from '../src/models/data/tensorFile.js';
import type { ImageDataset } from '../src/models/data/types.js';
import { CHANNELS, CLASSES, RES, patternSplits } from './helpers/torchData.js';
import { complexity } from '../src/space/index.js';
import { buildAnyNetSpec } from '../src/space/build.js';
import { DEFAULT_RECIPE, type DatasetRef, type EpochMetrics, type Recipe, type TrainRequest, learningRate } from '../src/workers/engine.js';
import { TorchSlot, createTorchSlot } from '../src/workers/torch/slot.js';


/** The helpers' pattern images (seeded by `seed`), normalized by the training split's own statistics. */
function syntheticDataset(seed: number, trainN: number, testN: number): ImageDataset {
  const pixels = CHANNELS * RES * RES;
  const [train, test] = patternSplits(String(seed), [trainN, testN]);
  const mean: number[] = [];
  const std: number[] = [];
  for (let c = 0; c < CHANNELS; c++) {
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < trainN; i++) {
      for (let p = 0; p < RES * RES; p++) {
        const v = train.x[i * pixels + c * RES * RES + p] / 255;
        s += v;
        s2 += v * v;
      }
    }
    const m = s / (trainN * RES * RES);
    mean.push(m);
    std.push(Math.sqrt(s2 / (trainN * RES * RES) - m * m));
  }
  return { name: 'synthetic-test', num_classes: CLASSES, channels: CHANNELS, height: RES, width: RES, train, test, mean, std };
}

const SPEC = buildAnyNetSpec(
  { depths: [1, 1], widths: [8, 16], strides: [1, 2], params: { group_w: [4, 8], bot_mul: [1, 1], se_r: [0.25, 0.25] } },
  { stem: 'res_stem_cifar', stemW: 8, blockType: 'res_bottleneck_block', resolution: RES, numClasses: CLASSES, inputChannels: CHANNELS },
);

describe('torch training through the slot', () => {
  let dir: string;
  let dataset: DatasetRef;
  let slot: TorchSlot;
  let trialNo = 0;

  const recipe = (over: Partial<Recipe> = {}): Recipe => ({ ...DEFAULT_RECIPE, epochs: 3, batch_size: 32, base_lr: 0.2, warmup_epochs: 1, augment_pad: 1, label_smoothing: 0.1, seed: 7, ...over });
  const request = (over: Partial<Recipe> = {}, extra: Record<string, unknown> = {}): TrainRequest =>
    ({ trial_id: `t${++trialNo}`, spec: SPEC, dataset, recipe: recipe(over), device: 'cpu', ...extra }) as TrainRequest;
  const run = (req: TrainRequest, signal = new AbortController().signal, onEpoch: (m: EpochMetrics) => void = () => {}) => slot.train(req, onEpoch, signal);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dse-torch-test-'));
    const ds = syntheticDataset(1, 384, 128);
    const path = join(dir, 'synthetic.dsedata');
    writeTensorFile(path, ds);
    dataset = { name: ds.name, path, num_classes: CLASSES, channels: CHANNELS, resolution: RES, mean: ds.mean, std: ds.std };
    slot = await createTorchSlot({ name: 'torch:cpu#test', cudaDevice: null, threads: 1 });
  });
  after(async () => {
    await slot?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  let learned: Awaited<ReturnType<typeof run>>;

  test('a tiny spec learns the synthetic data; metrics follow the recipe', async () => {
    const seen: EpochMetrics[] = [];
    const req = request();
    learned = await run(req, undefined, (m) => seen.push(m));
    assert.equal(learned.status, 'done', learned.error ?? '');
    assert.equal(learned.trial_id, req.trial_id);
    assert.equal(learned.worker, 'torch:cpu#test');
    assert.equal(learned.device, 'cpu');
    assert.equal(learned.params_built, complexity(SPEC).params);
    assert.deepEqual(seen, learned.epochs, 'onEpoch saw every epoch as it finished');
    assert.deepEqual(learned.epochs.map((m) => m.epoch), [1, 2, 3]);
    learned.epochs.forEach((m, i) => assert.ok(Math.abs(m.lr - learningRate(req.recipe, i)) < 1e-12, `lr of epoch ${i + 1} is learningRate(recipe, ${i})`));
    const [first, , last] = learned.epochs;
    assert.ok(last.train_loss < first.train_loss, `train loss fell: ${first.train_loss} -> ${last.train_loss}`);
    assert.ok(last.test_err < 50, `test error ${last.test_err}% is far below chance (75%)`);
    assert.equal(learned.final_test_err, last.test_err);
    assert.equal(learned.best_test_err, Math.min(...learned.epochs.map((m) => m.test_err)));
    for (const m of learned.epochs) {
      assert.ok(m.train_err >= 0 && m.train_err <= 100 && m.test_err >= 0 && m.test_err <= 100, 'errors are percentages');
      assert.ok(m.images_per_sec > 0 && m.seconds > 0);
    }
    assert.ok(learned.peak_mem_bytes !== null && learned.peak_mem_bytes > 10_000_000, 'peak RSS of the trainer on CPU');
  });

  test('the same seed gives the same metrics again; another seed does not', async () => {
    const again = await run(request());
    const strip = (ms: EpochMetrics[]) => ms.map(({ seconds: _s, images_per_sec: _i, ...rest }) => rest);
    assert.deepEqual(strip(again.epochs), strip(learned.epochs));
    const other = await run(request({ seed: 8 }));
    assert.notDeepEqual(strip(other.epochs), strip(learned.epochs));
  });

  test('a diverging run (base_lr 1e6) fails with a non-finite loss message', async () => {
    const r = await run(request({ base_lr: 1e6, epochs: 2 }));
    assert.equal(r.status, 'failed');
    assert.match(r.error ?? '', /non-finite (train loss|parameters)/);
  });

  test('injected NaN loss and exception fail the trial; the process keeps serving', async () => {
    const nan = await run(request({}, { test_fault: 'nan' }));
    assert.equal(nan.status, 'failed');
    assert.match(nan.error ?? '', /non-finite train loss \(nan\) in epoch 2/);
    assert.equal(nan.epochs.length, 1, 'the epoch before the fault is kept');
    const raised = await run(request({ epochs: 1 }, { test_fault: 'raise' }));
    assert.equal(raised.status, 'failed');
    assert.match(raised.error ?? '', /RuntimeError: injected test fault[\s\S]*Traceback/);
  });

  test('a segfaulting process fails the trial with the stderr tail; the next trial respawns and works', async () => {
    const crashed = await run(request({}, { test_fault: 'crash' }));
    assert.equal(crashed.status, 'failed');
    assert.match(crashed.error ?? '', /process died during trial t\d+ \(killed by SIGSEGV\)/);
    assert.match(crashed.error ?? '', /Fatal Python error: Segmentation fault/, 'faulthandler output from stderr');
    assert.equal(crashed.epochs.length, 1);
    const next = await run(request({ epochs: 1 }));
    assert.equal(next.status, 'done', next.error ?? '');
  });

  test('a process that exits mid-trial fails the trial; the next one works', async () => {
    const exited = await run(request({ epochs: 1 }, { test_fault: 'exit' }));
    assert.equal(exited.status, 'failed');
    assert.match(exited.error ?? '', /exit code 3/);
    assert.match(exited.error ?? '', /injecting test fault: exit/);
    assert.equal((await run(request({ epochs: 1 }))).status, 'done');
  });

  test('abort returns interrupted promptly with the epochs so far; the slot works afterwards', async () => {
    const ac = new AbortController();
    const r = await run(request({ epochs: 2 }, { test_fault: 'hang' }), ac.signal, () => ac.abort());
    assert.equal(r.status, 'interrupted');
    assert.equal(r.epochs.length, 1);
    assert.equal(r.error, null);
    const pre = new AbortController();
    pre.abort();
    assert.equal((await run(request(), pre.signal)).status, 'interrupted', 'an already aborted signal starts nothing');
    assert.equal((await run(request({ epochs: 1 }))).status, 'done');
  });

  test('bad requests fail with a message that names the problem', async () => {
    const missing = await run({ ...request({ epochs: 1 }), dataset: { ...dataset, path: join(dir, 'nope.dsedata') } });
    assert.equal(missing.status, 'failed');
    assert.match(missing.error ?? '', /prepared dataset .*nope\.dsedata cannot be read: No such file/);
    const truncatedPath = join(dir, 'truncated.dsedata');
    copyFileSync(dataset.path, truncatedPath);
    truncateSync(truncatedPath, 2000);
    const truncated = await run({ ...request({ epochs: 1 }), dataset: { ...dataset, path: truncatedPath } });
    assert.match(truncated.error ?? '', /truncated\.dsedata is truncated \(2000 of \d+ bytes\)/);
    const wrongChannels = structuredClone(SPEC);
    wrongChannels.input.channels = 3;
    const mismatch = await run({ ...request({ epochs: 1 }), spec: wrongChannels });
    assert.match(mismatch.error ?? '', /spec input has 3 channels but dataset .* has 2/);
    const noGpu = await run({ ...request({ epochs: 1 }), device: 'cuda' });
    assert.match(noGpu.error ?? '', /device cuda requested but torch .* sees no CUDA device/);
    const unknownFault = await run(request({ epochs: 1 }, { test_fault: 'boom' }));
    assert.match(unknownFault.error ?? '', /unknown test fault 'boom'/);
  });

  test('DSE_TEST_FAULT=KIND@TRIAL_ID fails only that trial', async () => {
    const faulty = await createTorchSlot({ name: 'torch:cpu#fault', cudaDevice: null, threads: 1, env: { DSE_TEST_FAULT: 'nan@victim' } });
    try {
      const other = await faulty.train({ ...request({ epochs: 1 }), trial_id: 'bystander' }, () => {}, new AbortController().signal);
      assert.equal(other.status, 'done', other.error ?? '');
      const victim = await faulty.train({ ...request({ epochs: 1 }), trial_id: 'victim' }, () => {}, new AbortController().signal);
      assert.equal(victim.status, 'failed');
      assert.match(victim.error ?? '', /non-finite train loss/);
    } finally {
      await faulty.close();
    }
  });
});
