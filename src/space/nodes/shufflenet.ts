/**
 * ShuffleNet's units: V1 (grouped 1x1 convs with a channel shuffle; add, or concat with an average-
 * pooled shortcut when strided), V2 (channel split, one branch, concat) in torchvision's form and in
 * megvii's original one, and the ShuffleNetV2+ / SPOS choice block (shuffle 3x3, 5x5, 7x7 or Xception;
 * hard-swish; megvii's SE). Both V2 forms have the same structure at stride 1 but differ in which
 * channels pass through and, in a stage's first unit, in the widths of the two branches.
 */
import type { Builder, Tensor } from '../builder.js';
import { P } from '../params.js';
import { defineNode } from '../registry.js';
import { STRIDE, W_OUT } from './common.js';

const PW = { bias: false } as const;

/**
 * megvii's SELayer: global pool, 1x1 conv to c/4 (no bias), BN, ReLU, 1x1 conv back (no bias), gate
 * clamp(x + 3, 0, 6) / 6, multiply.
 */
export function megviiSe(g: Builder, x: Tensor): Tensor {
  const c = x.shape.c;
  let y = g.gap('avg_pool', x);
  y = g.relu('se_af', g.bn('se_bn', g.conv('se_reduce', y, Math.floor(c / 4), 1, PW)));
  y = g.act('se_gate', g.conv('se_expand', y, c, 1, PW), 'hsigmoid');
  return g.mul('mul', x, y);
}

/** A unit that keeps its shape adds (V1) or splits (V2) its input; one that strides or widens runs on all of it. */
export const keepsShape = (p: { stride: number; w_out: number }, c: number) => p.stride === 1 && p.w_out === c;

/**
 * What megvii's ShuffleNetV2 unit (and WeightNet's, built on it) needs of its widths: a unit that
 * keeps its shape halves its input; one that strides or widens keeps all its input in one branch.
 */
export function megviiV2WidthProblem(p: { stride: number; w_out: number }, c: number): { key: 'w_out'; message: string } | null {
  if (keepsShape(p, c) && c % 2) return { key: 'w_out', message: `a unit that keeps its width splits its ${c} channels in halves: make it even` };
  if (!keepsShape(p, c) && p.w_out <= c) return { key: 'w_out', message: `a strided or widening unit keeps its ${c} input channels in one branch, so w_out must exceed them` };
  return null;
}

export const shuffleV1Unit = defineNode({
  name: 'shufflenet_v1_unit',
  kind: 'block',
  family: 'shufflenet',
  doc: 'ShuffleNetV1 unit (megvii ShuffleV1Block): 1x1 group conv, BN, ReLU, kxk depthwise (stride), BN, channel shuffle, 1x1 group conv, BN; keeping its shape: ReLU(x + y); strided (or widening): concat(3x3 average-pooled x, ReLU(y)), so the branch makes w_out - w_in channels',
  params: {
    w_out: W_OUT,
    stride: STRIDE,
    groups: P.int({ default: 3, min: 1, doc: 'groups of the 1x1 convs' }),
    first_groups: P.int({ min: 1, optional: true, doc: 'groups of the first 1x1 conv when they differ (1 in the first unit of stage 2)' }),
    w_mid: P.int({ min: 1, optional: true, doc: 'bottleneck width; default the stage width w_out // 4' }),
    k: P.int({ default: 3, min: 1, doc: 'depthwise kernel' }),
  },
  check(p, [x]) {
    const mid = p.w_mid ?? Math.floor(p.w_out / 4);
    const branch = keepsShape(p, x.c) ? p.w_out : p.w_out - x.c;
    if (branch < 1) return { key: 'w_out', message: `a strided or widening unit concatenates its ${x.c} input channels, so w_out must exceed them` };
    const g1 = p.first_groups ?? p.groups;
    if (x.c % g1 || mid % g1 || mid % p.groups || branch % p.groups) return { key: 'groups', message: `${x.c} -> ${mid} -> ${branch} channels do not split into ${g1} and ${p.groups} groups` };
    return null;
  },
  build(g, p, [x]) {
    const mid = p.w_mid ?? Math.floor(p.w_out / 4);
    const keeps = keepsShape(p, x.shape.c);
    const branch = keeps ? p.w_out : p.w_out - x.shape.c;
    let y = g.relu('af1', g.bn('bn1', g.conv('conv1', x, mid, 1, { groups: p.first_groups ?? p.groups, bias: false })));
    y = g.bn('bn2', g.conv('conv2', y, mid, p.k, { stride: p.stride, groups: mid, bias: false }));
    // megvii reshapes to (mid/g, g) and transposes: PyTorch's channel_shuffle with mid/g groups
    if (p.groups > 1) y = g.shuffle('shuffle', y, mid / p.groups);
    y = g.bn('bn3', g.conv('conv3', y, branch, 1, { groups: p.groups, bias: false }), { final: keeps });
    if (keeps) return g.relu('af', g.add('add', x, y));
    return g.concat('cat', g.avgPool('proj', x, 3, { stride: p.stride, pad: 1 }), g.relu('af', y));
  },
  examples: [
    { name: 'stride 2, first unit of stage 2 (first 1x1 ungrouped)', params: { w_out: 36, stride: 2, groups: 3, first_groups: 1 }, inputs: [[6, 9, 9]] },
    { name: 'stride 1, 3 groups', params: { w_out: 24, groups: 3 }, inputs: [[24, 5, 5]] },
  ],
});

