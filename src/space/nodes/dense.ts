/**
 * The dense families (pytorchcv peleenet.py, condensenet.py): layers whose output concatenates their
 * input with `growth` new channels, so a stage's width grows by growth per layer, and their stems and
 * heads. Transitions are plain nodes (a 1x1 conv_bn_act and a 2x2 avgpool for PeleeNet, the pool alone
 * for CondenseNet).
 */
import type { Builder, Tensor } from '../builder.js';
import { P } from '../params.js';
import { defineNode } from '../registry.js';
import { W_OUT } from './common.js';

const GROWTH = P.int({ min: 1, doc: 'growth rate k: new channels the layer concatenates to its input' });

function convBnRelu(g: Builder, name: string, x: Tensor, cOut: number, k: number, stride = 1): Tensor {
  return g.relu(`${name}.activ`, g.bn(`${name}.bn`, g.conv(`${name}.conv`, x, cOut, k, { stride, bias: false })));
}

export const peleeStem = defineNode({
  name: 'pelee_stem',
  kind: 'stem',
  family: 'peleenet',
  doc: 'PeleeNet stem block: 3x3/2 conv to w_out, then [1x1 to w_out/2, 3x3/2 to w_out] beside a 2x2/2 max pool, concat, 1x1 to w_out (every conv + BN + ReLU)',
  params: { w_out: W_OUT, stride: P.int({ default: 2, min: 1, doc: 'stride of the first conv (1 for 32px inputs)' }) },
  check: (p) => (p.w_out < 2 ? { key: 'w_out', message: 'the stem halves w_out in a branch: make it at least 2' } : null),
  build(g, p, [x]) {
    const y = convBnRelu(g, 'first_conv', x, p.w_out, 3, p.stride);
    const b1 = convBnRelu(g, 'branches.branch1.1', convBnRelu(g, 'branches.branch1.0', y, Math.floor(p.w_out / 2), 1), p.w_out, 3, 2);
    const b2 = g.maxPool('branches.branch2', y, 2, { stride: 2, pad: 0 });
    return convBnRelu(g, 'last_conv', g.concat('cat', b1, b2), p.w_out, 1);
  },
  examples: [{ name: 'Pelee stem', params: { w_out: 8 }, inputs: [[3, 16, 16]] }],
});

export const peleeDenseLayer = defineNode({
  name: 'pelee_dense_layer',
  kind: 'block',
  family: 'peleenet',
  doc: 'PeleeNet two-way dense layer: branch 1 = 1x1 to mid, 3x3 to k/2; branch 2 = 1x1 to mid, 3x3 to k/2, 3x3 to k/2; output concat(x, branch 1, branch 2); mid = k/2 * bottleneck (every conv + BN + ReLU)',
  params: {
    growth: GROWTH,
    bottleneck: P.int({ default: 1, min: 1, max: 16, doc: 'bottleneck width: mid = growth / 2 * bottleneck' }),
  },
  check: (p) => (p.growth % 2 ? { key: 'growth', message: `the two branches split the growth rate ${p.growth}: make it even` } : null),
  build(g, p, [x]) {
    const inc = p.growth / 2;
    const mid = inc * p.bottleneck;
    const b1 = convBnRelu(g, 'branch1.1', convBnRelu(g, 'branch1.0', x, mid, 1), inc, 3);
    const b2 = convBnRelu(g, 'branch2.2', convBnRelu(g, 'branch2.1', convBnRelu(g, 'branch2.0', x, mid, 1), inc, 3), inc, 3);
    return g.concat('cat', x, b1, b2);
  },
  examples: [{ name: 'growth 8, bottleneck 2', params: { growth: 8, bottleneck: 2 }, inputs: [[8, 6, 6]] }],
});

export const condenseDenseLayer = defineNode({
  name: 'condense_dense_layer',
  kind: 'block',
  family: 'condensenet',
  doc: 'CondenseNet test-time dense layer (pre-activation): BN, ReLU, 1x1 group conv (G) to 4k, shuffle (G), BN, ReLU, 3x3 group conv (G) to k; output concat(x, new). The converted network\'s learned input selection (index_select, length w_in) is the identity here',
  params: {
    growth: GROWTH,
    groups: P.int({ default: 4, min: 1, doc: 'groups G of both convs (and of the shuffle)' }),
    bottleneck: P.int({ default: 4, min: 1, max: 16, doc: 'bottleneck width: mid = growth * bottleneck' }),
  },
  check(p, [x]) {
    const mid = p.growth * p.bottleneck;
    return x.c % p.groups || mid % p.groups || p.growth % p.groups ? { key: 'groups', message: `${x.c} -> ${mid} -> ${p.growth} channels do not split into ${p.groups} groups` } : null;
  },
  build(g, p, [x]) {
    const mid = p.growth * p.bottleneck;
    let y = g.relu('conv1.activ', g.bn('conv1.bn', x));
    y = g.shuffle('conv1.shuffle', g.conv('conv1.conv', y, mid, 1, { groups: p.groups, bias: false }), p.groups);
    y = g.relu('conv2.activ', g.bn('conv2.bn', y));
    y = g.conv('conv2.conv', y, p.growth, 3, { groups: p.groups, bias: false });
    return g.concat('cat', x, y);
  },
  examples: [{ name: 'growth 8, 4 groups', params: { growth: 8, groups: 4 }, inputs: [[16, 6, 6]] }],
});

export const condenseHead = defineNode({
  name: 'condense_head',
  kind: 'head',
  family: 'condensenet',
  doc: 'CondenseNet head: BN, ReLU, global pool, CondenseLinear: int(w_in * drop_rate) of the pooled features (as the reference computes its in_features; the first ones stand in for the learned selection), then an FC with bias',
  params: {
    num_classes: P.int({ min: 1, doc: 'number of classes' }),
    drop_rate: P.float({ default: 0.5, min: 0, max: 0.99, doc: 'CondenseLinear\'s drop_rate: it keeps int(w_in * drop_rate) features' }),
  },
  build(g, p, [x]) {
    const y = g.gap('pool', g.relu('post_activ.activ', g.bn('post_activ.bn', x)));
    const keep = Math.floor(y.shape.c * p.drop_rate);
    const kept = keep > 0 && keep < y.shape.c ? g.slice('select', y, 0, keep) : y;
    return g.linear('output.linear', kept, p.num_classes, true);
  },
  examples: [{ name: 'half the features', params: { num_classes: 5 }, inputs: [[16, 4, 4]] }],
});
