/**
 * The mobile families' building blocks: the inverted residual (MBConv: MobileNetV2/V3, MnasNet, FBNet,
 * EfficientNet, MixNet, HardCoReNAS), its fused variant (EfficientNetV2, EdgeTPU), the
 * depthwise-separable conv (MobileNetV1, PP-LCNet), FBNet's skip op, the stems, and the two heads
 * (a 1x1 conv before pooling; a 1x1 layer after pooling). Every width rule is a parameter, named after
 * the reference that uses it (src/space/rounding.ts), so each preset reproduces its reference exactly.
 */
import type { Builder, Tensor } from '../builder.js';
import { ACTIVATIONS, type Activation } from '../ops.js';
import { P, type ParamsOf } from '../params.js';
import { defineNode } from '../registry.js';
import { ROUNDINGS, type Rounding, roundChannels } from '../rounding.js';
import { ACT, STRIDE, W_OUT, se } from './common.js';

const KERNELS = P.ints({ default: [3], min: 1, minLength: 1, maxLength: 8, scalarOk: true, doc: 'depthwise kernel size, or several (MixConv: the channels split across them, the first group taking the remainder)' });
const ROUNDING = (fallback: Rounding, doc: string) => P.enum(ROUNDINGS, { default: fallback, doc });

const SE_PARAMS = {
  se_r: P.float({ default: 0, min: 0, max: 1, doc: 'squeeze-and-excitation ratio; 0 for none' }),
  se_base: P.enum(['in', 'mid', 'mid_exp'], { default: 'in', doc: 'the squeeze width is se_r times the block input (EfficientNet), the expanded width (MobileNetV3), or the expanded width over exp_r (timm se_from_exp=False)' }),
  se_round: ROUNDING('round', 'rounding of the squeeze width'),
  se_div: P.int({ default: 8, min: 1, doc: 'divisor of se_round tf, tf95, mv and mv_int' }),
  se_act: P.enum(['block', ...ACTIVATIONS], { default: 'block', doc: 'activation between the two SE convs (block: the block\'s own)' }),
  se_gate: P.enum(['sigmoid', 'hsigmoid'], { default: 'sigmoid', doc: 'SE gate: sigmoid, or hard sigmoid relu6(x+3)/6 (MobileNetV3)' }),
};
type SeParams = ParamsOf<typeof SE_PARAMS> & { act: Activation };

/** The SE module of a block on `x`, or x itself when se_r is 0. */
function blockSe(g: Builder, x: Tensor, p: SeParams, wIn: number, wMid: number, expR: number): Tensor {
  if (!(p.se_r > 0)) return x;
  // timm computes mid * (se_r / exp_r): the same order of operations keeps the same float
  const raw = p.se_base === 'in' ? wIn * p.se_r : p.se_base === 'mid' ? wMid * p.se_r : wMid * (p.se_r / expR);
  const wSe = roundChannels(raw, p.se_round, p.se_div);
  return se(g.scope('se'), x, wSe, { act: p.se_act === 'block' ? p.act : p.se_act, gate: p.se_gate });
}

/** timm's MixedConv2d channel split: equal parts, the first taking the remainder. */
export function splitChannels(c: number, parts: number): number[] {
  const split = new Array<number>(parts).fill(Math.floor(c / parts));
  split[0] += c - split.reduce((a, b) => a + b, 0);
  return split;
}

/**
 * A depthwise conv with one kernel, or MixConv: the channels split across the kernels (timm's split),
 * a depthwise conv per part, concatenated.
 */
function depthwise(g: Builder, name: string, x: Tensor, kernels: number[], stride: number, bias: boolean, pad?: number): Tensor {
  const c = x.shape.c;
  if (kernels.length === 1) return g.conv(name, x, c, kernels[0], { stride, groups: c, bias, pad });
  let start = 0;
  const parts = splitChannels(c, kernels.length).map((n, i) => {
    const part = g.slice(`${name}.in${i}`, x, start, start + n);
    start += n;
    return g.conv(`${name}.${i}`, part, n, kernels[i], { stride, groups: n, bias });
  });
  return g.concat(`${name}.cat`, ...parts);
}

