// The guards that keep the analytic counter and the two engines from drifting apart, on every
// example of every registered node type:
//   - the forward-hook counter on the built torch module equals the analytic flops, params and acts;
//   - the same weights, loaded by name into both engines, give the same eval-mode logits;
// and the mutation they exist for (the X block's stride moved from the 3x3 to the 1x1 conv, ReLU
// swapped for hard-swish: same parameter count) is caught.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { BuildMismatchError, buildTfjsModel } from '../src/models/tfjs/model.js';
import { type LoweredNetwork, complexity, lowerSpec, nodeTypes, regnetSpec } from '../src/space/index.js';
import { initBackend } from '../src/workers/tfjs/backend.js';
import { type TorchSlot, createTorchSlot } from '../src/workers/torch/slot.js';
import { exampleSpec } from './helpers/examples.js';
import { agrees, hookCount, parity } from './helpers/parity.js';

let slot: TorchSlot;
before(async () => {
  await initBackend('cpu');
  slot = await createTorchSlot({ name: 'torch:guards', cudaDevice: null, threads: 1 });
});
after(async () => {
  await slot?.close();
});

describe('every node type: hook counter = analytic count, and torch logits = tfjs logits', () => {
  for (const t of nodeTypes()) {
    for (const ex of t.examples) {
      test(`${t.name}: ${ex.name}`, async () => {
        const spec = exampleSpec(t, ex);
        const cx = complexity(spec);
        const built = await hookCount(slot, spec);
        assert.deepEqual(built.count, cx, 'forward-hook counts');
        assert.equal(built.params, cx.params, 'built parameters');
        const p = await parity(slot, spec);
        assert.ok(agrees(p), `logits differ by ${p.maxDiff} (scale ${p.scale})`);
      });
    }
  }
});

// A small RegNetY (pycls's X block with SE), as the mutation experiment uses.
const NET = { stem: 'res_stem_cifar', stemW: 16, blockType: 'res_bottleneck_block', resolution: 32, numClasses: 10, stride: 2, firstStride: 2 };
const REGNET = regnetSpec({ depth: 4, w0: 24, wa: 16, wm: 2.5, group_w: 8, se_r: 0.25 }, NET);

/** The mutation: in every X block, the stride moves from the 3x3 (f.b) to the 1x1 (f.a); every ReLU becomes hard-swish. */
function mutated(network: LoweredNetwork): LoweredNetwork {
  const ops = structuredClone(network.ops);
  for (const op of ops) {
    if (op.op === 'conv2d' && op.id.endsWith('.f.b')) {
      const a = ops.find((o) => o.id === op.id.replace(/\.f\.b$/, '.f.a'))!;
      a.attrs.stride = op.attrs.stride;
      op.attrs.stride = [1, 1];
    }
    if (op.op === 'act' && op.attrs.fn === 'relu') op.attrs.fn = 'hswish';
  }
  return { ...network, ops };
}

describe('the mutation experiment', () => {
  test('it keeps the parameter count, so a parameter check alone would pass it', async () => {
    const built = await hookCount(slot, REGNET, mutated(lowerSpec(REGNET)));
    assert.equal(built.params, complexity(REGNET).params);
  });

  test('the forward-hook counter catches the moved stride (the flops differ)', async () => {
    const cx = complexity(REGNET);
    const built = await hookCount(slot, REGNET, mutated(lowerSpec(REGNET)));
    assert.notEqual(built.count.flops, cx.flops);
    assert.ok(built.count.flops < cx.flops, `the 3x3 conv now runs at the strided resolution: ${built.count.flops} vs ${cx.flops}`);
  });

  test('the cross-engine logits catch the swapped activation even where the flops agree', async () => {
    const only = lowerSpec(REGNET);
    const swapped = { ...only, ops: only.ops.map((o) => (o.op === 'act' && o.attrs.fn === 'relu' ? { ...o, attrs: { fn: 'hswish' } } : o)) };
    const built = await hookCount(slot, REGNET, swapped);
    assert.deepEqual(built.count, complexity(REGNET), 'the activation is free: the counts cannot see it');
    const p = await parity(slot, REGNET, { torchNetwork: swapped });
    assert.ok(!agrees(p), `the engines must disagree, got max diff ${p.maxDiff}`);
    assert.ok(agrees(await parity(slot, REGNET)), 'and agree without the mutation');
  });

  test('a trial whose engine builds other than was counted fails with both numbers, in both engines', async () => {
    const network = lowerSpec(REGNET);
    const wrong = { ...network, cost: { ...network.cost, params: network.cost.params + 1 } };
    assert.throws(() => buildTfjsModel(REGNET, 0, { network: wrong }), (e: Error) => e instanceof BuildMismatchError && e.message === `the tfjs engine built ${network.cost.params} parameters but the spec counts ${network.cost.params + 1}`);
    const result = await slot.trainNetwork(
      {
        trial_id: 'mutant',
        spec: REGNET,
        dataset: { name: 'none', path: '/nonexistent', num_classes: 10, channels: 3, resolution: 32, mean: [0, 0, 0], std: [1, 1, 1] },
        recipe: { epochs: 1, batch_size: 8, base_lr: 0.1, momentum: 0.9, nesterov: true, weight_decay: 0, bn_weight_decay: true, warmup_epochs: 0, warmup_factor: 0.1, label_smoothing: 0, augment_pad: 0, augment_flip: false, seed: 0, precise_bn: 0 },
        device: 'cpu',
      },
      mutated(network),
    );
    assert.equal(result.status, 'failed');
    assert.match(result.error!, new RegExp(`the torch engine built a network with \\d+ flops but the spec counts ${network.cost.flops}`));
    assert.match(result.error!, new RegExp(`params ${network.cost.params} vs ${network.cost.params}`));
  });
});