/** The kxk depthwise conv and BN of a V2 branch. */
function dwBn(g: Builder, name: string, x: Tensor, k: number, stride: number): Tensor {
  return g.bn(`${name}_bn`, g.conv(name, x, x.shape.c, k, { stride, groups: x.shape.c, bias: false }));
}

function pwBnAct(g: Builder, name: string, x: Tensor, cOut: number, act: 'relu' | 'hswish'): Tensor {
  return g.act(`${name}_af`, g.bn(`${name}_bn`, g.conv(name, x, cOut, 1, PW)), act);
}

interface BranchParams {
  op: 'shuffle' | 'xception';
  k: number;
  act: 'relu' | 'hswish';
  se: boolean;
}

/**
 * The main branch: 1x1, BN, act, kxk depthwise (stride), BN, 1x1, BN, act (shuffle); or dw3x3, BN, 1x1,
 * BN, act three times (Xception); then SE. megvii passes the stride to all three of Xception's dw convs,
 * which cannot concat with the other branch; its released networks have no strided Xception unit, and
 * here the first dw conv takes the stride, so every choice is valid at every unit.
 */
function mainBranch(g: Builder, x: Tensor, mid: number, cOut: number, stride: number, p: BranchParams): Tensor {
  let y: Tensor;
  if (p.op === 'shuffle') {
    y = pwBnAct(g, 'pw', x, mid, p.act);
    y = dwBn(g, 'dw', y, p.k, stride);
    y = pwBnAct(g, 'pwl', y, cOut, p.act);
  } else {
    y = pwBnAct(g, 'pw1', dwBn(g, 'dw1', x, 3, stride), mid, p.act);
    y = pwBnAct(g, 'pw2', dwBn(g, 'dw2', y, 3, 1), mid, p.act);
    y = pwBnAct(g, 'pw3', dwBn(g, 'dw3', y, 3, 1), cOut, p.act);
  }
  return p.se ? megviiSe(g.scope('se'), y) : y;
}

