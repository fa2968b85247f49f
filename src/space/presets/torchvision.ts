/**
 * torchvision 0.14's mobile networks (Debian's python3-torchvision; torchvision/models/*.py),
 * reproduced from their own configuration tables and width rules: EfficientNet B0-B7 and V2-S
 * (`_efficientnet_conf`), MNASNet (`_get_depths`, `_stack`), MobileNetV2 and MobileNetV3
 * (`_mobilenet_v3_conf`). The tests compare each with the installed torchvision, counted by the same
 * forward hooks.
 */
import type { Activation } from '../ops.js';
import { makeDivisible } from '../rounding.js';
import { P } from '../params.js';
import { CIFAR, type PresetInput, SpecAssembler, defineFamily, definePreset } from './registry.js';

const TV = 'torchvision 0.14';

// ---------------------------------------------------------------- EfficientNet B0-B7 (efficientnet.py)

/** (expand_ratio, kernel, stride, input_channels, out_channels, num_layers) of _efficientnet_conf("efficientnet_b*"). */
const EFFNET_V1: [number, number, number, number, number, number][] = [
  [1, 3, 1, 32, 16, 1],
  [6, 3, 2, 16, 24, 2],
  [6, 5, 2, 24, 40, 2],
  [6, 3, 2, 40, 80, 3],
  [6, 5, 1, 80, 112, 3],
  [6, 5, 2, 112, 192, 4],
  [6, 3, 1, 192, 320, 1],
];

const adjust = (c: number, w: number) => makeDivisible(c * w, 8);

function efficientnetV1(width: number, depth: number, dropout: number, input: PresetInput, cifar = false) {
  const a = new SpecAssembler();
  a.add('features.0', 'conv_stem', { w_out: adjust(EFFNET_V1[0][3], width), act: 'silu', stride: cifar ? 1 : 2 });
  let last = 0;
  EFFNET_V1.forEach(([e, k, s, , out, n], i) => {
    const layers = Math.ceil(n * depth);
    const wOut = adjust(out, width);
    // 32px: stage 2 (the first strided one) keeps its resolution, as the stem does
    const stageStride = cifar && i === 1 ? 1 : s;
    for (let j = 0; j < layers; j++) {
      // MBConv: expanded = _make_divisible(in * e, 8), expanded only when it differs; SE max(1, in // 4)
      a.add(`features.${i + 1}.${j}`, 'mbconv', {
        w_out: wOut, stride: j === 0 ? stageStride : 1, k, exp_r: e, mid_round: 'tf', mid_div: 8, act: 'silu',
        se_r: 0.25, se_base: 'in', se_round: 'floor',
      }, `s${i + 1}`);
    }
    last = wOut;
  });
  a.add('head', 'conv_head', { num_classes: input.classes, head_w: 4 * last, act: 'silu', dropout });
  return a.spec(input);
}

for (const [i, width, depth, dropout, res] of [
  [0, 1.0, 1.0, 0.2, 224], [1, 1.0, 1.1, 0.2, 240], [2, 1.1, 1.2, 0.3, 288], [3, 1.2, 1.4, 0.3, 300],
  [4, 1.4, 1.8, 0.4, 380], [5, 1.6, 2.2, 0.4, 456], [6, 1.8, 2.6, 0.5, 528], [7, 2.0, 3.1, 0.5, 600],
] as const) {
  definePreset({
    name: `efficientnet_b${i}`,
    family: 'efficientnet',
    source: `${TV} efficientnet.py efficientnet_b${i} (width_mult=${width}, depth_mult=${depth}; native resolution = the IMAGENET1K_V1 weights' crop, 288 for B2 where pycls and the paper use 260)`,
    resolution: res,
    build: (input) => efficientnetV1(width, depth, dropout, input),
  });
}

defineFamily({
  name: 'efficientnet',
  doc: 'EfficientNet compound scaling on the B0 base: width and depth multipliers, or the compound coefficient phi (width 1.1^phi, depth 1.2^phi, resolution 1.15^phi times the input\'s)',
  source: `${TV} efficientnet.py _efficientnet_conf (adjust_channels: _make_divisible(c * w, 8); adjust_depth: ceil(n * d))`,
  params: {
    width_mult: P.float({ default: 1, gt: 0, max: 4, doc: 'width multiplier' }),
    depth_mult: P.float({ default: 1, gt: 0, max: 6, doc: 'depth multiplier' }),
    phi: P.float({ min: 0, max: 8, optional: true, doc: 'compound coefficient: sets width 1.1^phi, depth 1.2^phi and the resolution 1.15^phi times the input resolution' }),
    dropout: P.float({ default: 0.2, min: 0, max: 0.9, doc: 'dropout before the classifier' }),
    cifar: CIFAR,
  },
  check: (given) => (given.includes('phi') && given.some((k) => k === 'width_mult' || k === 'depth_mult' || k === 'resolution' || k === 'res_mult') ? 'phi sets width_mult, depth_mult and the resolution; give either phi or those' : null),
  build(v, input) {
    const phi = v.phi as number | undefined;
    if (phi === undefined) return efficientnetV1(v.width_mult as number, v.depth_mult as number, v.dropout as number, input, v.cifar as boolean);
    return efficientnetV1(1.1 ** phi, 1.2 ** phi, v.dropout as number, { ...input, resolution: Math.round(input.resolution * 1.15 ** phi) }, v.cifar as boolean);
  },
});

