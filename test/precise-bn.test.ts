// Precise BN statistics (recipe.precise_bn): the torch pass sets each BN's running statistics to the
// exact mean and unbiased variance of its inputs over the pass's images (checked against the inputs
// captured and concatenated), tfjs recomputes the same statistics from the same weights and images,
// eval logits change, and training itself is untouched.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { buildTfjsModel, loadTorchWeights, torchWeights } from '../src/models/tfjs/model.js';
import { Rng } from '../src/sampler/rng.js';
import { lowerSpec } from '../src/space/index.js';
import { packageRoot } from '../src/util/paths.js';
import { DEFAULT_RECIPE, type EpochMetrics, type TrainRequest } from '../src/workers/engine.js';
import { initBackend } from '../src/workers/tfjs/backend.js';
import { trainTrial } from '../src/workers/tfjs/train.js';
import { findTorchPython } from '../src/workers/torch/python.js';
import { createTorchSlot, type TorchSlot } from '../src/workers/torch/slot.js';
import { decode, encode, readWeights } from './helpers/parity.js';
import { SPEC, withDataset } from './helpers/torchData.js';

const DIRECT_CHECK = String.raw`
import json, torch, torch.nn as nn
from dse_torch.precise_bn import recompute_bn_stats
torch.manual_seed(0)
model = nn.Sequential(nn.Conv2d(2, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.Conv2d(4, 3, 3, padding=1), nn.BatchNorm2d(3), nn.Flatten(), nn.Linear(3 * 36, 2))
images = torch.randn(48, 2, 6, 6) * 2 + 1
batches = [images[i:i + 16] for i in range(0, 48, 16)]
model.eval()
with torch.no_grad():
    before = model(images)
bns = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
seen = {bn: [] for bn in bns}
hooks = [bn.register_forward_pre_hook(lambda m, i: seen[m].append(i[0].detach().clone())) for bn in bns]
model.train()
with torch.no_grad():
    for b in batches:
        model(b)
for h in hooks:
    h.remove()
recompute_bn_stats(model, batches)
out = {"mean": 0.0, "var": 0.0, "batch_var_gap": 0.0}
for bn in bns:
    x = torch.cat(seen[bn]).double()
    out["mean"] = max(out["mean"], (bn.running_mean.double() - x.mean((0, 2, 3))).abs().max().item())
    out["var"] = max(out["var"], ((bn.running_var.double() - x.var((0, 2, 3), unbiased=True)) / x.var((0, 2, 3))).abs().max().item())
    per_batch = torch.stack([s.double().var((0, 2, 3), unbiased=True) for s in seen[bn]]).mean(0)
    out["batch_var_gap"] = max(out["batch_var_gap"], ((per_batch - x.var((0, 2, 3))) / x.var((0, 2, 3))).abs().max().item())
model.eval()
with torch.no_grad():
    out["logit_change"] = (model(images) - before).abs().max().item()
print(json.dumps(out))
`;

