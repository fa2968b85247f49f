/**
 * Free-standing nodes: each primitive op as a node a spec can name (a conv, a pool, a concat joining
 * two branches, ...), and conv_bn_act, the conv + BN + activation every family uses. A node made of
 * one op gives that op the node's own id, so a spec node "head.fc" of type linear is module head.fc.
 */
import { ACTIVATIONS } from '../ops.js';
import { P } from '../params.js';
import { defineNode } from '../registry.js';
import { ACT, W_OUT } from './common.js';

const PAIR = { minLength: 2, maxLength: 2, scalarOk: true } as const;
const KERNEL = P.ints({ ...PAIR, min: 1, default: [3, 3], doc: 'kernel size: k, or [k_h, k_w]' });
const STRIDE2 = P.ints({ ...PAIR, min: 1, default: [1, 1], doc: 'stride: s, or [s_h, s_w]' });
const PAD = P.ints({ ...PAIR, min: 0, optional: true, doc: 'padding: p, or [p_h, p_w]; default "same", dilation*(k-1)/2 (odd kernels)' });
const DILATION = P.ints({ ...PAIR, min: 1, default: [1, 1], doc: 'dilation: d, or [d_h, d_w]' });
const GROUPS = P.int({ default: 1, min: 1, doc: 'groups (the input width for a depthwise conv)' });
const BIAS = P.bool({ default: false, doc: 'conv bias' });

const CONV_PARAMS = { w_out: W_OUT, k: KERNEL, stride: STRIDE2, pad: PAD, dilation: DILATION, groups: GROUPS, bias: BIAS };
type Pair = [number, number];
const pair = (v: number[]) => v as Pair;

export const convNode = defineNode({
  name: 'conv',
  kind: 'op',
  family: 'basic',
  doc: 'a convolution: any kernel, per-axis stride, padding, dilation, groups, bias',
  params: CONV_PARAMS,
  check: (p, [x]) => (x.c % p.groups || p.w_out % p.groups ? `${x.c} -> ${p.w_out} channels do not split into ${p.groups} groups` : null),
  build: (g, p, [x]) => g.conv('', x, p.w_out, pair(p.k), { stride: pair(p.stride), pad: p.pad && pair(p.pad), dilation: pair(p.dilation), groups: p.groups, bias: p.bias }),
  examples: [
    { name: '1x3 conv, stride (1, 2), bias', params: { w_out: 6, k: [1, 3], stride: [1, 2], bias: true }, inputs: [[4, 7, 7]] },
    { name: 'dilated depthwise 3x3', params: { w_out: 8, k: 3, dilation: 2, groups: 8 }, inputs: [[8, 9, 9]] },
    { name: 'even 2x2 kernel, pad 0, stride 2', params: { w_out: 4, k: 2, stride: 2, pad: 0 }, inputs: [[3, 8, 8]] },
  ],
});

export const convBnAct = defineNode({
  name: 'conv_bn_act',
  kind: 'op',
  family: 'basic',
  doc: 'conv (any kernel, stride, groups, bias), BN, activation: the stem and 1x1 layers of most families',
  params: { ...CONV_PARAMS, act: ACT('relu') },
  check: (p, [x]) => (x.c % p.groups || p.w_out % p.groups ? `${x.c} -> ${p.w_out} channels do not split into ${p.groups} groups` : null),
  build(g, p, [x]) {
    const y = g.conv('conv', x, p.w_out, pair(p.k), { stride: pair(p.stride), pad: p.pad && pair(p.pad), dilation: pair(p.dilation), groups: p.groups, bias: p.bias });
    return g.act('af', g.bn('bn', y), p.act);
  },
  examples: [{ name: '3x3 stride 2, hard-swish', params: { w_out: 8, stride: 2, act: 'hswish' }, inputs: [[3, 9, 9]] }],
});

export const bnNode = defineNode({
  name: 'bn',
  kind: 'op',
  family: 'basic',
  doc: 'batch normalization',
  params: {},
  build: (g, _p, [x]) => g.bn('', x),
  examples: [{ name: 'BN', params: {}, inputs: [[4, 3, 3]] }],
});

export const actNode = defineNode({
  name: 'act',
  kind: 'op',
  family: 'basic',
  doc: 'an activation',
  params: { fn: P.enum(ACTIVATIONS, { default: 'relu', doc: 'the function' }) },
  build: (g, p, [x]) => g.act('', x, p.fn),
  examples: [{ name: 'hard sigmoid', params: { fn: 'hsigmoid' }, inputs: [[4, 3, 3]] }],
});

export const preluNode = defineNode({
  name: 'prelu',
  kind: 'op',
  family: 'basic',
  doc: 'PReLU, one learned slope per channel',
  params: {},
  build: (g, _p, [x]) => g.prelu('', x),
  examples: [{ name: 'PReLU', params: {}, inputs: [[4, 3, 3]] }],
});

const POOL_PARAMS = {
  k: KERNEL,
  stride: P.ints({ ...PAIR, min: 1, optional: true, doc: 'stride: s, or [s_h, s_w]; default the kernel size' }),
  pad: P.ints({ ...PAIR, min: 0, default: [0, 0], doc: 'padding: p, or [p_h, p_w]' }),
  ceil: P.bool({ default: false, doc: 'ceil mode (PyTorch ceil_mode)' }),
};

