/**
 * ParNet's blocks (imankgoyal/NonDeepNetworks @777b286, simplenet_impl: RepVGGBlock with se_block, SE1,
 * MultiBatchNorm2d, Concat2d): the RepVGG block with the skip-squeeze-excitation gate, in its
 * training form (3x3+BN, 1x1+BN, identity BN) or its deploy form (one biased 3x3, as the repo's
 * fuse_repvgg_block folds it), and the fusion block that joins two streams.
 */
import type { Builder, Tensor } from '../builder.js';
import { P, type ParamsOf } from '../params.js';
import { defineNode } from '../registry.js';
import { ACT, W_OUT } from './common.js';

const BLOCK_PARAMS = {
  w_out: W_OUT,
  stride: P.int({ default: 1, min: 1, max: 2, doc: 'stride of the 3x3 conv (a strided block pools its 1x1 branch 2x2)' }),
  groups: P.int({ default: 1, min: 1, doc: 'groups of every conv of the block; more than one shuffles the output' }),
  act: ACT('relu', 'activation (the released configs build ReLU; the paper says SiLU)'),
  fused: P.bool({ default: false, doc: 'the deploy form: the 3x3 and 1x1 branches folded into one biased 3x3 (the identity BN and the gates stay)' }),
};
type BlockParams = ParamsOf<typeof BLOCK_PARAMS>;

/** The gate of SE1: global pool, 1x1 conv (groups, no bias) to the block's width, sigmoid, times 2 when the block has no identity. */
function sseGate(g: Builder, x: Tensor, cOut: number, groups: number, double: boolean): Tensor {
  const y = g.act('se.sigmoid', g.conv('se.conv', g.gap('se.pool', x), cOut, 1, { groups, bias: false }), 'sigmoid');
  return double ? g.scale('se.x2', y, 2) : y;
}

/** RepVGGBlock.forward with se_block: branches summed, gated, activated, shuffled. */
function repvggSse(g: Builder, x: Tensor, p: BlockParams): Tensor {
  const identity = x.shape.c === p.w_out && p.stride === 1;
  const o = { stride: p.stride, groups: p.groups };
  let y = p.fused
    ? g.conv('rbr_dense', x, p.w_out, 3, { ...o, bias: true })
    : g.bn('rbr_dense.bn', g.conv('rbr_dense.conv', x, p.w_out, 3, { ...o, bias: false }));
  if (!p.fused) {
    // ceil mode changes nothing on the even maps of the reference, and keeps odd ones the 3x3's size
    const pooled = p.stride === 2 ? g.avgPool('rbr_1x1.pool', x, 2, { stride: 2, pad: 0, ceil: true }) : x;
    y = g.add('add_1x1', y, g.bn('rbr_1x1.bn', g.conv('rbr_1x1.conv', pooled, p.w_out, 1, { groups: p.groups, bias: false })));
  }
  if (identity) {
    // the gate is computed from the identity branch's BN and multiplies only that branch
    const id = g.bn('rbr_identity', x);
    y = g.add('add_identity', y, g.mul('identity_gated', id, sseGate(g, id, p.w_out, p.groups, false)));
  } else {
    y = g.mul('gated', y, sseGate(g, x, p.w_out, p.groups, true));
  }
  return g.shuffle('shuffle', g.act('act', y, p.act), p.groups);
}

function blockCheck(p: BlockParams, c: number) {
  return c % p.groups || p.w_out % p.groups ? { key: 'groups', message: `${c} -> ${p.w_out} channels do not split into ${p.groups} groups` } : null;
}

export const parnetBlock = defineNode({
  name: 'parnet_block',
  kind: 'block',
  family: 'parnet',
  doc: 'ParNet\'s RepVGG-SSE block: BN(3x3 conv) + BN(1x1 conv, after a 2x2 average pool when strided) [+ BN(x) gated by sigmoid(1x1(GAP(BN(x))))]; without the identity, the sum is gated by 2 sigmoid(1x1(GAP(x))); act; shuffle when grouped',
  params: BLOCK_PARAMS,
  check: (p, [x]) => blockCheck(p, x.c),
  build: (g, p, [x]) => repvggSse(g, x, p),
  examples: [
    { name: 'stream block: identity BN with its SSE gate', params: { w_out: 8 }, inputs: [[8, 6, 6]] },
    { name: 'downsampling block: pooled 1x1 branch, doubled gate', params: { w_out: 12, stride: 2 }, inputs: [[8, 8, 8]] },
    { name: 'fused downsampling block', params: { w_out: 12, stride: 2, fused: true }, inputs: [[8, 8, 8]] },
    { name: 'fused stream block, SiLU', params: { w_out: 8, fused: true, act: 'silu' }, inputs: [[8, 6, 6]] },
  ],
});

export const parnetFusion = defineNode({
  name: 'parnet_fusion',
  kind: 'block',
  family: 'parnet',
  arity: [2, 2],
  doc: 'ParNet\'s fusion: BN on each of its two inputs (a stream\'s output, then the previous fusion\'s), concat interleaved (a0, b0, a1, b1, ...), a RepVGG-SSE block with 2 groups',
  params: { ...BLOCK_PARAMS, groups: P.int({ default: 2, min: 1, doc: 'groups of the block after the concat' }) },
  check(p, [a, b]) {
    if (a.c !== b.c || a.h !== b.h || a.w !== b.w) return `the two inputs must have one shape, got ${a.c}x${a.h}x${a.w} and ${b.c}x${b.h}x${b.w}`;
    return blockCheck(p, 2 * a.c);
  },
  build(g, p, [a, b]) {
    const joined = g.shuffle('concat', g.concat('cat', g.bn('bn1', a), g.bn('bn2', b)), 2);
    return repvggSse(g, joined, p);
  },
  examples: [
    { name: 'strided fusion', params: { w_out: 12, stride: 2 }, inputs: [[8, 8, 8], [8, 8, 8]] },
    { name: 'last fusion, fused', params: { w_out: 16, fused: true }, inputs: [[8, 4, 4], [8, 4, 4]] },
  ],
});
