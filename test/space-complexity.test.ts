/**
 * Every complexity formula (pycls counting), with the expected numbers worked out by hand in the
 * comments, then the three reference networks and the stage-wise fast path.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BLOCK_TYPES, blockCx, bottleneckGroups, bottleneckWidth, complexity, hasProjection, headCx, seWidth, stemCx } from '../src/space/blocks.js';
import { buildAnyNetSpec } from '../src/space/build.js';
import { conv2dCx, emptyCx, gap2dCx, linearCx, norm2dCx, parallelBranch, pool2dCx } from '../src/space/layers.js';
import { regnetSpec } from '../src/space/regnet.js';
import type { BlockSpec } from '../src/space/spec.js';
import { stagesComplexity } from '../src/space/stageCx.js';
import { Rng } from '../src/sampler/rng.js';

const IMAGENET = { stem: 'simple_stem_in' as const, stemW: 32, blockType: 'res_bottleneck_block', resolution: 224, numClasses: 1000 };

test('conv2d: k*k*w_in*w_out*h*w flops, output size floor((h-1)/stride)+1', () => {
  assert.deepEqual(conv2dCx(emptyCx(32), 3, 16, 3), { h: 32, w: 32, flops: 9 * 3 * 16 * 1024, params: 9 * 3 * 16, acts: 16 * 1024 });
  const strided = conv2dCx(emptyCx(32), 3, 16, 3, { stride: 2 });
  assert.equal(strided.h, 16);
  assert.equal(conv2dCx(emptyCx(7), 8, 8, 3, { stride: 2 }).h, 4); // floor(6/2)+1
  assert.equal(strided.flops, 9 * 3 * 16 * 256);
  assert.equal(strided.acts, 16 * 256);
  assert.throws(() => conv2dCx(emptyCx(8), 1, 1, 2), /odd/);
});

test('conv2d: groups divide flops and params (floor division), bias adds w_out per location and w_out params', () => {
  const grouped = conv2dCx(emptyCx(8), 16, 16, 3, { groups: 4 });
  assert.equal(grouped.flops, (9 * 16 * 16 * 64) / 4);
  assert.equal(grouped.params, (9 * 16 * 16) / 4);
  const odd = conv2dCx(emptyCx(1), 3, 5, 1, { groups: 2 });
  assert.equal(odd.params, Math.floor(15 / 2));
  const biased = conv2dCx(emptyCx(4), 8, 2, 1, { bias: true });
  assert.equal(biased.flops, 8 * 2 * 16 + 2 * 16);
  assert.equal(biased.params, 8 * 2 + 2);
});

test('batch norm adds 2*w params and nothing else; pools add acts only; global pooling is free', () => {
  const base = conv2dCx(emptyCx(16), 4, 4, 3);
  assert.deepEqual(norm2dCx(base, 4), { ...base, params: base.params + 8 });
  const pooled = pool2dCx(emptyCx(112), 64, 3, 2);
  assert.deepEqual(pooled, { h: 56, w: 56, flops: 0, params: 0, acts: 64 * 56 * 56 });
  assert.deepEqual(gap2dCx(base), { ...base, h: 1, w: 1 });
});

test('linear (fc): w_in*w_out (+w_out bias) flops and params, w_out acts', () => {
  assert.deepEqual(linearCx(emptyCx(1), 368, 1000, true), { h: 1, w: 1, flops: 369_000, params: 369_000, acts: 1000 });
  assert.deepEqual(linearCx(emptyCx(1), 10, 5), { h: 1, w: 1, flops: 50, params: 50, acts: 5 });
});

test('a parallel branch counts its costs but keeps the input resolution', () => {
  const out = parallelBranch(emptyCx(16), (c) => gap2dCx(conv2dCx(c, 2, 2, 1)));
  assert.equal(out.h, 16);
  assert.equal(out.flops, 2 * 2 * 256);
});

test('derived widths round half to even: bottleneck round(w*b), groups w_b/g, SE round(se_r*w_in)', () => {
  const block = (w_out: number, bot_mul: number, group_w = 1, w_in = w_out, se_r = 0): BlockSpec => ({ type: 'res_bottleneck_block', w_in, w_out, stride: 1, stage: 0, bot_mul, group_w, se_r });
  assert.equal(bottleneckWidth(block(20, 0.125)), 2); // 2.5 -> 2 (Math.round: 3)
  assert.equal(bottleneckWidth(block(28, 0.125)), 4); // 3.5 -> 4
  assert.equal(bottleneckGroups(block(64, 1, 16)), 4);
  assert.equal(seWidth(block(56, 1, 8, 24, 0.25)), 6);
  assert.equal(seWidth(block(56, 1, 8, 10, 0.25)), 2); // 2.5 -> 2
});

test('projection shortcut exactly when the width or the stride changes', () => {
  const b = (w_in: number, w_out: number, stride: number): BlockSpec => ({ type: 'res_basic_block', w_in, w_out, stride, stage: 0 });
  assert.equal(hasProjection(b(16, 16, 1)), false);
  assert.equal(hasProjection(b(16, 32, 1)), true);
  assert.equal(hasProjection(b(16, 16, 2)), true);
  // res_basic_block 16->32, stride 2 at 32px: proj 1x1 (131,072 flops, 512+64 params, 8,192 acts),
  // 3x3 s2 (1,179,648; 4,608+64; 8,192), 3x3 (2,359,296; 9,216+64; 8,192).
  assert.deepEqual(blockCx(emptyCx(32), b(16, 32, 2)), { h: 16, w: 16, flops: 3_670_016, params: 14_528, acts: 24_576 });
  // Same width, stride 1 at 16px: no projection, two 3x3 convs.
  assert.deepEqual(blockCx(emptyCx(16), b(32, 32, 1)), { h: 16, w: 16, flops: 4_718_592, params: 18_560, acts: 16_384 });
  // The vanilla block has no shortcut at all, even when the shape changes.
  const vanilla = blockCx(emptyCx(32), { ...b(16, 32, 2), type: 'vanilla_block' });
  assert.equal(vanilla.flops, 1_179_648 + 2_359_296);
});

test('SE: two biased 1x1 convs at 1x1 (w_b -> round(se_r*w_in) -> w_b)', () => {
  const base: BlockSpec = { type: 'res_bottleneck_block', w_in: 24, w_out: 56, stride: 2, stage: 1, bot_mul: 1, group_w: 8, se_r: 0 };
  const without = blockCx(emptyCx(56), base);
  const withSe = blockCx(emptyCx(56), { ...base, se_r: 0.25 });
  // w_se = round(24 * 0.25) = 6, w_b = 56: (56*6 + 6) + (6*56 + 56) flops and params, 6 + 56 acts.
  assert.equal(withSe.flops - without.flops, 734);
  assert.equal(withSe.params - without.params, 734);
  assert.equal(withSe.acts - without.acts, 62);
});

test('stems: simple_stem_in, res_stem_in (with its max-pool acts), res_stem_cifar', () => {
  assert.deepEqual(stemCx(emptyCx(224), 3, { type: 'simple_stem_in', w_out: 32 }), { h: 112, w: 112, flops: 10_838_016, params: 928, acts: 401_408 });
  assert.deepEqual(stemCx(emptyCx(224), 3, { type: 'res_stem_in', w_out: 64 }), { h: 56, w: 56, flops: 118_013_952, params: 9_536, acts: 1_003_520 });
  assert.deepEqual(stemCx(emptyCx(32), 3, { type: 'res_stem_cifar', w_out: 16 }), { h: 32, w: 32, flops: 442_368, params: 464, acts: 16_384 });
});

test('head: optional 1x1 conv + BN of head_w, global pooling, biased fc', () => {
  const at7 = { ...emptyCx(7) };
  assert.deepEqual(headCx(at7, 368, { num_classes: 1000, head_w: 0 }), { h: 1, w: 1, flops: 369_000, params: 369_000, acts: 1000 });
  // head_w 512: 1x1 conv 368->512 at 7x7 (9,232,384 flops, 188,416 + 1,024 params, 25,088 acts), then fc 512->1000.
  assert.deepEqual(headCx(at7, 368, { num_classes: 1000, head_w: 512 }), { h: 1, w: 1, flops: 9_232_384 + 513_000, params: 189_440 + 513_000, acts: 25_088 + 1000 });
});

test('reference networks match pycls exactly', () => {
  assert.deepEqual(complexity(regnetSpec({ depth: 13, w0: 24, wa: 36.44, wm: 2.49, group_w: 8 }, IMAGENET)), { flops: 199_040_872, params: 2_684_792, acts: 2_164_056 });
  assert.deepEqual(complexity(regnetSpec({ depth: 13, w0: 24, wa: 36.44, wm: 2.49, group_w: 8, se_r: 0.25 }, IMAGENET)), { flops: 199_519_076, params: 3_162_996, acts: 2_168_052 });
  const resnet56 = buildAnyNetSpec({ depths: [9, 9, 9], widths: [16, 32, 64], strides: [1, 2, 2] }, { stem: 'res_stem_cifar', stemW: 16, blockType: 'res_basic_block', resolution: 32, numClasses: 10 });
  assert.deepEqual(complexity(resnet56), { flops: 125_747_850, params: 855_770, acts: 544_778 });
});

test('stage-wise costing equals block-by-block costing on random networks of every block and stem type', () => {
  const rng = new Rng('stage-cx');
  const stems = ['simple_stem_in', 'res_stem_in', 'res_stem_cifar'] as const;
  for (let i = 0; i < 300; i++) {
    const blockType = Object.keys(BLOCK_TYPES)[rng.int(3)];
    const n = 1 + rng.int(5);
    const depths = Array.from({ length: n }, () => 1 + rng.int(6));
    const widths = Array.from({ length: n }, () => 8 * (1 + rng.int(40)));
    const strides = Array.from({ length: n }, () => 1 + rng.int(2));
    const params: Record<string, number[]> = {};
    if (blockType === 'res_bottleneck_block') {
      params.bot_mul = Array.from({ length: n }, () => [1, 0.5, 0.25][rng.int(3)]);
      params.group_w = params.bot_mul.map((b, s) => (widths[s] * b) / [1, 2][rng.int(2)]);
      params.se_r = Array.from({ length: n }, () => [0, 0.25][rng.int(2)]);
    }
    const net = { stem: stems[rng.int(3)], stemW: 8 * (1 + rng.int(8)), blockType, resolution: [28, 32, 64, 224][rng.int(4)], numClasses: 10, inputChannels: 1 + rng.int(3), headW: [0, 64][rng.int(2)] };
    const spec = buildAnyNetSpec({ depths, widths, strides, params }, net);
    const fast = stagesComplexity({ input: spec.input, stem: spec.stem, blockType, head: spec.head, depths, widths, strides, params });
    assert.deepEqual(fast, complexity(spec), `network ${i}`);
  }
});