test('torch: the recomputed running statistics are the exact statistics of the BN inputs over the pass', async () => {
  const { python } = await findTorchPython();
  const r = spawnSync(python, ['-c', DIRECT_CHECK], { env: { ...process.env, PYTHONPATH: join(packageRoot(), 'src', 'models', 'torch'), OMP_NUM_THREADS: '1' }, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { mean: number; var: number; batch_var_gap: number; logit_change: number };
  assert.ok(out.mean < 1e-6, `running_mean off by ${out.mean}`);
  assert.ok(out.var < 1e-5, `running_var off by ${out.var} (relative)`);
  assert.ok(out.batch_var_gap > 1e-3, 'the pooled variance is not the mean of per-batch variances (the batches differ)');
  assert.ok(out.logit_change > 1e-3, 'eval logits change with the recomputed statistics');
});

describe('precise BN across the engines', () => {
  let slot: TorchSlot;
  let dir: string;
  before(async () => {
    await initBackend('cpu');
    slot = await createTorchSlot({ name: 'torch:cpu#precise', cudaDevice: null, threads: 1 });
    dir = mkdtempSync(join(tmpdir(), 'dse-precise-bn-'));
  });
  after(async () => {
    await slot?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('tfjs recomputes the statistics torch does from the same weights and images', async () => {
    const { channels: c, resolution: r } = SPEC.input;
    const rng = new Rng('precise-bn');
    const images = 24;
    const batchSize = 8;
    const pool = Float32Array.from({ length: images * c * r * r }, () => rng.uniform(-1, 2));
    const probe = pool.subarray(0, 4 * c * r * r);
    const network = lowerSpec(SPEC);
    const plainPath = join(dir, 'plain.bin');
    const precisePath = join(dir, 'precise.bin');
    const plain = await slot.forward(network, encode(probe, [4, c, r, r]), { seed: 5, randomizeBn: true, weightsPath: plainPath });
    const precise = await slot.forward(network, encode(probe, [4, c, r, r]), { seed: 5, randomizeBn: true, weightsPath: precisePath, preciseBn: { input: encode(pool, [images, c, r, r]), batchSize } });
    const torchAfter = readWeights(precisePath);

    const model = buildTfjsModel(SPEC, 0, { initialize: false });
    try {
      loadTorchWeights(model, readWeights(plainPath));
      const nhwc = (x: Float32Array, n: number) => tf.transpose(tf.tensor4d(x, [n, c, r, r]), [0, 2, 3, 1]) as tf.Tensor4D;
      const logits = () => tf.tidy(() => model.forward(nhwc(probe, 4), false).dataSync() as Float32Array);
      const before = logits();
      model.recomputeBnStats(() => {
        for (let b = 0; b < images / batchSize; b++) tf.tidy(() => model.forward(nhwc(pool.subarray(b * batchSize * c * r * r, (b + 1) * batchSize * c * r * r), batchSize), true));
      });
      const after = logits();
      const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
      assert.ok(maxDiff(before, decode(plain.logits).data) < 1e-4, 'the engines agree before the pass');
      assert.ok(maxDiff(after, before) > 1e-3, 'the pass changes the eval logits');
      assert.ok(maxDiff(after, decode(precise.logits).data) < 1e-3, 'the engines agree after the pass');
      const mine = torchWeights(model);
      const stats = model.buffers.map((b) => b.name);
      assert.ok(stats.length >= 4);
      for (const name of stats) {
        const want = torchAfter[name].data;
        const scale = Math.max(1, ...Array.from(want, Math.abs));
        assert.ok(maxDiff(mine[name].data, want) < 1e-4 * scale, `${name}: tfjs ${Array.from(mine[name].data).slice(0, 3)} vs torch ${Array.from(want).slice(0, 3)}`);
      }
    } finally {
      model.dispose();
    }
  });

  test('precise BN changes evaluation only: training metrics are the same with it off and on, in both engines', async () => {
    await withDataset(async (dataset) => {
      const strip = (ms: EpochMetrics[]) => ms.map((m) => [m.train_loss, m.train_err]);
      const request = (precise: number): TrainRequest => ({ trial_id: `p${precise}`, spec: SPEC, dataset, device: 'cpu', recipe: { ...DEFAULT_RECIPE, epochs: 2, batch_size: 32, augment_pad: 1, seed: 3, precise_bn: precise } });
      const torchOff = await slot.train(request(0), () => {}, new AbortController().signal);
      const torchOn = await slot.train(request(64), () => {}, new AbortController().signal);
      assert.equal(torchOn.status, 'done', torchOn.error ?? '');
      assert.deepEqual(strip(torchOn.epochs), strip(torchOff.epochs));
      const ctx = { device: 'cpu', worker: 'tfjs:cpu#test', onEpoch: () => {} };
      const tfjsOff = await trainTrial(request(0), ctx);
      const tfjsOn = await trainTrial(request(64), ctx);
      assert.equal(tfjsOn.status, 'done', tfjsOn.error ?? '');
      assert.deepEqual(strip(tfjsOn.epochs), strip(tfjsOff.epochs));
    });
  });
});
