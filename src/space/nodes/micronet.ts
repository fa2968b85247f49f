/**
 * MicroNet (liyunsheng13/micronet @ed89b26, backbone/micronet.py and activation.py): micro-factorized
 * convs (a kxk depthwise conv as (k,1) then (1,k), pointwise convs in groups with shuffles) and
 * dynamic Shift-Max, an activation whose per-channel coefficients come from the input (global pool,
 * two FCs, hard sigmoid) and mix each channel with a shifted one: max(a1 x + b1 x2, a2 x + b2 x2).
 * Its stem and head too. Shift-Max's elementwise work is free, as every elementwise op is.
 */
import type { Builder, Tensor } from '../builder.js';
import { P } from '../params.js';
import { defineNode } from '../registry.js';
import { roundChannels } from '../rounding.js';
import { STRIDE, W_OUT } from './common.js';

/** Channels rolled by r: out[i] = x[(i + r) % c]. */
function roll(g: Builder, name: string, x: Tensor, r: number): Tensor {
  const c = x.shape.c;
  if (r % c === 0) return x;
  return g.concat(`${name}.cat`, g.slice(`${name}.tail`, x, r, c), g.slice(`${name}.head`, x, 0, r));
}

/**
 * DYShiftMax's x2: channels as [groups, c/groups], the next group's next channel:
 * x2[i*gc + j] = x[((i+1) % groups)*gc + (j+1) % gc] (a group roll, then a roll within each group,
 * done as shuffle, roll, shuffle back).
 */
function shiftChannels(g: Builder, x: Tensor, groups: number): Tensor {
  const gc = x.shape.c / groups;
  const y = groups > 1 ? roll(g, 'shift_groups', x, gc) : x;
  if (gc === 1) return y;
  return g.shuffle('shift_unshuffle', roll(g, 'shift_within', g.shuffle('shift_shuffle', y, groups), groups), gc);
}

interface ShiftMaxOptions {
  /** Two linear pieces and their max (K = 2, four coefficients), or one (two coefficients). */
  max: boolean;
  groups: number;
  reduction: number;
  initA: [number, number];
  initB: [number, number];
}

/** DYShiftMax: pool, FC to _make_divisible(c // reduction, 4), ReLU, FC to c * 2K, hard sigmoid, (y - 0.5) * 4 as the coefficients. */
function dyShiftMax(g: Builder, x: Tensor, o: ShiftMaxOptions): Tensor {
  const c = x.shape.c;
  const squeeze = Math.max(4, roundChannels(Math.floor(c / o.reduction), 'tf', 4));
  let y = g.relu('fc.1', g.linear('fc.0', g.gap('avg_pool', x), squeeze, true));
  y = g.scale('coef_scale', g.act('fc.3', g.linear('fc.2', y, c * (o.max ? 4 : 2), true), 'hsigmoid'), 4);
  const coef = (i: number, init: number) => g.offset(`coef${i}.offset`, g.slice(`coef${i}`, y, i * c, (i + 1) * c), init - 2);
  const x2 = shiftChannels(g, x, o.groups);
  const z1 = g.add('z1', g.mul('x_a1', x, coef(0, o.initA[0])), g.mul('x2_b1', x2, coef(1, o.initB[0])));
  if (!o.max) return z1;
  const z2 = g.add('z2', g.mul('x_a2', x, coef(2, o.initA[1])), g.mul('x2_b2', x2, coef(3, o.initB[1])));
  return g.max('max', z1, z2);
}

/** DepthSpatialSepConv: (k,1) conv (stride (s,1), groups c) to c*e1, BN, (1,k) conv (stride (1,s), groups c*e1) to c*e1*e2, BN. */
function depthSpatialSep(g: Builder, x: Tensor, e1: number, e2: number, k: number, s: number): Tensor {
  const c = x.shape.c;
  const p = (k - 1) / 2;
  const y = g.bn('dw.1', g.conv('dw.0', x, c * e1, [k, 1], { stride: [s, 1], pad: [p, 0], groups: c, bias: false }));
  return g.bn('dw.3', g.conv('dw.2', y, c * e1 * e2, [1, k], { stride: [1, s], pad: [0, p], groups: c * e1, bias: false }));
}

function groupConv(g: Builder, name: string, x: Tensor, cOut: number, groups: number): Tensor {
  return g.bn(`${name}.bn`, g.conv(`${name}.conv`, x, cOut, 1, { groups, bias: false }));
}

const DY = (doc: string) => P.int({ default: 2, min: 0, max: 2, doc: `${doc}: 0 none (ReLU6 where the block has an activation), 1 Shift-Max with one piece, 2 with two and their max` });

