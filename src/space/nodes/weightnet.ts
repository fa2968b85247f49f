/**
 * WeightNet (megvii-model/WeightNet @669b5f4, weightnet.py and shufflenet_v2.py): convs whose kernels
 * a small generator makes per sample from the unit's pooled input (global pool, 1x1 reduce, then per
 * conv a 1x1 FC, sigmoid and a grouped FC to the kernel), in megvii's ShuffleNetV2 unit.
 */
import type { Builder, Tensor } from '../builder.js';
import { P } from '../params.js';
import { defineNode } from '../registry.js';
import { STRIDE, W_OUT } from './common.js';
import { keepsShape, megviiV2WidthProblem } from './shufflenet.js';

/** WeightNet(inp, oup, 1): fc1 (bias) to M*oup, sigmoid, fc2 (M*oup -> oup*inp, G*oup groups), the per-sample 1x1 conv. */
function weightNet(g: Builder, name: string, x: Tensor, gap: Tensor, cOut: number, m: number, groups: number): Tensor {
  const s = g.scope(name);
  const hidden = s.act('sigmoid', s.conv('wn_fc1', gap, m * cOut, 1, { bias: true }), 'sigmoid');
  const kernel = s.conv('wn_fc2', hidden, cOut * x.shape.c, 1, { groups: groups * cOut, bias: false });
  return s.dynamicConv('conv', x, kernel, cOut, 1);
}

/** WeightNet_DW(inp, k, stride): fc1 (bias) to M/G*inp, sigmoid, fc2 (inp groups) to inp*k*k, the per-sample depthwise conv. */
function weightNetDw(g: Builder, name: string, x: Tensor, gap: Tensor, k: number, stride: number, m: number, groups: number): Tensor {
  const s = g.scope(name);
  const c = x.shape.c;
  const hidden = s.act('sigmoid', s.conv('wn_fc1', gap, (m / groups) * c, 1, { bias: true }), 'sigmoid');
  const kernel = s.conv('wn_fc2', hidden, c * k * k, 1, { groups: c, bias: false });
  return s.dynamicConv('conv', x, kernel, c, k, { stride, groups: c });
}

export const weightnetShuffleUnit = defineNode({
  name: 'weightnet_shufflenet_v2_unit',
  kind: 'block',
  family: 'weightnet',
  doc: 'megvii\'s ShuffleNetV2 unit with WeightNet convs: the branch input pooled and reduced by a biased 1x1 to max(16, w/16); every 1x1 and depthwise conv a per-sample conv whose kernel that vector generates; split, branches and concat as megvii\'s shufflenet_v2_unit',
  params: {
    w_out: W_OUT,
    stride: STRIDE,
    w_mid: P.int({ min: 1, optional: true, doc: 'width inside the main branch; default w_out // 2' }),
    m: P.int({ default: 2, min: 1, max: 8, doc: 'M: the generator\'s hidden width is M times the conv\'s output width' }),
    g: P.int({ default: 2, min: 1, max: 8, doc: 'G: groups of the generator\'s second FC, per output channel' }),
  },
  check(p, [x]) {
    const widths = megviiV2WidthProblem(p, x.c);
    if (widths) return widths;
    if (p.m % p.g) return { key: 'm', message: `M ${p.m} must be a multiple of G ${p.g}` };
    return null;
  },
  build(g, p, [x]) {
    const c = x.shape.c;
    const keeps = keepsShape(p, c);
    const mid = p.w_mid ?? Math.floor(p.w_out / 2);
    // megvii's channel_shuffle: the even channels pass, the odd ones are the branch's input
    const split = keeps ? g.shuffle('split', x, c / 2) : x;
    const proj = keeps ? g.slice('x_proj', split, 0, c / 2) : x;
    const branchIn = keeps ? g.slice('x', split, c / 2, c) : x;
    const inp = branchIn.shape.c;
    const gap = g.conv('reduce', g.gap('gap', branchIn), Math.max(16, Math.floor(inp / 16)), 1, { bias: true });
    let y = g.relu('relu1', g.bn('bn1', weightNet(g, 'wnet1', branchIn, gap, mid, p.m, p.g)));
    y = g.bn('bn2', weightNetDw(g, 'wnet2', y, gap, 3, p.stride, p.m, p.g));
    y = g.relu('relu3', g.bn('bn3', weightNet(g, 'wnet3', y, gap, p.w_out - inp, p.m, p.g)));
    if (keeps) return g.concat('cat', proj, y);
    let q = g.bn('bn_proj_1', weightNetDw(g, 'wnet_proj_1', x, gap, 3, p.stride, p.m, p.g));
    q = g.relu('relu_proj_2', g.bn('bn_proj_2', weightNet(g, 'wnet_proj_2', q, gap, inp, p.m, p.g)));
    return g.concat('cat', q, y);
  },
  examples: [
    { name: 'stride 2: both branches generated', params: { w_out: 16, stride: 2 }, inputs: [[6, 8, 8]] },
    { name: 'stride 1: the odd channels through generated convs', params: { w_out: 12 }, inputs: [[12, 5, 5]] },
  ],
});
