/**
 * GhostNet's building blocks (huawei-noah ghostnet_pytorch = timm ghostnet.py): the Ghost module, a
 * primary conv making ceil(w/s) "intrinsic" channels and a cheap dxd depthwise conv making s-1 ghosts
 * of each, concatenated and cut to w; GhostNetV2's version of it, gated by the DFC attention (timm
 * GhostModuleV2 'attn'); and the Ghost bottleneck built from two of them.
 */
import type { Builder, Tensor } from '../builder.js';
import { P } from '../params.js';
import { defineNode } from '../registry.js';
import { roundChannels } from '../rounding.js';
import { STRIDE, W_OUT, se } from './common.js';

const GHOST_PARAMS = {
  ratio: P.int({ default: 2, min: 2, max: 16, doc: 'ratio s: the primary conv makes ceil(w / s) channels, the cheap op the other (s - 1) per channel' }),
  dw_size: P.int({ default: 3, min: 1, doc: 'kernel d of the cheap depthwise conv' }),
};

/**
 * GhostNetV2's DFC attention on the module input: 2x2/2 average pool, 1x1 conv to cOut, BN, (1,5) and
 * (5,1) depthwise convs with BN, sigmoid, nearest upsample to the features' size.
 */
function dfcGate(g: Builder, x: Tensor, cOut: number, like: Tensor): Tensor {
  // (the reference cannot pool a 1-pixel map; here the gate is computed on it unpooled)
  let y = x.shape.h >= 2 && x.shape.w >= 2 ? g.avgPool('short_pool', x, 2, { stride: 2, pad: 0 }) : x;
  y = g.bn('short_conv.1', g.conv('short_conv.0', y, cOut, 1, { bias: false }));
  y = g.bn('short_conv.3', g.conv('short_conv.2', y, cOut, [1, 5], { groups: cOut, bias: false }));
  y = g.bn('short_conv.5', g.conv('short_conv.4', y, cOut, [5, 1], { groups: cOut, bias: false }));
  return g.upsampleTo('gate_upsample', g.act('gate_fn', y, 'sigmoid'), like);
}

/** The Ghost module: primary 1x1 conv, BN, [ReLU]; cheap dxd conv (groups = its input), BN, [ReLU]; concat; slice to cOut; [times the DFC gate]. */
function ghostModule(g: Builder, x: Tensor, cOut: number, ratio: number, dwSize: number, relu: boolean, dfc = false): Tensor {
  const init = Math.ceil(cOut / ratio);
  const act = relu ? 'relu' : 'identity';
  const primary = g.act('primary_af', g.bn('primary_bn', g.conv('primary_conv', x, init, 1, { bias: false })), act);
  const cheap = g.act('cheap_af', g.bn('cheap_bn', g.conv('cheap_operation', primary, init * (ratio - 1), dwSize, { groups: init, bias: false })), act);
  const joined = g.concat('cat', primary, cheap);
  const y = joined.shape.c === cOut ? joined : g.slice('slice', joined, 0, cOut);
  return dfc ? g.mul('gated', y, dfcGate(g, x, cOut, y)) : y;
}

export const ghostBottleneck = defineNode({
  name: 'ghost_bottleneck',
  kind: 'block',
  family: 'ghostnet',
  doc: 'Ghost bottleneck: Ghost module to w_mid (ReLU; GhostNetV2: gated by DFC attention), [kxk depthwise (stride), BN], [SE], Ghost module to w_out, plus the identity or a shortcut of kxk depthwise (stride), BN, 1x1, BN',
  params: {
    w_out: W_OUT,
    w_mid: P.int({ min: 1, doc: 'expanded width (the first Ghost module\'s output)' }),
    stride: STRIDE,
    k: P.int({ default: 3, min: 1, doc: 'kernel of the depthwise convs (strided units and the shortcut)' }),
    se_r: P.float({ default: 0, min: 0, max: 1, doc: 'SE ratio on the expanded width; 0 for none' }),
    se_div: P.int({ default: 4, min: 1, doc: 'the squeeze width is make_divisible(w_mid * se_r, se_div)' }),
    dfc: P.bool({ default: false, doc: 'GhostNetV2: the first Ghost module gated by DFC attention' }),
    ...GHOST_PARAMS,
  },
  build(g, p, [x]) {
    let y = ghostModule(g.scope('ghost1'), x, p.w_mid, p.ratio, p.dw_size, true, p.dfc);
    if (p.stride > 1) y = g.bn('bn_dw', g.conv('conv_dw', y, p.w_mid, p.k, { stride: p.stride, groups: p.w_mid, bias: false }));
    if (p.se_r > 0) y = se(g.scope('se'), y, roundChannels(p.w_mid * p.se_r, 'tf', p.se_div), { act: 'relu', gate: 'hsigmoid' });
    y = ghostModule(g.scope('ghost2'), y, p.w_out, p.ratio, p.dw_size, false);
    const c = x.shape.c;
    if (c === p.w_out && p.stride === 1) return g.add('add', x, y);
    let s = g.bn('shortcut.1', g.conv('shortcut.0', x, c, p.k, { stride: p.stride, groups: c, bias: false }));
    s = g.bn('shortcut.3', g.conv('shortcut.2', s, p.w_out, 1, { bias: false }));
    return g.add('add', s, y);
  },
  examples: [
    { name: 'stride 2, k5, SE, projecting shortcut', params: { w_out: 20, w_mid: 36, stride: 2, k: 5, se_r: 0.25 }, inputs: [[12, 9, 9]] },
    { name: 'identity shortcut, odd width sliced', params: { w_out: 15, w_mid: 25 }, inputs: [[15, 5, 5]] },
    { name: 'ratio 3, cheap kernel 5', params: { w_out: 16, w_mid: 24, ratio: 3, dw_size: 5 }, inputs: [[8, 5, 5]] },
    { name: 'GhostNetV2: DFC attention on an odd map (3x3 gate upsampled to 7x7)', params: { w_out: 16, w_mid: 24, dfc: true, se_r: 0.25 }, inputs: [[16, 7, 7]] },
    { name: 'GhostNetV2: DFC attention, stride 2', params: { w_out: 16, w_mid: 24, stride: 2, dfc: true }, inputs: [[8, 8, 8]] },
  ],
});