/**
 * A 1x1 conv in `groups` groups: one grouped conv when the channels divide, else timm's MixedConv2d
 * (each part's own 1x1 conv on its uneven share of the channels).
 */
function pointwise(g: Builder, name: string, x: Tensor, cOut: number, groups: number, bias: boolean): Tensor {
  const cIn = x.shape.c;
  if (groups === 1 || (cIn % groups === 0 && cOut % groups === 0)) return g.conv(name, x, cOut, 1, { groups, bias });
  const outs = splitChannels(cOut, groups);
  let start = 0;
  const parts = splitChannels(cIn, groups).map((n, i) => {
    const part = g.slice(`${name}.in${i}`, x, start, start + n);
    start += n;
    return g.conv(`${name}.${i}`, part, outs[i], 1, { bias });
  });
  return g.concat(`${name}.cat`, ...parts);
}

const EXPANSION = {
  exp_r: P.float({ default: 6, gt: 0, doc: 'expansion ratio: the expanded width is w_in * exp_r, rounded by mid_round' }),
  w_mid: P.int({ min: 1, optional: true, doc: 'the expanded width itself, when the reference lists it (MobileNetV3) or derives it otherwise; overrides exp_r' }),
  mid_round: ROUNDING('tf', 'rounding of the expanded width'),
  mid_div: P.int({ default: 8, min: 1, doc: 'divisor of mid_round tf, tf95 and mv' }),
};

function expandedWidth(p: { exp_r: number; w_mid?: number; mid_round: Rounding; mid_div: number }, wIn: number): number {
  return p.w_mid ?? roundChannels(wIn * p.exp_r, p.mid_round, p.mid_div);
}

/** Residual add when the block keeps the shape and allows it. */
function withSkip(g: Builder, x: Tensor, y: Tensor, stride: number, skip: boolean): Tensor {
  return skip && stride === 1 && x.shape.c === y.shape.c ? g.add('add', x, y) : y;
}

const SKIP = P.bool({ default: true, doc: 'residual add when the stride is 1 and the width does not change (false: never, timm noskip)' });
const BIAS = P.bool({ default: false, doc: 'biases on the block\'s convs (mobile-vision fbnet_a/b/c)' });

const MBCONV_PARAMS = {
  w_out: W_OUT,
  stride: STRIDE,
  k: KERNELS,
  ...EXPANSION,
  always_pw: P.bool({ default: false, doc: 'keep the expansion conv when the expanded width equals the input (timm builds it always)' }),
  pw_groups: P.int({ default: 1, min: 1, doc: 'groups of the expansion 1x1 conv (FBNet _g2, MixNet a1.1)' }),
  pw_shuffle: P.bool({ default: false, doc: 'channel shuffle in pw_groups groups after the expansion (FBNet)' }),
  pw_act: P.bool({ default: true, doc: 'activation after the expansion conv (IGCV3 has none)' }),
  pwl_groups: P.int({ default: 1, min: 1, doc: 'groups of the projection 1x1 conv' }),
  dw_pad: P.int({ min: 0, optional: true, doc: 'depthwise padding, when the reference overrides k // 2 (FBNetV3)' }),
  act: ACT('relu6', 'activation after the expansion and the depthwise conv'),
  ...SE_PARAMS,
  bias: BIAS,
  skip: SKIP,
};

