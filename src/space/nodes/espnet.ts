/**
 * ESPNetv2's blocks (sacmehta/EdgeNets @2b232d3, nn_layers/eesp.py, espnet_utils.py): the EESP unit
 * (grouped 1x1 reduce, K depthwise dilated 3x3 branches fused hierarchically, grouped 1x1 expand,
 * PReLU), its strided down-sampler with input reinforcement (the network's input image pooled down to
 * the unit's resolution and added), the conv-BN-PReLU stem and the head. Every PReLU is per channel.
 */
import type { Builder, Tensor } from '../builder.js';
import { P } from '../params.js';
import { defineNode } from '../registry.js';
import { W_OUT } from './common.js';

const BRANCHES = P.int({ default: 4, min: 1, max: 8, doc: 'K: dilated branches, and the groups of the 1x1 convs' });
const R_LIM = P.int({ default: 13, min: 3, doc: 'receptive-field limit: branch i has kernel 3 + 2i (3 beyond r_lim), as a dilated 3x3' });

/** EESP's dilations: kernels 3 + 2i capped to 3 above r_lim, sorted, as dilation (k - 1) / 2. */
export function eespDilations(branches: number, rLim: number): number[] {
  const ks = Array.from({ length: branches }, (_, i) => (3 + 2 * i > rLim ? 3 : 3 + 2 * i)).sort((a, b) => a - b);
  return ks.map((k) => (k - 1) / 2);
}

function cbr(g: Builder, name: string, x: Tensor, cOut: number, k: number, o: { stride?: number; groups?: number } = {}): Tensor {
  return g.prelu(`${name}.act`, g.bn(`${name}.bn`, g.conv(`${name}.conv`, x, cOut, k, { ...o, bias: false })));
}

/**
 * EESP up to its expand conv: 1x1 (groups K) to n = w/K, BN, PReLU; K depthwise 3x3 (stride, dilation
 * d_i); out_i = dw_i + out_{i-1}; concat; BN, PReLU; 1x1 (groups K), BN.
 */
function eespBody(g: Builder, x: Tensor, wOut: number, stride: number, branches: number, rLim: number): Tensor {
  const n = wOut / branches;
  const p = cbr(g, 'proj_1x1', x, n, 1, { groups: branches });
  let prev: Tensor | null = null;
  const outs = eespDilations(branches, rLim).map((d, i) => {
    const dw = g.conv(`spp_dw.${i}`, p, n, 3, { stride, dilation: d, groups: n, bias: false });
    prev = prev ? g.add(`hff.${i}`, dw, prev) : dw;
    return prev;
  });
  const cat = g.prelu('br_after_cat.act', g.bn('br_after_cat.bn', g.concat('cat', ...outs)));
  return g.bn('conv_1x1_exp.bn', g.conv('conv_1x1_exp.conv', cat, wOut, 1, { groups: branches, bias: false }));
}

function eespCheck(wOut: number, wIn: number, branches: number) {
  if (wOut % branches || (wOut / branches) % branches || wIn % branches) return { key: 'w_out', message: `${wIn} -> ${wOut} channels do not split into ${branches} branches of ${branches} groups` };
  return null;
}

export const eesp = defineNode({
  name: 'eesp',
  kind: 'block',
  family: 'espnet',
  doc: 'ESPNetv2\'s EESP unit: grouped 1x1 reduce, K depthwise dilated 3x3 branches with hierarchical feature fusion, concat, BN, PReLU, grouped 1x1 expand, BN, + x, PReLU',
  params: { w_out: W_OUT, branches: BRANCHES, r_lim: R_LIM },
  check: (p, [x]) => (x.c !== p.w_out ? { key: 'w_out', message: `an EESP unit adds its input, so w_out must equal the input width ${x.c}` } : eespCheck(p.w_out, x.c, p.branches)),
  build: (g, p, [x]) => g.prelu('module_act', g.add('add', eespBody(g, x, p.w_out, 1, p.branches, p.r_lim), x)),
  examples: [
    { name: 'r_lim 7: dilations 1, 1, 2, 3', params: { w_out: 16, r_lim: 7 }, inputs: [[16, 9, 9]] },
    { name: 'r_lim 13: dilations 1..4', params: { w_out: 32 }, inputs: [[32, 9, 9]] },
  ],
});