export const maxPoolNode = defineNode({
  name: 'maxpool',
  kind: 'op',
  family: 'basic',
  doc: 'max pool (PyTorch MaxPool2d semantics: stride defaults to the kernel)',
  params: POOL_PARAMS,
  build: (g, p, [x]) => g.maxPool('', x, pair(p.k), { stride: pair(p.stride ?? p.k), pad: pair(p.pad), ceil: p.ceil }),
  examples: [
    { name: '3x3 stride 2, ceil mode', params: { k: 3, stride: 2, ceil: true }, inputs: [[4, 8, 8]] },
    { name: '2x2', params: { k: 2 }, inputs: [[4, 8, 8]] },
  ],
});

export const avgPoolNode = defineNode({
  name: 'avgpool',
  kind: 'op',
  family: 'basic',
  doc: 'average pool (PyTorch AvgPool2d semantics: stride defaults to the kernel)',
  params: { ...POOL_PARAMS, count_include_pad: P.bool({ default: true, doc: 'divide by the whole window, padding included' }) },
  build: (g, p, [x]) => g.avgPool('', x, pair(p.k), { stride: pair(p.stride ?? p.k), pad: pair(p.pad), ceil: p.ceil, countIncludePad: p.count_include_pad }),
  examples: [
    { name: '3x3 stride 2 pad 1', params: { k: 3, stride: 2, pad: 1 }, inputs: [[4, 7, 7]] },
    { name: '3x3 stride 2 pad 1, ceil, padding excluded', params: { k: 3, stride: 2, pad: 1, ceil: true, count_include_pad: false }, inputs: [[4, 8, 8]] },
  ],
});

export const gapNode = defineNode({
  name: 'gap',
  kind: 'op',
  family: 'basic',
  doc: 'global average pool to 1x1',
  params: {},
  build: (g, _p, [x]) => g.gap('', x),
  examples: [{ name: 'GAP', params: {}, inputs: [[4, 3, 3]] }],
});

export const linearNode = defineNode({
  name: 'linear',
  kind: 'op',
  family: 'basic',
  doc: 'fully connected layer on a pooled input',
  params: { w_out: W_OUT, bias: P.bool({ default: true, doc: 'bias' }) },
  build: (g, p, [x]) => g.linear('', x, p.w_out, p.bias),
  examples: [{ name: 'FC', params: { w_out: 5 }, inputs: [[4, 1, 1]] }],
});

export const addNode = defineNode({
  name: 'add',
  kind: 'op',
  family: 'basic',
  doc: 'elementwise sum of two or more inputs of one shape',
  params: {},
  arity: [2, Infinity],
  build: (g, _p, xs) => g.add('', ...xs),
  examples: [{ name: 'sum of two', params: {}, inputs: [[4, 3, 3], [4, 3, 3]] }],
});

export const mulNode = defineNode({
  name: 'mul',
  kind: 'op',
  family: 'basic',
  doc: 'x times a gate (c x 1 x 1, or x\'s shape)',
  params: {},
  arity: [2, 2],
  build: (g, _p, [x, gate]) => g.mul('', x, gate),
  examples: [{ name: 'gate', params: {}, inputs: [[4, 3, 3], [4, 1, 1]] }],
});

export const concatNode = defineNode({
  name: 'concat',
  kind: 'op',
  family: 'basic',
  doc: 'channel concatenation of inputs of one resolution',
  params: {},
  arity: [1, Infinity],
  build: (g, _p, xs) => g.concat('', ...xs),
  examples: [{ name: 'two branches', params: {}, inputs: [[4, 3, 3], [2, 3, 3]] }],
});

export const sliceNode = defineNode({
  name: 'slice',
  kind: 'op',
  family: 'basic',
  doc: 'channels [start, end) of the input',
  params: { start: P.int({ default: 0, min: 0, doc: 'first channel' }), end: P.int({ min: 1, doc: 'one past the last channel' }) },
  check: (p, [x]) => (p.start < p.end && p.end <= x.c ? null : `[${p.start}, ${p.end}) is not inside the ${x.c} input channels`),
  build: (g, p, [x]) => g.slice('', x, p.start, p.end),
  examples: [{ name: 'second half', params: { start: 2, end: 4 }, inputs: [[4, 3, 3]] }],
});

export const shuffleNode = defineNode({
  name: 'shuffle',
  kind: 'op',
  family: 'basic',
  doc: 'channel shuffle in g groups',
  params: { groups: P.int({ default: 2, min: 2, doc: 'groups' }) },
  check: (p, [x]) => (x.c % p.groups ? `${x.c} channels do not split into ${p.groups} groups` : null),
  build: (g, p, [x]) => g.shuffle('', x, p.groups),
  examples: [{ name: 'shuffle 3 groups', params: { groups: 3 }, inputs: [[6, 3, 3]] }],
});

export const dropoutNode = defineNode({
  name: 'dropout',
  kind: 'op',
  family: 'basic',
  doc: 'dropout (identity in eval mode)',
  params: { p: P.float({ default: 0.5, gt: 0, max: 0.99, doc: 'drop probability' }) },
  build: (g, p, [x]) => g.dropout('', x, p.p),
  examples: [{ name: 'p 0.2', params: { p: 0.2 }, inputs: [[4, 1, 1]] }],
});