// ---------------------------------------------------------------- EfficientNetV2-S

definePreset({
  name: 'efficientnet_v2_s',
  family: 'efficientnet_v2',
  source: `${TV} efficientnet.py efficientnet_v2_s`,
  resolution: 384,
  build(input) {
    // (kind, expand_ratio, kernel, stride, input_channels, out_channels, num_layers)
    const table: ['fused' | 'mb', number, number, number, number, number, number][] = [
      ['fused', 1, 3, 1, 24, 24, 2],
      ['fused', 4, 3, 2, 24, 48, 4],
      ['fused', 4, 3, 2, 48, 64, 4],
      ['mb', 4, 3, 2, 64, 128, 6],
      ['mb', 6, 3, 1, 128, 160, 9],
      ['mb', 6, 3, 2, 160, 256, 15],
    ];
    const a = new SpecAssembler();
    a.add('features.0', 'conv_stem', { w_out: 24, act: 'silu' });
    table.forEach(([kind, e, k, s, , out, n], i) => {
      for (let j = 0; j < n; j++) {
        const common = { w_out: out, stride: j === 0 ? s : 1, k, exp_r: e, mid_round: 'tf', mid_div: 8, act: 'silu' } as const;
        if (kind === 'fused') a.add(`features.${i + 1}.${j}`, 'fused_mbconv', common, `s${i + 1}`);
        else a.add(`features.${i + 1}.${j}`, 'mbconv', { ...common, se_r: 0.25, se_base: 'in', se_round: 'floor' }, `s${i + 1}`);
      }
    });
    a.add('head', 'conv_head', { num_classes: input.classes, head_w: 1280, act: 'silu', dropout: 0.2 });
    return a.spec(input);
  },
});

// ---------------------------------------------------------------- MNASNet (mnasnet.py, _version 2)

function mnasnet(alpha: number, input: PresetInput) {
  // _get_depths: _round_to_multiple_of(d * alpha, 8), the TF rule with its 0.9 limit
  const d = [32, 16, 24, 40, 80, 96, 192, 320].map((c) => makeDivisible(c * alpha, 8));
  const a = new SpecAssembler();
  a.add('layers.0', 'conv_stem', { w_out: d[0], act: 'relu' });
  a.add('layers.3', 'ds_block', { w_out: d[1], act: 'relu', skip: false });
  // _stack(in, out, kernel, stride, exp_factor, repeats); mid = in * exp (no rounding), expansion always built
  const stacks: [number, number, number, number, number, number][] = [
    [d[1], d[2], 3, 2, 3, 3], [d[2], d[3], 5, 2, 3, 3], [d[3], d[4], 5, 2, 6, 3],
    [d[4], d[5], 3, 1, 6, 2], [d[5], d[6], 5, 2, 6, 4], [d[6], d[7], 3, 1, 6, 1],
  ];
  stacks.forEach(([, out, k, s, e, n], i) => {
    for (let j = 0; j < n; j++) {
      a.add(`layers.${8 + i}.${j}`, 'mbconv', { w_out: out, stride: j === 0 ? s : 1, k, exp_r: e, mid_round: 'exact', always_pw: true, act: 'relu' }, `s${i + 1}`);
    }
  });
  a.add('head', 'conv_head', { num_classes: input.classes, head_w: 1280, act: 'relu', dropout: 0.2 });
  return a.spec(input);
}

for (const [name, alpha] of [['mnasnet0_5', 0.5], ['mnasnet0_75', 0.75], ['mnasnet1_0', 1.0], ['mnasnet1_3', 1.3]] as const) {
  definePreset({ name, family: 'mnasnet', source: `${TV} mnasnet.py ${name} (alpha=${alpha})`, resolution: 224, build: (input) => mnasnet(alpha, input) });
}

// ---------------------------------------------------------------- MobileNetV2 (mobilenetv2.py)