export const eespDown = defineNode({
  name: 'eesp_downsampler',
  kind: 'block',
  family: 'espnet',
  arity: [1, 2],
  doc: 'ESPNetv2\'s down-sampler: concat(3x3/2 average pool of x, strided EESP to w_out - w_in); with a second input (the network\'s image): plus the image average-pooled 3x3/2 down to the same size, then conv 3x3 3->3, BN, PReLU, 1x1 to w_out, BN (input reinforcement); PReLU',
  params: { w_out: W_OUT, branches: BRANCHES, r_lim: R_LIM },
  check(p, [x]) {
    if (p.w_out <= x.c) return { key: 'w_out', message: `a down-sampler keeps its ${x.c} input channels in the pooled branch, so w_out must exceed them` };
    return eespCheck(p.w_out - x.c, x.c, p.branches);
  },
  build(g, p, [x, image]) {
    const avg = g.avgPool('avg', x, 3, { stride: 2, pad: 1 });
    let y = g.concat('cat', avg, eespBody(g.scope('eesp'), x, p.w_out - x.shape.c, 2, p.branches, p.r_lim));
    if (image) {
      // the reference pools the full image again in every down-sampler, each pool counted
      let img = image;
      for (let i = 0; img.shape.w > avg.shape.w; i++) img = g.avgPool(`reinf_pool.${i}`, img, 3, { stride: 2, pad: 1 });
      const r = g.bn('inp_reinf.1.bn', g.conv('inp_reinf.1.conv', cbr(g, 'inp_reinf.0', img, img.shape.c, 3), p.w_out, 1, { bias: false }));
      y = g.add('add_reinf', y, r);
    }
    return g.prelu('act', y);
  },
  examples: [
    { name: 'with input reinforcement from a 3-channel image two strides up', params: { w_out: 32, r_lim: 13 }, inputs: [[16, 8, 8], [3, 32, 32]] },
    { name: 'without reinforcement', params: { w_out: 32, r_lim: 7 }, inputs: [[16, 7, 7]] },
  ],
});

export const espnetStem = defineNode({
  name: 'cbr_stem',
  kind: 'stem',
  family: 'espnet',
  doc: 'ESPNet\'s CBR stem: kxk conv (stride), BN, PReLU',
  params: { w_out: W_OUT, k: P.int({ default: 3, min: 1, doc: 'kernel' }), stride: P.int({ default: 2, min: 1, doc: 'stride (1 for 32px inputs)' }) },
  build: (g, p, [x]) => cbr(g, 'level1', x, p.w_out, p.k, { stride: p.stride }),
  examples: [{ name: 'ESPNetv2 level1', params: { w_out: 8 }, inputs: [[3, 16, 16]] }],
});

export const espnetHead = defineNode({
  name: 'espnetv2_head',
  kind: 'head',
  family: 'espnet',
  doc: 'ESPNetv2 head: 3x3 depthwise CBR, 1x1 CBR (groups K) to head_w, global pool, dropout, FC (bias)',
  params: {
    num_classes: P.int({ min: 1, doc: 'number of classes' }),
    head_w: P.int({ default: 1024, min: 1, doc: 'width of the last 1x1 CBR' }),
    branches: BRANCHES,
    dropout: P.float({ default: 0.2, min: 0, max: 0.99, doc: 'dropout before the classifier' }),
  },
  check: (p, [x]) => (x.c % p.branches || p.head_w % p.branches ? { key: 'head_w', message: `${x.c} -> ${p.head_w} channels do not split into ${p.branches} groups` } : null),
  build(g, p, [x]) {
    let y = cbr(g, 'level5.3', x, x.shape.c, 3, { groups: x.shape.c });
    y = cbr(g, 'level5.4', y, p.head_w, 1, { groups: p.branches });
    return g.linear('classifier', g.dropout('dropout', g.gap('pool', y), p.dropout), p.num_classes, true);
  },
  examples: [{ name: 'ESPNetv2 head', params: { num_classes: 5, head_w: 16 }, inputs: [[8, 4, 4]] }],
});

export const espUnit = defineNode({
  name: 'esp_unit',
  kind: 'block',
  family: 'espnet',
  doc: 'ESPNet (v1)\'s ESP module (sacmehta/ESPNet @afe71c3 train/Model.py DilatedParllelResidualBlockB; DownSamplerB when strided): reduce to n = w/5 by a 1x1 conv (a 3x3 stride-2 conv when strided), full 3x3 convs with dilations 1 (to w - 4n), 2, 4, 8, 16 (to n), hierarchical sums, concat, [+ x], BN, PReLU',
  params: {
    w_out: W_OUT,
    stride: P.int({ default: 1, min: 1, max: 2, doc: '2: the down-sampler (3x3 stride-2 reduce, no residual)' }),
    add: P.bool({ default: true, doc: 'residual add when the shape is kept' }),
  },
  check: (p) => (Math.floor(p.w_out / 5) < 1 ? { key: 'w_out', message: 'an ESP module splits w_out five ways: make it at least 5' } : null),
  build(g, p, [x]) {
    const n = Math.floor(p.w_out / 5);
    const reduced = g.conv('c1', x, n, p.stride === 2 ? 3 : 1, { stride: p.stride, bias: false });
    const d1 = g.conv('d1', reduced, p.w_out - 4 * n, 3, { bias: false });
    let sum: Tensor | null = null;
    const pyramid = [2, 4, 8, 16].map((d) => {
      const y = g.conv(`d${d}`, reduced, n, 3, { dilation: d, bias: false });
      sum = sum ? g.add(`add_d${d}`, sum, y) : y;
      return sum;
    });
    let y = g.concat('cat', d1, ...pyramid);
    if (p.add && p.stride === 1 && x.shape.c === p.w_out) y = g.add('add', x, y);
    // the reference's BN eps is 1e-3
    return g.prelu('bn.act', g.bn('bn.bn', y, { eps: 1e-3 }));
  },
  examples: [
    { name: 'ESP module with its residual', params: { w_out: 20 }, inputs: [[20, 9, 9]] },
    { name: 'down-sampler', params: { w_out: 20, stride: 2 }, inputs: [[8, 9, 9]] },
  ],
});
