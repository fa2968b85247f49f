/**
 * pycls's AnyNet family (pycls/models/anynet.py and blocks.py), exactly: the three stems, the vanilla,
 * residual basic and residual bottleneck (X, and Y with SE) blocks, and AnyHead. Module names follow
 * pycls (stem.conv, s1.b1.f.a_bn, head.fc), so parameters line up with a pycls AnyNet state_dict.
 * `act` is pycls's MODEL.ACTIVATION_FUN (ReLU unless a space says otherwise).
 */
import { roundHalfEven } from '../../util/round.js';
import type { Builder, Tensor } from '../builder.js';
import type { Activation } from '../ops.js';
import { P } from '../params.js';
import { defineNode } from '../registry.js';
import { ACT, STRIDE, W_OUT, se } from './common.js';

const STEM_PARAMS = { w_out: W_OUT, act: ACT('relu') };

function stem(g: Builder, x: Tensor, wOut: number, k: number, stride: number, act: Activation, pool: boolean): Tensor {
  let y = g.act('af', g.bn('bn', g.conv('conv', x, wOut, k, { stride })), act);
  if (pool) y = g.maxPool('pool', y, 3, { stride: 2 });
  return y;
}

export const simpleStemIn = defineNode({
  name: 'simple_stem_in',
  kind: 'stem',
  family: 'anynet',
  doc: '3x3 conv, stride 2, BN, ReLU (ImageNet stem of RegNet/AnyNet)',
  params: STEM_PARAMS,
  build: (g, p, [x]) => stem(g, x, p.w_out, 3, 2, p.act, false),
  examples: [{ name: 'ImageNet stem', params: { w_out: 32 }, inputs: [[3, 32, 32]] }],
});

export const resStemIn = defineNode({
  name: 'res_stem_in',
  kind: 'stem',
  family: 'anynet',
  doc: '7x7 conv, stride 2, BN, ReLU, 3x3 max-pool stride 2 (ResNet ImageNet stem)',
  params: STEM_PARAMS,
  build: (g, p, [x]) => stem(g, x, p.w_out, 7, 2, p.act, true),
  examples: [{ name: 'ResNet stem', params: { w_out: 16 }, inputs: [[3, 32, 32]] }],
});

export const resStemCifar = defineNode({
  name: 'res_stem_cifar',
  kind: 'stem',
  family: 'anynet',
  doc: '3x3 conv, stride 1, BN, ReLU (CIFAR stem)',
  params: STEM_PARAMS,
  build: (g, p, [x]) => stem(g, x, p.w_out, 3, 1, p.act, false),
  examples: [{ name: 'CIFAR stem', params: { w_out: 16 }, inputs: [[3, 16, 16]] }],
});

/** 3x3 (stride), BN, act, 3x3, BN: the basic transform (the vanilla block adds a final act). */
function basicTransform(g: Builder, x: Tensor, wOut: number, stride: number, act: Activation, finalAct: boolean): Tensor {
  let y = g.act('a_af', g.bn('a_bn', g.conv('a', x, wOut, 3, { stride })), act);
  y = g.bn('b_bn', g.conv('b', y, wOut, 3), { final: !finalAct });
  return finalAct ? g.act('b_af', y, act) : y;
}

/** x + f(x), with a 1x1 conv + BN projection of x when the width or the resolution changes; then act. */
function residual(g: Builder, x: Tensor, wOut: number, stride: number, act: Activation, f: (g: Builder) => Tensor): Tensor {
  const projected = x.shape.c !== wOut || stride !== 1;
  const shortcut = projected ? g.bn('bn', g.conv('proj', x, wOut, 1, { stride })) : x;
  return g.act('af', g.add('add', shortcut, f(g.scope('f'))), act);
}

const BLOCK_BASE = { w_out: W_OUT, stride: STRIDE, act: ACT('relu') };

export const vanillaBlock = defineNode({
  name: 'vanilla_block',
  kind: 'block',
  family: 'anynet',
  doc: '3x3 conv (stride), BN, ReLU, 3x3 conv, BN, ReLU; no shortcut',
  params: BLOCK_BASE,
  build: (g, p, [x]) => basicTransform(g, x, p.w_out, p.stride, p.act, true),
  examples: [{ name: 'stride 2', params: { w_out: 16, stride: 2 }, inputs: [[8, 8, 8]] }],
});