definePreset({
  name: 'mobilenet_v2',
  family: 'mobilenetv2',
  source: `${TV} mobilenetv2.py mobilenet_v2 (width_mult=1.0)`,
  resolution: 224,
  build(input) {
    const width = 1.0;
    const table: [number, number, number, number][] = [[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1], [6, 160, 3, 2], [6, 320, 1, 1]];
    const a = new SpecAssembler();
    a.add('features.0', 'conv_stem', { w_out: makeDivisible(32 * width, 8), act: 'relu6' });
    table.forEach(([t, c, n, s], i) => {
      for (let j = 0; j < n; j++) {
        // hidden = int(round(inp * t)); the 1x1 expansion only when t != 1
        a.add(`features.${i + 1}.${j}`, 'mbconv', { w_out: makeDivisible(c * width, 8), stride: j === 0 ? s : 1, exp_r: t, mid_round: 'round', act: 'relu6' }, `s${i + 1}`);
      }
    });
    a.add('head', 'conv_head', { num_classes: input.classes, head_w: makeDivisible(1280 * Math.max(1, width), 8), act: 'relu6', dropout: 0.2 });
    return a.spec(input);
  },
});

// ---------------------------------------------------------------- MobileNetV3 (mobilenetv3.py)

/** (input_channels, kernel, expanded_channels, out_channels, use_se, activation, stride) of _mobilenet_v3_conf. */
type Mnv3Row = [number, number, number, number, boolean, 'RE' | 'HS', number];
const MNV3_LARGE: Mnv3Row[] = [
  [16, 3, 16, 16, false, 'RE', 1], [16, 3, 64, 24, false, 'RE', 2], [24, 3, 72, 24, false, 'RE', 1],
  [24, 5, 72, 40, true, 'RE', 2], [40, 5, 120, 40, true, 'RE', 1], [40, 5, 120, 40, true, 'RE', 1],
  [40, 3, 240, 80, false, 'HS', 2], [80, 3, 200, 80, false, 'HS', 1], [80, 3, 184, 80, false, 'HS', 1],
  [80, 3, 184, 80, false, 'HS', 1], [80, 3, 480, 112, true, 'HS', 1], [112, 3, 672, 112, true, 'HS', 1],
  [112, 5, 672, 160, true, 'HS', 2], [160, 5, 960, 160, true, 'HS', 1], [160, 5, 960, 160, true, 'HS', 1],
];
const MNV3_SMALL: Mnv3Row[] = [
  [16, 3, 16, 16, true, 'RE', 2], [16, 3, 72, 24, false, 'RE', 2], [24, 3, 88, 24, false, 'RE', 1],
  [24, 5, 96, 40, true, 'HS', 2], [40, 5, 240, 40, true, 'HS', 1], [40, 5, 240, 40, true, 'HS', 1],
  [40, 5, 120, 48, true, 'HS', 1], [48, 5, 144, 48, true, 'HS', 1], [48, 5, 288, 96, true, 'HS', 2],
  [96, 5, 576, 96, true, 'HS', 1], [96, 5, 576, 96, true, 'HS', 1],
];

function mobilenetV3(rows: Mnv3Row[], lastChannel: number, width: number, input: PresetInput) {
  const a = new SpecAssembler();
  a.add('features.0', 'conv_stem', { w_out: adjust(rows[0][0], width), act: 'hswish' });
  rows.forEach(([, k, exp, out, useSe, act, s], i) => {
    const act_: Activation = act === 'HS' ? 'hswish' : 'relu';
    // SE: _make_divisible(expanded // 4, 8), ReLU inside, hard-sigmoid gate
    const se = useSe ? { se_r: 0.25, se_base: 'mid', se_round: 'tf', se_act: 'relu', se_gate: 'hsigmoid' } : {};
    a.add(`features.${i + 1}`, 'mbconv', { w_out: adjust(out, width), stride: s, k, w_mid: adjust(exp, width), act: act_, ...se });
  });
  const lastOut = adjust(rows[rows.length - 1][3], width);
  a.add(`features.${rows.length + 1}`, 'conv_bn_act', { w_out: 6 * lastOut, k: 1, act: 'hswish' });
  a.add('head', 'post_gap_head', { num_classes: input.classes, head_w: adjust(lastChannel, width), act: 'hswish', dropout: 0.2 });
  return a.spec(input);
}

definePreset({ name: 'mobilenet_v3_large', family: 'mobilenetv3', source: `${TV} mobilenetv3.py mobilenet_v3_large`, resolution: 224, build: (input) => mobilenetV3(MNV3_LARGE, 1280, 1.0, input) });
definePreset({ name: 'mobilenet_v3_small', family: 'mobilenetv3', source: `${TV} mobilenetv3.py mobilenet_v3_small`, resolution: 224, build: (input) => mobilenetV3(MNV3_SMALL, 1024, 1.0, input) });