export const microBlock = defineNode({
  name: 'micro_block',
  kind: 'block',
  family: 'micronet',
  doc: 'MicroNet\'s DYMicroBlock, as microconfig.py rows describe it: type A (g1 = 0) depthwise-first, type B pointwise-depthwise-pointwise, type C (g4 = 0) one pointwise conv; micro-factorized convs, shuffles, dynamic Shift-Max; + x when the shape is kept',
  params: {
    w_out: W_OUT,
    stride: STRIDE,
    k: P.int({ default: 3, min: 1, doc: 'depthwise kernel' }),
    c1: P.int({ default: 1, min: 1, doc: 'channel expansion of the (k,1) conv' }),
    c2: P.int({ default: 4, min: 1, doc: 'channel expansion of the (1,k) conv' }),
    g1: P.int({ default: 4, min: 0, doc: 'groups of the first pointwise conv (0: type A, no first pointwise conv)' }),
    g2: P.int({ default: 4, min: 1, doc: 'shuffle groups after it, and Shift-Max\'s group count' }),
    g3: P.int({ default: 4, min: 1, doc: 'groups of the last pointwise conv' }),
    g4: P.int({ default: 4, min: 0, doc: 'shuffle groups after it (0: type C)' }),
    y1: DY('activation after the first pointwise conv'),
    y2: DY('activation after the depthwise conv'),
    y3: P.int({ default: 1, min: 0, max: 1, doc: 'Shift-Max (one piece) after the last pointwise conv, or nothing' }),
    reduction: P.int({ default: 8, min: 1, doc: 'Shift-Max reduction: REDUCTION (8) times the row\'s r' }),
    init_a1: P.float({ default: 1, doc: 'INIT_A[0]: offset of a1' }),
    init_a2: P.float({ default: 1, doc: 'INIT_A[1]: offset of a2' }),
    init_b1: P.float({ default: 0, doc: 'INIT_B[0]: offset of b1' }),
    init_b2: P.float({ default: 0, doc: 'INIT_B[1]: offset of b2' }),
  },
  check(p, [x]) {
    const hidden = x.c * p.c1 * p.c2;
    if (p.g1 > 0 && (x.c % p.g1 || hidden % p.g1)) return { key: 'g1', message: `${x.c} -> ${hidden} channels do not split into ${p.g1} groups` };
    if (hidden % p.g2 || hidden % 4) return { key: 'g2', message: `${hidden} channels do not split into ${p.g2} groups (or 4)` };
    if (p.g4 > 0 && (hidden % p.g3 || p.w_out % p.g3 || p.w_out % p.g4)) return { key: 'g3', message: `${hidden} -> ${p.w_out} channels do not split into ${p.g3} and ${p.g4} groups` };
    return null;
  },
  build(g, p, [x]) {
    const inp = x.shape.c;
    const hidden = inp * p.c1 * p.c2;
    const initA: [number, number] = [p.init_a1, p.init_a2];
    const initB: [number, number] = [p.init_b1, p.init_b2];
    const block3 = { initA: [1, 0] as [number, number], initB: [0, 0] as [number, number], max: false };
    const act = (name: string, t: Tensor, y: number, groups: number, expansion = false) =>
      y > 0 ? dyShiftMax(g.scope(name), t, { max: y === 2, groups: expansion && groups !== 1 ? t.shape.c / groups : groups, reduction: p.reduction, initA, initB }) : g.act(name, t, 'relu6');
    let out: Tensor;
    if (p.g4 === 0) {
      // type C: one grouped pointwise conv, [Shift-Max]
      out = groupConv(g, 'pw1', x, hidden, p.g1);
      if (p.y3 > 0) out = dyShiftMax(g.scope('act3'), out, { ...block3, groups: p.g2, reduction: p.reduction });
      return out;
    }
    if (p.g1 === 0) {
      out = act('act2', depthSpatialSep(g, x, p.c1, p.c2, p.k, p.stride), p.y2, p.g2);
      out = g.shuffle('shuffle2', out, p.g2);
      if (p.y2 !== 0) out = g.shuffle('shuffle2b', out, hidden / 2);
    } else {
      out = g.shuffle('shuffle1', act('act1', groupConv(g, 'pw1', x, hidden, p.g1), p.y1, p.g2), p.g2);
      out = act('act2', depthSpatialSep(g, out, 1, 1, p.k, p.stride), p.y2, p.g2, true);
      if (p.y1 !== 0 && p.y2 !== 0) out = g.shuffle('shuffle2b', out, hidden / 4);
      else if (p.y1 !== 0 || p.y2 !== 0) out = g.shuffle('shuffle2b', out, hidden / 2);
    }
    out = groupConv(g, 'pw2', out, p.w_out, p.g3);
    if (p.y3 > 0) {
      const reduction = p.g1 === 0 || p.w_out < hidden ? Math.floor(p.reduction / 2) : p.reduction;
      out = dyShiftMax(g.scope('act3'), out, { ...block3, groups: p.g4, reduction });
    }
    out = g.shuffle('shuffle3', out, p.g4);
    if (p.y3 !== 0 && p.w_out % 2 === 0) out = g.shuffle('shuffle3b', out, p.w_out / 2);
    return p.stride === 1 && inp === p.w_out ? g.add('add', out, x) : out;
  },
  examples: [
    { name: 'type A: depthwise first, Shift-Max K=2 then K=1', params: { w_out: 12, stride: 2, k: 3, c1: 2, c2: 2, g1: 0, g2: 8, g3: 4, g4: 4, y1: 2, y2: 2, y3: 1 }, inputs: [[8, 8, 8]] },
    { name: 'type B with a residual', params: { w_out: 16, k: 5, c1: 1, c2: 4, g1: 4, g2: 4, g3: 4, g4: 4, reduction: 8 }, inputs: [[16, 6, 6]] },
    { name: 'type B, ReLU6 then Shift-Max (M3\'s offsets)', params: { w_out: 16, stride: 2, c1: 1, c2: 6, g1: 4, g2: 8, g3: 4, g4: 4, y1: 0, y2: 2, y3: 0, init_a2: 0.5, init_b2: 0.5 }, inputs: [[8, 8, 8]] },
    { name: 'type C', params: { w_out: 32, c1: 1, c2: 4, g1: 4, g2: 4, g3: 1, g4: 0, y3: 1 }, inputs: [[8, 4, 4]] },
  ],
});

