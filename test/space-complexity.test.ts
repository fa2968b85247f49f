/**
 * Every complexity rule (pycls counting), with the expected numbers worked out by hand in the
 * comments: the primitive ops, then the AnyNet node types, the three reference networks and the
 * stage-wise fast path.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Builder,
  type Cost,
  OPS,
  type OpAttrs,
  type NetworkOptions,
  type OpName,
  type ParamValue,
  type Shape,
  buildAnyNetSpec,
  bottleneckWidth,
  complexity,
  headNode,
  nodeCost,
  nodeType,
  nodeTypeNames,
  outSize,
  regnetSpec,
  resolveParams,
  stageBlockProblem,
  stagesComplexity,
  stemNode,
} from '../src/space/index.js';
import { Rng } from '../src/sampler/rng.js';

const IMAGENET = { stem: 'simple_stem_in', stemW: 32, blockType: 'res_bottleneck_block', resolution: 224, numClasses: 1000 };
const sq = (c: number, r: number): Shape => ({ c, h: r, w: r });

/** One op's output shape and cost. */
function op<K extends OpName>(name: K, a: OpAttrs[K], ...inputs: Shape[]): Shape & Cost {
  const out = OPS[name].shape(a as never, inputs);
  const cost = { flops: 0, params: 0, acts: 0 };
  OPS[name].cost(a as never, inputs, out, cost);
  return { ...out, ...cost };
}

const conv = (cIn: number, cOut: number, k: number, o: Partial<OpAttrs['conv2d']> = {}): OpAttrs['conv2d'] => ({
  c_in: cIn, c_out: cOut, k: [k, k], stride: [1, 1], pad: [(k - 1) / 2, (k - 1) / 2], dilation: [1, 1], groups: 1, bias: false, ...o,
});

/** A node's cost on one input shape, its parameters resolved against the registry. */
function node(type: string, params: Record<string, ParamValue>, input: Shape): { shape: Shape; cost: Cost } {
  const t = nodeType(type)!;
  const { values, issues } = resolveParams(t.params, params);
  assert.deepEqual(issues, []);
  return nodeCost(t, values, [input]);
}

test('conv2d: k*k*w_in*w_out*h*w flops, output size floor((h-1)/stride)+1 for "same" padding', () => {
  assert.deepEqual(op('conv2d', conv(3, 16, 3), sq(3, 32)), { c: 16, h: 32, w: 32, flops: 9 * 3 * 16 * 1024, params: 9 * 3 * 16, acts: 16 * 1024 });
  const strided = op('conv2d', conv(3, 16, 3, { stride: [2, 2] }), sq(3, 32));
  assert.equal(strided.h, 16);
  assert.equal(op('conv2d', conv(8, 8, 3, { stride: [2, 2] }), sq(8, 7)).h, 4); // floor(6/2)+1
  assert.equal(strided.flops, 9 * 3 * 16 * 256);
  assert.equal(strided.acts, 16 * 256);
  assert.throws(() => Builder.counting().conv('x', Builder.counting().input(sq(1, 8)), 1, 2), /even kernel 2x2 needs explicit padding/);
});

test('conv2d: groups divide flops and params, bias adds w_out per location and w_out params', () => {
  const grouped = op('conv2d', conv(16, 16, 3, { groups: 4 }), sq(16, 8));
  assert.equal(grouped.flops, (9 * 16 * 16 * 64) / 4);
  assert.equal(grouped.params, (9 * 16 * 16) / 4);
  assert.throws(() => op('conv2d', conv(3, 5, 1, { groups: 2 }), sq(3, 1)), /do not split into 2 groups/);
  const biased = op('conv2d', conv(8, 2, 1, { bias: true }), sq(8, 4));
  assert.equal(biased.flops, 8 * 2 * 16 + 2 * 16);
  assert.equal(biased.params, 8 * 2 + 2);
});

test('conv2d: non-square kernels with per-axis stride and padding, explicit padding, dilation', () => {
  // 1x3, stride (1, 2), pad (0, 1) on 4x7x9: h = 7, w = floor((9 + 2 - 3) / 2) + 1 = 5.
  const a = op('conv2d', { ...conv(4, 6, 1), k: [1, 3], stride: [1, 2], pad: [0, 1], bias: true }, { c: 4, h: 7, w: 9 });
  assert.deepEqual(a, { c: 6, h: 7, w: 5, flops: 3 * 4 * 6 * 35 + 6 * 35, params: 3 * 4 * 6 + 6, acts: 6 * 35 });
  // SqueezeNet's 7x7 stride 2, pad 0 at 224: floor((224 - 7) / 2) + 1 = 109.
  assert.equal(op('conv2d', conv(3, 96, 7, { stride: [2, 2], pad: [0, 0] }), sq(3, 224)).h, 109);
  // Dilation 2 with "same" padding 2 keeps the size; MACs are those of the 3x3 taps.
  const d = op('conv2d', conv(8, 8, 3, { dilation: [2, 2], pad: [2, 2], groups: 8 }), sq(8, 9));
  assert.deepEqual(d, { c: 8, h: 9, w: 9, flops: 9 * 8 * 81, params: 72, acts: 8 * 81 });
  // A 2x2 stride-2 conv without padding (ParNet's down-sampling branch) halves the map.
  assert.equal(op('conv2d', { ...conv(3, 4, 1), k: [2, 2], stride: [2, 2], pad: [0, 0] }, sq(3, 8)).h, 4);
});