export const mbconv = defineNode({
  name: 'mbconv',
  kind: 'block',
  family: 'mobile',
  doc: 'inverted residual (MBConv): [1x1 expand, BN, act] [shuffle] kxk depthwise (stride), BN, act, [SE], 1x1 project, BN, [+x]',
  params: MBCONV_PARAMS,
  check(p, [x]) {
    const mid = expandedWidth(p, x.c);
    if (p.pw_groups > 1 && (x.c % p.pw_groups || mid % p.pw_groups) && p.pw_shuffle) return { key: 'pw_groups', message: `a shuffled grouped expansion needs ${x.c} -> ${mid} channels divisible by ${p.pw_groups}` };
    if (mid < p.k.length) return { key: 'k', message: `${mid} expanded channels cannot split across ${p.k.length} kernels` };
    return null;
  },
  build(g, p, [x]) {
    const mid = expandedWidth(p, x.shape.c);
    let y = x;
    if (mid !== x.shape.c || p.always_pw) y = g.act('pw_af', g.bn('pw_bn', pointwise(g, 'pw', y, mid, p.pw_groups, p.bias)), p.pw_act ? p.act : 'identity');
    if (p.pw_shuffle) y = g.shuffle('shuffle', y, p.pw_groups);
    y = g.act('dw_af', g.bn('dw_bn', depthwise(g, 'dw', y, p.k, p.stride, p.bias, p.dw_pad)), p.act);
    y = blockSe(g, y, p, x.shape.c, mid, p.exp_r);
    y = g.bn('pwl_bn', pointwise(g, 'pwl', y, p.w_out, p.pwl_groups, p.bias), { final: true });
    return withSkip(g, x, y, p.stride, p.skip);
  },
  examples: [
    { name: 'MobileNetV2 block, residual', params: { w_out: 16, exp_r: 6, act: 'relu6' }, inputs: [[16, 8, 8]] },
    { name: 'MobileNetV3 block: k5 stride 2, listed w_mid, SE on the expanded width, hard sigmoid', params: { w_out: 24, stride: 2, k: 5, w_mid: 72, act: 'hswish', se_r: 0.25, se_base: 'mid', se_round: 'tf', se_act: 'relu', se_gate: 'hsigmoid' }, inputs: [[16, 9, 9]] },
    { name: 'EfficientNet block: SiLU, SE from the input', params: { w_out: 24, exp_r: 6, act: 'silu', se_r: 0.25, se_round: 'floor' }, inputs: [[24, 6, 6]] },
    { name: 'MixNet block: MixConv k3/5/7 (uneven split), 2-group pointwise', params: { w_out: 20, k: [3, 5, 7], exp_r: 3, pw_groups: 2, pwl_groups: 2, act: 'silu', se_r: 0.5, se_base: 'mid_exp' }, inputs: [[20, 7, 7]] },
    { name: 'FBNet block: grouped pointwise with shuffle, conv biases', params: { w_out: 16, exp_r: 3, mid_round: 'mv', mid_div: 1, pw_groups: 2, pw_shuffle: true, pwl_groups: 2, bias: true, act: 'relu' }, inputs: [[8, 8, 8]] },
    { name: 'IGCV3 block: 2-group pointwise convs, shuffle, no activation after the expansion', params: { w_out: 12, exp_r: 6, pw_groups: 2, pw_shuffle: true, pwl_groups: 2, pw_act: false }, inputs: [[12, 6, 6]] },
    { name: 'expansion 1 without and with the expansion conv', params: { w_out: 8, exp_r: 1, always_pw: true, act: 'relu' }, inputs: [[8, 6, 6]] },
  ],
});

export const fusedMbconv = defineNode({
  name: 'fused_mbconv',
  kind: 'block',
  family: 'mobile',
  doc: 'fused MBConv (EfficientNetV2, EdgeTPU): kxk conv (stride) to the expanded width, BN, act, [SE], 1x1 project, BN, [+x]; with exp_r 1, one kxk conv, BN, act',
  params: {
    w_out: W_OUT,
    stride: STRIDE,
    k: P.int({ default: 3, min: 1, doc: 'kernel of the fused conv' }),
    ...EXPANSION,
    act: ACT('silu', 'activation after the fused conv'),
    ...SE_PARAMS,
    skip: SKIP,
  },
  build(g, p, [x]) {
    const single = p.w_mid === undefined && p.exp_r === 1;
    let y: Tensor;
    if (single) {
      y = g.act('conv_af', g.bn('conv_bn', g.conv('conv', x, p.w_out, p.k, { stride: p.stride })), p.act);
      y = blockSe(g, y, p, x.shape.c, p.w_out, 1);
    } else {
      const mid = expandedWidth(p, x.shape.c);
      y = g.act('conv_af', g.bn('conv_bn', g.conv('conv', x, mid, p.k, { stride: p.stride })), p.act);
      y = blockSe(g, y, p, x.shape.c, mid, p.exp_r);
      y = g.bn('pwl_bn', g.conv('pwl', y, p.w_out, 1), { final: true });
    }
    return withSkip(g, x, y, p.stride, p.skip);
  },
  examples: [
    { name: 'expansion 4, stride 2', params: { w_out: 32, stride: 2, exp_r: 4 }, inputs: [[16, 8, 8]] },
    { name: 'expansion 1: one conv, residual', params: { w_out: 16, exp_r: 1 }, inputs: [[16, 8, 8]] },
    { name: 'listed expanded width, SE', params: { w_out: 24, w_mid: 96, act: 'relu', se_r: 0.25, se_base: 'mid', se_round: 'tf' }, inputs: [[32, 6, 6]] },
  ],
});

