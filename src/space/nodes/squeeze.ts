/**
 * The squeeze families: SqueezeNet's Fire module (torchvision squeezenet.py: biased convs, ReLU, no
 * BN) with its conv classifier, and SqueezeNext's five-conv unit with 1x3 and 3x1 convs (pytorchcv
 * squeezenext.py). The max pools between Fire modules are maxpool nodes in the spec.
 */
import { P } from '../params.js';
import { defineNode } from '../registry.js';
import { STRIDE, W_OUT } from './common.js';

export const fire = defineNode({
  name: 'fire',
  kind: 'block',
  family: 'squeezenet',
  doc: 'Fire module: 1x1 squeeze conv (bias), ReLU, then a 1x1 and a 3x3 expand conv (bias), each with ReLU, concatenated (w_e1 + w_e3 channels)',
  params: {
    w_squeeze: P.int({ min: 1, doc: 'squeeze width s' }),
    w_e1: P.int({ min: 0, doc: 'width of the 1x1 expand conv' }),
    w_e3: P.int({ min: 0, doc: 'width of the 3x3 expand conv' }),
  },
  check: (p) => (p.w_e1 + p.w_e3 < 1 ? { key: 'w_e1', message: 'a Fire module needs at least one expand channel' } : null),
  build(g, p, [x]) {
    const s = g.relu('squeeze_activation', g.conv('squeeze', x, p.w_squeeze, 1, { bias: true }));
    const parts = [];
    if (p.w_e1 > 0) parts.push(g.relu('expand1x1_activation', g.conv('expand1x1', s, p.w_e1, 1, { bias: true })));
    if (p.w_e3 > 0) parts.push(g.relu('expand3x3_activation', g.conv('expand3x3', s, p.w_e3, 3, { bias: true })));
    return parts.length === 1 ? parts[0] : g.concat('cat', ...parts);
  },
  examples: [
    { name: 'Fire(16, 64, 64) on 96 channels', params: { w_squeeze: 4, w_e1: 8, w_e3: 8 }, inputs: [[12, 7, 7]] },
    { name: '3x3 expands only', params: { w_squeeze: 4, w_e1: 0, w_e3: 8 }, inputs: [[8, 5, 5]] },
  ],
});

export const convClassifierHead = defineNode({
  name: 'conv_classifier_head',
  kind: 'head',
  family: 'squeezenet',
  doc: 'SqueezeNet\'s classifier: dropout, 1x1 conv (bias) to the classes, ReLU, global average pool',
  params: {
    num_classes: P.int({ min: 1, doc: 'number of classes' }),
    dropout: P.float({ default: 0.5, min: 0, max: 0.99, doc: 'dropout before the conv' }),
  },
  build(g, p, [x]) {
    const y = g.relu('af', g.conv('conv', g.dropout('dropout', x, p.dropout), p.num_classes, 1, { bias: true }));
    return g.gap('avg_pool', y);
  },
  examples: [{ name: 'SqueezeNet classifier', params: { num_classes: 5 }, inputs: [[16, 4, 4]] }],
});

export const sqnxtUnit = defineNode({
  name: 'sqnxt_unit',
  kind: 'block',
  family: 'squeezenext',
  doc: 'SqueezeNext unit (pytorchcv SqnxtUnit): 1x1 (stride) to w_in/r, 1x1 to w_in/2r, 1x3 to w_in/r, 3x1 to w_in/r, 1x1 to w_out, each conv biased + BN + ReLU; plus the identity, or (when the shape changes) a 1x1 (stride) biased conv + BN + ReLU; ReLU after the add. r is 1 when strided, 4 when the width shrinks, else 2',
  params: { w_out: W_OUT, stride: STRIDE },
  check(p, [x]) {
    const den = p.stride > 1 ? 1 : x.c > p.w_out ? 4 : 2;
    return Math.floor(x.c / (2 * den)) < 1 ? { key: 'w_out', message: `${x.c} input channels are too few to reduce by ${2 * den}` } : null;
  },
  build(g, p, [x]) {
    const c = x.shape.c;
    const den = p.stride > 1 ? 1 : c > p.w_out ? 4 : 2;
    // the reference projects when strided or narrowing; a widening unit (never in the reference) must too
    const resize = p.stride > 1 || c !== p.w_out;
    const cbr = (name: string, t: typeof x, cOut: number, k: number | [number, number], stride = 1) =>
      g.relu(`${name}.activ`, g.bn(`${name}.bn`, g.conv(`${name}.conv`, t, cOut, k, { stride, bias: true })));
    const identity = resize ? cbr('identity_conv', x, p.w_out, 1, p.stride) : x;
    let y = cbr('conv1', x, Math.floor(c / den), 1, p.stride);
    y = cbr('conv2', y, Math.floor(c / (2 * den)), 1);
    y = cbr('conv3', y, Math.floor(c / den), [1, 3]);
    y = cbr('conv4', y, Math.floor(c / den), [3, 1]);
    y = cbr('conv5', y, p.w_out, 1);
    return g.relu('activ', g.add('add', y, identity));
  },
  examples: [
    { name: 'stride 2: reduction 1, projection', params: { w_out: 16, stride: 2 }, inputs: [[8, 9, 9]] },
    { name: 'shrinking width: reduction 4, projection', params: { w_out: 8 }, inputs: [[16, 5, 5]] },
    { name: 'identity: reduction 2', params: { w_out: 8 }, inputs: [[8, 5, 5]] },
  ],
});