test('batch norm adds 2*w params; PReLU w params; activations, adds, multiplies, concat, slice, shuffle and dropout are free', () => {
  assert.deepEqual(op('bn', { c: 4, eps: 1e-5, momentum: 0.1, zero_init: false }, sq(4, 16)), { c: 4, h: 16, w: 16, flops: 0, params: 8, acts: 0 });
  assert.deepEqual(op('prelu', { c: 4 }, sq(4, 16)), { c: 4, h: 16, w: 16, flops: 0, params: 4, acts: 0 });
  const free = { flops: 0, params: 0, acts: 0 };
  assert.deepEqual(op('act', { fn: 'hswish' }, sq(4, 3)), { ...sq(4, 3), ...free });
  assert.deepEqual(op('add', {}, sq(4, 3), sq(4, 3), sq(4, 3)), { ...sq(4, 3), ...free });
  assert.deepEqual(op('mul', {}, sq(4, 3), sq(4, 1)), { ...sq(4, 3), ...free });
  assert.deepEqual(op('concat', {}, sq(4, 3), sq(2, 3)), { ...sq(6, 3), ...free });
  assert.deepEqual(op('slice', { start: 1, end: 3 }, sq(4, 3)), { ...sq(2, 3), ...free });
  assert.deepEqual(op('shuffle', { groups: 2 }, sq(4, 3)), { ...sq(4, 3), ...free });
  assert.deepEqual(op('dropout', { p: 0.2 }, sq(4, 1)), { ...sq(4, 1), ...free });
  assert.throws(() => op('concat', {}, sq(4, 3), sq(2, 4)), /one resolution/);
  assert.throws(() => op('add', {}, sq(4, 3), sq(2, 3)), /one shape/);
  assert.throws(() => op('shuffle', { groups: 3 }, sq(4, 3)), /do not split/);
});

test('pools add C*h*w acts only (any kernel, even ones, padding, ceil mode); global pooling is free', () => {
  const pool = (k: number, s: number, p: number, ceil = false) => ({ k: [k, k] as [number, number], stride: [s, s] as [number, number], pad: [p, p] as [number, number], ceil, count_include_pad: true });
  assert.deepEqual(op('maxpool', pool(3, 2, 1), sq(64, 112)), { c: 64, h: 56, w: 56, flops: 0, params: 0, acts: 64 * 56 * 56 });
  // SqueezeNet 1.0: 3x3 stride 2 ceil mode on 109 -> ceil(106 / 2) + 1 = 54 (floor mode: 54 too); on 54 -> 27; on 27 -> 13.
  assert.equal(op('maxpool', pool(3, 2, 0, true), sq(96, 109)).h, 54);
  assert.equal(op('maxpool', pool(3, 2, 0, true), sq(96, 54)).h, 27); // floor mode: 26
  assert.equal(op('maxpool', pool(3, 2, 0, false), sq(96, 54)).h, 26);
  // PyTorch drops a last window that would start in the right padding.
  assert.equal(outSize(5, 2, 2, 1, 1, true), 3);
  assert.deepEqual(op('avgpool', pool(2, 2, 0), sq(8, 7)), { c: 8, h: 3, w: 3, flops: 0, params: 0, acts: 72 });
  assert.deepEqual(op('gap', {}, sq(16, 7)), { c: 16, h: 1, w: 1, flops: 0, params: 0, acts: 0 });
});

test('linear (fc): w_in*w_out (+w_out bias) flops and params, w_out acts', () => {
  assert.deepEqual(op('linear', { c_in: 368, c_out: 1000, bias: true }, sq(368, 1)), { c: 1000, h: 1, w: 1, flops: 369_000, params: 369_000, acts: 1000 });
  assert.deepEqual(op('linear', { c_in: 10, c_out: 5, bias: false }, sq(10, 1)), { c: 5, h: 1, w: 1, flops: 50, params: 50, acts: 5 });
  assert.throws(() => op('linear', { c_in: 10, c_out: 5, bias: false }, sq(10, 2)), /pooled/);
});