export const dsBlock = defineNode({
  name: 'ds_block',
  kind: 'block',
  family: 'mobile',
  doc: 'depthwise-separable conv: kxk depthwise (stride), BN, act, [SE], 1x1 pointwise, BN, [act], [+x]',
  params: {
    w_out: W_OUT,
    stride: STRIDE,
    k: KERNELS,
    act: ACT('relu6', 'activation after the depthwise conv (and the pointwise one when pw_act)'),
    pw_act: P.bool({ default: false, doc: 'activation after the pointwise conv (MobileNetV1, PP-LCNet)' }),
    ...SE_PARAMS,
    bias: BIAS,
    skip: SKIP,
  },
  build(g, p, [x]) {
    let y = g.act('dw_af', g.bn('dw_bn', depthwise(g, 'dw', x, p.k, p.stride, p.bias)), p.act);
    y = blockSe(g, y, p, x.shape.c, x.shape.c, 1);
    y = g.bn('pw_bn', g.conv('pw', y, p.w_out, 1, { bias: p.bias }), { final: !p.pw_act });
    if (p.pw_act) y = g.act('pw_af', y, p.act);
    return withSkip(g, x, y, p.stride, p.skip);
  },
  examples: [
    { name: 'MobileNetV1: stride 2, act after both convs, no skip', params: { w_out: 16, stride: 2, pw_act: true, skip: false }, inputs: [[8, 9, 9]] },
    { name: 'PP-LCNet: k5, hard-swish, SE c/4 with hard sigmoid', params: { w_out: 16, k: 5, act: 'hswish', pw_act: true, skip: false, se_r: 0.25, se_round: 'floor', se_act: 'relu', se_gate: 'hsigmoid' }, inputs: [[16, 6, 6]] },
    { name: 'EfficientNet stage 1: SE, residual', params: { w_out: 8, act: 'silu', se_r: 0.25 }, inputs: [[8, 6, 6]] },
  ],
});

export const skipBlock = defineNode({
  name: 'skip_block',
  kind: 'block',
  family: 'mobile',
  doc: 'FBNet\'s skip op: the identity, or a 1x1 conv (stride), BN, ReLU when the shape changes',
  params: { w_out: W_OUT, stride: STRIDE },
  build(g, p, [x]) {
    if (p.stride === 1 && p.w_out === x.shape.c) return x;
    return g.relu('af', g.bn('bn', g.conv('conv', x, p.w_out, 1, { stride: p.stride })));
  },
  examples: [
    { name: 'projecting skip', params: { w_out: 12, stride: 2 }, inputs: [[8, 8, 8]] },
    { name: 'identity', params: { w_out: 8 }, inputs: [[8, 4, 4]] },
  ],
});