export const shuffleV2Unit = defineNode({
  name: 'shufflenet_v2_unit',
  kind: 'block',
  family: 'shufflenet',
  doc: 'ShuffleNetV2 unit. torchvision: a unit keeping its shape splits the channels in halves, the second through the branch, concat, shuffle(2); a strided (or widening) one runs two branches (dw, 1x1 | 1x1, dw, 1x1) of w_out/2 each on all of them. megvii: the split passes the even channels and branches the odd ones, no shuffle after the concat; the two branches are dw, 1x1 keeping w_in | the main branch to w_out - w_in. The main branch is a shuffle kxk or an Xception branch (ShuffleNetV2+), with optional hard-swish and SE',
  params: {
    w_out: W_OUT,
    stride: STRIDE,
    form: P.enum(['torchvision', 'megvii'], { default: 'torchvision', doc: 'torchvision\'s form, or megvii\'s original (ShuffleNet-Series)' }),
    op: P.enum(['shuffle', 'xception'], { default: 'shuffle', doc: 'main branch: 1x1, kxk depthwise, 1x1 (shuffle), or three dw3x3 + 1x1 pairs (xception)' }),
    k: P.int({ default: 3, min: 1, doc: 'depthwise kernel of the shuffle branch (3, 5, 7 in ShuffleNetV2+)' }),
    w_mid: P.int({ min: 1, optional: true, doc: 'width inside the main branch; default w_out // 2' }),
    act: P.enum(['relu', 'hswish'], { default: 'relu', doc: 'activation of the 1x1 convs' }),
    se: P.bool({ default: false, doc: 'megvii\'s SE on the main branch\'s output (ShuffleNetV2+ stages 3-4)' }),
  },
  check(p, [x]) {
    if (p.form === 'megvii') return megviiV2WidthProblem(p, x.c);
    if (keepsShape(p, x.c) && x.c % 2) return { key: 'w_out', message: `a unit that keeps its width splits its ${x.c} channels in halves: make it even` };
    if (p.w_out % 2) return { key: 'w_out', message: `${p.w_out} output channels do not split into two branches: make it even` };
    return null;
  },
  build(g, p, [x]) {
    const c = x.shape.c;
    const mid = p.w_mid ?? Math.floor(p.w_out / 2);
    if (p.form === 'torchvision') {
      const half = p.w_out / 2;
      const y = keepsShape(p, c)
        ? g.concat('cat', g.slice('x1', x, 0, c / 2), mainBranch(g.scope('branch2'), g.slice('x2', x, c / 2, c), mid, half, 1, p))
        : g.concat('cat', pwBnAct(g.scope('branch1'), 'pw', dwBn(g.scope('branch1'), 'dw', x, p.k, p.stride), half, p.act), mainBranch(g.scope('branch2'), x, mid, half, p.stride, p));
      return g.shuffle('shuffle', y, 2);
    }
    if (keepsShape(p, c)) {
      // megvii's channel_shuffle returns the even channels and the odd ones
      const split = g.shuffle('split', x, c / 2);
      return g.concat('cat', g.slice('x_proj', split, 0, c / 2), mainBranch(g.scope('branch_main'), g.slice('x', split, c / 2, c), mid, p.w_out - c / 2, 1, p));
    }
    const proj = pwBnAct(g.scope('branch_proj'), 'pw', dwBn(g.scope('branch_proj'), 'dw', x, p.k, p.stride), c, p.act);
    return g.concat('cat', proj, mainBranch(g.scope('branch_main'), x, mid, p.w_out - c, p.stride, p));
  },
  examples: [
    { name: 'torchvision, stride 2', params: { w_out: 16, stride: 2 }, inputs: [[6, 9, 9]] },
    { name: 'torchvision, stride 1', params: { w_out: 16 }, inputs: [[16, 5, 5]] },
    { name: 'megvii, stride 2: the input kept in one branch', params: { w_out: 16, stride: 2, form: 'megvii' }, inputs: [[6, 9, 9]] },
    { name: 'megvii, stride 1, 5x5, hard-swish, SE', params: { w_out: 16, form: 'megvii', k: 5, act: 'hswish', se: true }, inputs: [[16, 5, 5]] },
    { name: 'megvii, stride 1 but widening: two branches (ShuffleNetV2+ at 32px)', params: { w_out: 20, form: 'megvii', act: 'hswish' }, inputs: [[8, 5, 5]] },
    { name: 'megvii Xception branch, stride 2', params: { w_out: 24, stride: 2, form: 'megvii', op: 'xception', w_mid: 8, act: 'hswish' }, inputs: [[8, 12, 12]] },
  ],
});

export const shuffleV2PlusHead = defineNode({
  name: 'shufflenet_v2plus_head',
  kind: 'head',
  family: 'shufflenet',
  doc: 'ShuffleNetV2+ head (megvii): 1x1 conv to head_w, BN, hard-swish, global pool, megvii SE, FC to head_w (no bias), hard-swish, dropout, FC (no bias)',
  params: {
    num_classes: P.int({ min: 1, doc: 'number of classes' }),
    head_w: P.int({ default: 1280, min: 4, doc: 'width of the last conv and of the hidden FC' }),
    dropout: P.float({ default: 0.2, min: 0, max: 0.99, doc: 'dropout before the classifier' }),
  },
  build(g, p, [x]) {
    let y = g.gap('avg_pool', pwBnAct(g, 'conv_last', x, p.head_w, 'hswish'));
    y = megviiSe(g.scope('last_se'), y);
    y = g.act('fc_af', g.linear('fc', y, p.head_w, false), 'hswish');
    return g.linear('classifier', g.dropout('dropout', y, p.dropout), p.num_classes, false);
  },
  examples: [{ name: 'ShuffleNetV2+ head', params: { num_classes: 5, head_w: 16 }, inputs: [[12, 4, 4]] }],
});