test('derived widths round half to even: bottleneck round(w*b), SE round(se_r*w_in)', () => {
  assert.equal(bottleneckWidth({ w_out: 20, bot_mul: 0.125 }), 2); // 2.5 -> 2 (Math.round: 3)
  assert.equal(bottleneckWidth({ w_out: 28, bot_mul: 0.125 }), 4); // 3.5 -> 4
  // SE squeeze from w_in 10 at ratio 0.25: round(2.5) = 2, so (56*2 + 2) + (2*56 + 56) params.
  const without = node('res_bottleneck_block', { w_out: 56, group_w: 8 }, sq(10, 8));
  const withSe = node('res_bottleneck_block', { w_out: 56, group_w: 8, se_r: 0.25 }, sq(10, 8));
  assert.equal(withSe.cost.params - without.cost.params, 114 + 168);
});

test('projection shortcut exactly when the width or the stride changes', () => {
  // res_basic_block 16->32, stride 2 at 32px: proj 1x1 (131,072 flops, 512+64 params, 8,192 acts),
  // 3x3 s2 (1,179,648; 4,608+64; 8,192), 3x3 (2,359,296; 9,216+64; 8,192).
  assert.deepEqual(node('res_basic_block', { w_out: 32, stride: 2 }, sq(16, 32)), { shape: sq(32, 16), cost: { flops: 3_670_016, params: 14_528, acts: 24_576 } });
  // Same width, stride 1 at 16px: no projection, two 3x3 convs.
  assert.deepEqual(node('res_basic_block', { w_out: 32 }, sq(32, 16)), { shape: sq(32, 16), cost: { flops: 4_718_592, params: 18_560, acts: 16_384 } });
  // The projection alone appears when only the stride changes.
  const strideOnly = node('res_basic_block', { w_out: 16, stride: 2 }, sq(16, 32)).cost.params - node('res_basic_block', { w_out: 16 }, sq(16, 16)).cost.params;
  assert.equal(strideOnly, 16 * 16 + 32);
  // The vanilla block has no shortcut at all, even when the shape changes.
  assert.equal(node('vanilla_block', { w_out: 32, stride: 2 }, sq(16, 32)).cost.flops, 1_179_648 + 2_359_296);
});

test('SE: two biased 1x1 convs at 1x1 (w_b -> round(se_r*w_in) -> w_b)', () => {
  const without = node('res_bottleneck_block', { w_out: 56, stride: 2, group_w: 8 }, sq(24, 56));
  const withSe = node('res_bottleneck_block', { w_out: 56, stride: 2, group_w: 8, se_r: 0.25 }, sq(24, 56));
  // w_se = round(24 * 0.25) = 6, w_b = 56: (56*6 + 6) + (6*56 + 56) flops and params, 6 + 56 acts.
  assert.equal(withSe.cost.flops - without.cost.flops, 734);
  assert.equal(withSe.cost.params - without.cost.params, 734);
  assert.equal(withSe.cost.acts - without.cost.acts, 62);
});

test('stems: simple_stem_in, res_stem_in (with its max-pool acts), res_stem_cifar', () => {
  assert.deepEqual(node('simple_stem_in', { w_out: 32 }, sq(3, 224)), { shape: sq(32, 112), cost: { flops: 10_838_016, params: 928, acts: 401_408 } });
  assert.deepEqual(node('res_stem_in', { w_out: 64 }, sq(3, 224)), { shape: sq(64, 56), cost: { flops: 118_013_952, params: 9_536, acts: 1_003_520 } });
  assert.deepEqual(node('res_stem_cifar', { w_out: 16 }, sq(3, 32)), { shape: sq(16, 32), cost: { flops: 442_368, params: 464, acts: 16_384 } });
});

test('head: optional 1x1 conv + BN of head_w, global pooling, biased fc', () => {
  assert.deepEqual(node('anynet_head', { num_classes: 1000 }, sq(368, 7)).cost, { flops: 369_000, params: 369_000, acts: 1000 });
  // head_w 512: 1x1 conv 368->512 at 7x7 (9,232,384 flops, 188,416 + 1,024 params, 25,088 acts), then fc 512->1000.
  assert.deepEqual(node('anynet_head', { num_classes: 1000, head_w: 512 }, sq(368, 7)).cost, { flops: 9_232_384 + 513_000, params: 189_440 + 513_000, acts: 25_088 + 1000 });
});