export const microStem = defineNode({
  name: 'micronet_stem',
  kind: 'stem',
  family: 'micronet',
  doc: 'MicroNet\'s stem (spatialsepsf): (3,1) conv stride (2,1) to G1, BN, (1,3) conv stride (1,2) groups G1 to w_out = G1*G2, BN, shuffle (G1), ReLU6',
  params: {
    w_out: W_OUT,
    g1: P.int({ default: 2, min: 1, doc: 'G1: output channels of the (3,1) conv, and the shuffle groups (STEM_GROUPS[0]; w_out / G1 is STEM_GROUPS[1])' }),
    stride: P.int({ default: 2, min: 1, doc: 'stride of each factor (1 for 32px inputs)' }),
  },
  check: (p) => (p.w_out % p.g1 ? { key: 'g1', message: `w_out ${p.w_out} must be a multiple of G1 ${p.g1}` } : null),
  build(g, p, [x]) {
    let y = g.bn('stem.1', g.conv('stem.0', x, p.g1, [3, 1], { stride: [p.stride, 1], pad: [1, 0], bias: false }));
    y = g.bn('stem.3', g.conv('stem.2', y, p.w_out, [1, 3], { stride: [1, p.stride], pad: [0, 1], groups: p.g1, bias: false }));
    return g.act('stem.af', g.shuffle('stem.shuffle', y, p.g1), 'relu6');
  },
  examples: [{ name: 'M0 stem', params: { w_out: 4, g1: 2 }, inputs: [[3, 16, 16]] }],
});

export const microHead = defineNode({
  name: 'micronet_head',
  kind: 'head',
  family: 'micronet',
  doc: 'MicroNet\'s head: ReLU6, global pool, hard-swish, FC (bias) to head_w, BN, hard-swish, dropout, FC (bias) to the classes, BN, hard-swish',
  params: {
    num_classes: P.int({ min: 1, doc: 'number of classes' }),
    head_w: P.int({ default: 640, min: 1, doc: 'OUT_CH' }),
    dropout: P.float({ default: 0.05, min: 0, max: 0.99, doc: 'dropout before the classifier' }),
  },
  build(g, p, [x]) {
    let y = g.act('pool_af', g.gap('avgpool', g.act('af', x, 'relu6')), 'hswish');
    y = g.act('classifier.0.af', g.bn('classifier.0.bn', g.linear('classifier.0.fc', y, p.head_w, true)), 'hswish');
    y = g.dropout('classifier.1', y, p.dropout);
    return g.act('classifier.2.af', g.bn('classifier.2.bn', g.linear('classifier.2.fc', y, p.num_classes, true)), 'hswish');
  },
  examples: [{ name: 'MicroNet head', params: { num_classes: 5, head_w: 12 }, inputs: [[8, 4, 4]] }],
});