export const resBasicBlock = defineNode({
  name: 'res_basic_block',
  kind: 'block',
  family: 'anynet',
  doc: 'residual basic block: 3x3 conv (stride), BN, ReLU, 3x3 conv, BN; add the shortcut; ReLU',
  params: BLOCK_BASE,
  build: (g, p, [x]) => residual(g, x, p.w_out, p.stride, p.act, (f) => basicTransform(f, x, p.w_out, p.stride, p.act, false)),
  examples: [
    { name: 'identity shortcut', params: { w_out: 8 }, inputs: [[8, 8, 8]] },
    { name: 'projection shortcut', params: { w_out: 12, stride: 2 }, inputs: [[8, 8, 8]] },
  ],
});

const BOTTLENECK_PARAMS = {
  w_out: W_OUT,
  stride: STRIDE,
  bot_mul: P.float({ default: 1, gt: 0, integerAbove: 1, doc: 'bottleneck multiplier b: the 3x3 conv has round(w_out*b) channels' }),
  group_w: P.int({ default: 1, min: 1, doc: 'group width g of the 3x3 conv: groups = bottleneck width / g' }),
  se_r: P.float({ default: 0, min: 0, max: 1, doc: 'SE ratio: squeeze width round(se_r*w_in); 0 disables SE' }),
  act: BLOCK_BASE.act,
};

/** Bottleneck width: round(w_out * bot_mul), half to even as pycls. */
export const bottleneckWidth = (p: { w_out: number; bot_mul: number }) => roundHalfEven(p.w_out * p.bot_mul);

export const resBottleneckBlock = defineNode({
  name: 'res_bottleneck_block',
  kind: 'block',
  family: 'anynet',
  doc: 'the X block (Y with SE): 1x1, 3x3 grouped conv with stride, optional SE, 1x1; residual add',
  params: BOTTLENECK_PARAMS,
  check(p) {
    const wB = bottleneckWidth(p);
    if (wB < 1) return { key: 'bot_mul', message: `bottleneck width round(${p.w_out} * ${p.bot_mul}) is 0; use a larger multiplier` };
    if (wB % p.group_w !== 0) return { key: 'group_w', message: `group width ${p.group_w} does not divide the bottleneck width ${wB} (= ${p.w_out} * ${p.bot_mul}); pick a divisor of ${wB}` };
    return null;
  },
  build(g, p, [x]) {
    const wB = bottleneckWidth(p);
    const wSe = roundHalfEven(x.shape.c * p.se_r);
    return residual(g, x, p.w_out, p.stride, p.act, (f) => {
      let y = f.act('a_af', f.bn('a_bn', f.conv('a', x, wB, 1)), p.act);
      y = f.act('b_af', f.bn('b_bn', f.conv('b', y, wB, 3, { stride: p.stride, groups: wB / p.group_w })), p.act);
      if (wSe) y = se(f.scope('se'), y, wSe, { act: p.act });
      return f.bn('c_bn', f.conv('c', y, p.w_out, 1), { final: true });
    });
  },
  examples: [
    { name: 'X block, projection, group width 8', params: { w_out: 32, stride: 2, group_w: 8 }, inputs: [[16, 8, 8]] },
    { name: 'Y block (SE 0.25), identity shortcut', params: { w_out: 16, group_w: 4, se_r: 0.25 }, inputs: [[16, 8, 8]] },
    { name: 'depthwise, bottleneck 0.25', params: { w_out: 20, stride: 2, bot_mul: 0.25, group_w: 1, se_r: 0.5 }, inputs: [[10, 8, 8]] },
  ],
});

export const anynetHead = defineNode({
  name: 'anynet_head',
  kind: 'head',
  family: 'anynet',
  doc: 'pycls AnyHead: optional 1x1 conv + BN + ReLU (head_w > 0), global average pool, FC with bias',
  params: {
    num_classes: P.int({ min: 1, doc: 'number of classes' }),
    head_w: P.int({ default: 0, min: 0, doc: 'width of a 1x1 conv + BN + act before pooling; 0 for none' }),
    act: ACT('relu'),
  },
  build(g, p, [x]) {
    let y = x;
    if (p.head_w > 0) y = g.act('af', g.bn('bn', g.conv('conv', y, p.head_w, 1)), p.act);
    return g.linear('fc', g.gap('avg_pool', y), p.num_classes);
  },
  examples: [
    { name: 'GAP and FC', params: { num_classes: 10 }, inputs: [[16, 4, 4]] },
    { name: 'head conv', params: { num_classes: 10, head_w: 24 }, inputs: [[16, 4, 4]] },
  ],
});