test('reference networks match pycls exactly', () => {
  assert.deepEqual(complexity(regnetSpec({ depth: 13, w0: 24, wa: 36.44, wm: 2.49, group_w: 8 }, IMAGENET)), { flops: 199_040_872, params: 2_684_792, acts: 2_164_056 });
  assert.deepEqual(complexity(regnetSpec({ depth: 13, w0: 24, wa: 36.44, wm: 2.49, group_w: 8, se_r: 0.25 }, IMAGENET)), { flops: 199_519_076, params: 3_162_996, acts: 2_168_052 });
  const resnet56 = buildAnyNetSpec({ depths: [9, 9, 9], widths: [16, 32, 64], strides: [1, 2, 2] }, { stem: 'res_stem_cifar', stemW: 16, blockType: 'res_basic_block', resolution: 32, numClasses: 10 });
  assert.deepEqual(complexity(resnet56), { flops: 125_747_850, params: 855_770, acts: 544_778 });
});

test('stage-wise costing equals node-by-node costing on random networks of every block, stem and head type', () => {
  const rng = new Rng('stage-cx');
  const pick = <T>(xs: readonly T[]): T => xs[rng.int(xs.length)];
  const stems = nodeTypeNames('stem').filter((t) => 'w_out' in nodeType(t)!.params);
  const heads = nodeTypeNames('head');
  // the blocks a stage can stack (the others need their family's generator)
  const blocks = nodeTypeNames('block').filter((b) => stageBlockProblem(b) === null);
  const perStage = <T>(n: number, xs: readonly T[]) => Array.from({ length: n }, () => pick(xs));
  for (let i = 0; i < 400; i++) {
    const blockType = pick(blocks);
    const n = 1 + rng.int(5);
    const depths = Array.from({ length: n }, () => 1 + rng.int(6));
    const widths = Array.from({ length: n }, () => 8 * (1 + rng.int(40)));
    const strides = Array.from({ length: n }, () => 1 + rng.int(2));
    const params: Record<string, ParamValue[]> = {};
    if (blockType === 'res_bottleneck_block') {
      const botMul = perStage(n, [1, 0.5, 0.25]);
      params.bot_mul = botMul;
      params.group_w = botMul.map((b, s) => (widths[s] * b) / pick([1, 2]));
      params.se_r = perStage(n, [0, 0.25]);
    }
    if (blockType === 'mbconv' || blockType === 'fused_mbconv') {
      params.exp_r = perStage(n, [1, 3, 4, 6]);
      params.k = perStage(n, [3, 5]);
      params.se_r = perStage(n, [0, 0.25]);
    }
    if (blockType === 'ds_block') {
      params.k = perStage(n, [3, 5]);
      params.se_r = perStage(n, [0, 0.25]);
    }
    // ShuffleNetV1's grouped convs need widths the random ones do not divide into
    if (blockType === 'shufflenet_v1_unit') params.groups = perStage(n, [1]);
    // ShuffleNet's (and WeightNet's) concat units keep their input and add to it, so their stages widen (past the stem's <= 64)
    if (blockType.startsWith('shufflenet') || blockType.startsWith('weightnet')) widths.forEach((_, s) => (widths[s] = 64 * (s + 2)));
    const act = nodeType(blockType)!.params.act;
    if (act?.kind === 'enum' && rng.int(4) === 0) params.act = perStage(n, ['relu', 'silu', 'hswish'].filter((a) => act.values.includes(a)));
    const stem = pick(stems);
    const head = pick(heads);
    const net: NetworkOptions = {
      stem,
      stemW: 8 * (1 + rng.int(8)),
      stemParams: 'act' in nodeType(stem)!.params && rng.int(2) ? { act: pick(['relu', 'silu', 'hswish']) } : {},
      blockType,
      resolution: pick([28, 32, 64, 224]),
      numClasses: 10,
      inputChannels: 1 + rng.int(3),
      head,
      headW: !('head_w' in nodeType(head)!.params) ? undefined : head === 'conv_head' || head === 'anynet_head' ? pick([0, 64]) : pick([64, 1280]),
      headParams: 'dropout' in nodeType(head)!.params ? { dropout: 0.2 } : {},
    };
    const spec = buildAnyNetSpec({ depths, widths, strides, params }, net);
    const fast = stagesComplexity({ input: spec.input, stem: stemNode(net), blockType, head: headNode(net), depths, widths, strides, params });
    assert.deepEqual(fast, complexity(spec), `network ${i}: ${blockType}, ${stem}, ${head}`);
  }
});

test('ESPNet v1\'s ESP module: the counts of the reference\'s DilatedParllelResidualBlockB (sacmehta/ESPNet @afe71c3, hook-counted)', () => {
  assert.deepEqual(node('esp_unit', { w_out: 64 }, sq(64, 56)).cost, { params: 7_872, flops: 24_084_480, acts: 238_336 });
  assert.deepEqual(node('esp_unit', { w_out: 128 }, sq(128, 28)).cost, { params: 32_384, flops: 25_088_000, acts: 119_952 });
});