export const convStem = defineNode({
  name: 'conv_stem',
  kind: 'stem',
  family: 'mobile',
  doc: 'kxk conv (stride), [BN], activation, [3x3 stride-2 max pool]: the mobile and channel-mixing families\' stem',
  params: {
    w_out: W_OUT,
    k: P.int({ default: 3, min: 1, doc: 'kernel size' }),
    stride: P.int({ default: 2, min: 1, doc: 'stride (1 for 32px inputs)' }),
    pad: P.int({ min: 0, optional: true, doc: 'padding, when not k // 2 (SqueezeNet 0, SqueezeNext 1)' }),
    act: ACT('relu', 'activation'),
    bias: P.bool({ default: false, doc: 'conv bias (mobile-vision\'s stems have one)' }),
    bn: P.bool({ default: true, doc: 'BN after the conv (SqueezeNet has none)' }),
    pool: P.enum(['none', 'max', 'max_ceil'], { default: 'none', doc: 'a 3x3 stride-2 max pool after: padded 1 (ShuffleNet), or unpadded in ceil mode (SqueezeNet, SqueezeNext)' }),
  },
  build(g, p, [x]) {
    const y = g.conv('conv', x, p.w_out, p.k, { stride: p.stride, bias: p.bias, pad: p.pad });
    const z = g.act('af', p.bn ? g.bn('bn', y) : y, p.act);
    if (p.pool === 'none') return z;
    return g.maxPool('pool', z, 3, p.pool === 'max' ? { stride: 2, pad: 1 } : { stride: 2, pad: 0, ceil: true });
  },
  examples: [
    { name: 'hard-swish stem with a biased conv', params: { w_out: 16, act: 'hswish', bias: true }, inputs: [[3, 16, 16]] },
    { name: 'ShuffleNet stem: max pool', params: { w_out: 8, pool: 'max' }, inputs: [[3, 17, 17]] },
    { name: 'SqueezeNet stem: 7x7 unpadded, bias, no BN, ceil-mode pool', params: { w_out: 8, k: 7, pad: 0, bias: true, bn: false, pool: 'max_ceil' }, inputs: [[3, 24, 24]] },
  ],
});

const HEAD_BASE = {
  num_classes: P.int({ min: 1, doc: 'number of classes' }),
  dropout: P.float({ default: 0, min: 0, max: 0.99, doc: 'dropout before the classifier' }),
  fc_bias: P.bool({ default: true, doc: 'classifier bias' }),
};

export const convHead = defineNode({
  name: 'conv_head',
  kind: 'head',
  family: 'mobile',
  doc: '[1x1 conv to head_w, BN, act], global average pool, dropout, FC (EfficientNet, MobileNetV2, MnasNet)',
  params: {
    ...HEAD_BASE,
    head_w: P.int({ default: 1280, min: 0, doc: 'width of the 1x1 conv before pooling; 0 for none (MobileNetV1)' }),
    act: ACT('relu6', 'activation after the head conv'),
    conv_bias: P.bool({ default: false, doc: 'bias on the head conv (mobile-vision fbnet_a/b/c)' }),
  },
  build(g, p, [x]) {
    let y = x;
    if (p.head_w > 0) y = g.act('af', g.bn('bn', g.conv('conv', y, p.head_w, 1, { bias: p.conv_bias })), p.act);
    return g.linear('fc', g.dropout('dropout', g.gap('avg_pool', y), p.dropout), p.num_classes, p.fc_bias);
  },
  examples: [
    { name: 'EfficientNet head', params: { num_classes: 5, head_w: 32, act: 'silu', dropout: 0.2 }, inputs: [[16, 4, 4]] },
    { name: 'pool and FC only', params: { num_classes: 5, head_w: 0 }, inputs: [[16, 4, 4]] },
    { name: 'megvii ShuffleNet head: FC without bias', params: { num_classes: 5, head_w: 24, act: 'relu', fc_bias: false }, inputs: [[16, 4, 4]] },
  ],
});

export const postGapHead = defineNode({
  name: 'post_gap_head',
  kind: 'head',
  family: 'mobile',
  doc: 'global average pool, FC to head_w (with or without bias), act, dropout, FC (MobileNetV3, PP-LCNet, GhostNet, FBNetV2/V3)',
  params: {
    ...HEAD_BASE,
    head_w: P.int({ default: 1280, min: 1, doc: 'width of the layer after pooling' }),
    act: ACT('hswish', 'activation after it'),
    bias: P.bool({ default: true, doc: 'bias of the layer after pooling (PaddleClas PP-LCNet: none)' }),
  },
  build(g, p, [x]) {
    const y = g.act('af', g.linear('hidden', g.gap('avg_pool', x), p.head_w, p.bias), p.act);
    return g.linear('fc', g.dropout('dropout', y, p.dropout), p.num_classes, p.fc_bias);
  },
  examples: [{ name: 'MobileNetV3 head', params: { num_classes: 5, head_w: 24, dropout: 0.2 }, inputs: [[16, 4, 4]] }],
});
