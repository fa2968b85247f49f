/**
 * pytorchcv's networks (osmr/pytorchcv @47b5422, the submodule of osmr/imgclsmob @c1a844d), each from
 * its model file's own configuration and width rule: SqueezeNext (squeezenext.py), IGCV3 (igcv3.py),
 * PeleeNet (peleenet.py) and the test-time CondenseNet-74 (condensenet.py). Their heads pool with
 * AvgPool2d(7) on the 7x7 map at 224px, a global pool, so they pool globally.
 */
import { P } from '../params.js';
import { CIFAR, type PresetInput, SpecAssembler, defineFamily, definePreset } from './registry.js';

const CV = 'pytorchcv @47b5422';
const WIDTHS = [['w1', 1], ['w3d2', 1.5], ['w2', 2]] as const;

// ---------------------------------------------------------------- SqueezeNext (squeezenext.py)

const SQNXT_LAYERS = { sqnxt23: [6, 6, 8, 1], sqnxt23v5: [2, 4, 14, 1] } as const;

function squeezenext(layers: readonly number[], width: number, input: PresetInput) {
  const w = (c: number) => Math.trunc(c * width);
  const a = new SpecAssembler();
  // SqnxtInitBlock: conv7x7 stride 2, padding 1, biased, BN, ReLU; max pool 3/2 ceil mode
  a.add('features.init_block', 'conv_stem', { w_out: w(64), k: 7, pad: 1, bias: true, pool: 'max_ceil' });
  [32, 64, 128, 256].forEach((c, i) => {
    for (let j = 0; j < layers[i]; j++) {
      a.add(`features.stage${i + 1}.unit${j + 1}`, 'sqnxt_unit', { w_out: w(c), stride: j === 0 && i > 0 ? 2 : 1 }, `stage${i + 1}`);
    }
  });
  a.add('head', 'conv_head', { num_classes: input.classes, head_w: w(128), act: 'relu', conv_bias: true });
  return a.spec(input);
}

for (const [name, layers] of Object.entries(SQNXT_LAYERS)) {
  for (const [suffix, width] of WIDTHS) {
    definePreset({
      name: `${name}_${suffix}`,
      family: 'squeezenext',
      source: `${CV} squeezenext.py ${name}_${suffix}() (layers [${layers.join(', ')}], width_scale ${width})`,
      resolution: 224,
      build: (input) => squeezenext(layers, width, input),
    });
  }
}

// ---------------------------------------------------------------- IGCV3 (igcv3.py)

/** Units per stage after igcv3.py's reduce over layers [1,4,6,8,6,6,1], downsample [0,1,1,1,0,1,0]. */
const IGCV3_STAGES = [[16], [24, 24, 24, 24], [32, 32, 32, 32, 32, 32], [64, 64, 64, 64, 64, 64, 64, 64, 96, 96, 96, 96, 96, 96], [160, 160, 160, 160, 160, 160, 320]];
const makeEven = (x: number) => (x % 2 === 0 ? x : x + 1);

function igcv3(width: number, input: PresetInput, groups = 2, cifar = false) {
  const w = (c: number) => (width === 1 ? c : makeEven(Math.trunc(c * width)));
  const a = new SpecAssembler();
  let prev = w(32);
  a.add('features.init_block', 'conv_stem', { w_out: prev, act: 'relu6', stride: cifar ? 1 : 2 });
  IGCV3_STAGES.forEach((stage, i) => {
    stage.forEach((c, j) => {
      const first = i === 0 && j === 0;
      const stride = j === 0 && i > 0 && !(cifar && i === 1) ? 2 : 1;
      // InvResUnit: 1x1 group conv to 6 * in (in for the very first unit), BN, shuffle, dw3x3 BN ReLU6, 1x1 group conv, BN
      a.add(`features.stage${i + 1}.unit${j + 1}`, 'mbconv', {
        w_out: w(c), stride, w_mid: first ? prev : prev * 6, always_pw: true, pw_groups: groups, pw_shuffle: true, pwl_groups: groups, pw_act: false, act: 'relu6',
      }, `stage${i + 1}`);
      prev = w(c);
    });
  });
  a.add('head', 'conv_head', { num_classes: input.classes, head_w: width > 1 ? makeEven(Math.trunc(1280 * width)) : 1280, act: 'relu6' });
  return a.spec(input);
}

for (const [suffix, width] of [['w1', 1], ['w3d4', 0.75], ['wd2', 0.5], ['wd4', 0.25]] as const) {
  definePreset({
    name: `igcv3_${suffix}`,
    family: 'igcv3',
    source: `${CV} igcv3.py igcv3_${suffix}() (width_scale ${width})`,
    resolution: 224,
    build: (input) => igcv3(width, input),
  });
}

defineFamily({
  name: 'igcv3',
  doc: 'IGCV3: the MobileNetV2-like layout with grouped, shuffled pointwise convs; width multiplier and the pointwise group count',
  source: `${CV} igcv3.py get_igcv3 (make_even(int(c * width_scale)))`,
  params: {
    width: P.float({ default: 1, gt: 0, max: 4, doc: 'width multiplier' }),
    groups: P.int({ default: 2, min: 1, max: 8, doc: 'groups of the pointwise convs (2 in IGCV3); widths must divide' }),
    cifar: CIFAR,
  },
  build: (v, input) => igcv3(v.width as number, input, v.groups as number, v.cifar as boolean),
});

// ---------------------------------------------------------------- PeleeNet (peleenet.py)

interface PeleeOptions {
  stem: number;
  growth: number;
  layers: readonly number[];
  bottlenecks: readonly number[];
  dropout: number;
  cifar?: boolean;
}
const PELEE: PeleeOptions = { stem: 32, growth: 32, layers: [3, 4, 8, 6], bottlenecks: [1, 2, 4, 4], dropout: 0.5 };

function peleenet(o: PeleeOptions, input: PresetInput) {
  const a = new SpecAssembler();
  a.add('features.init_block', 'pelee_stem', { w_out: o.stem, stride: o.cifar ? 1 : 2 });
  let c = o.stem;
  o.layers.forEach((n, i) => {
    const stage = `stage${i + 1}`;
    if (i > 0) {
      // TransitionBlock: 1x1 conv to the same width, BN, ReLU, 2x2 average pool (none at 32px before stage 2)
      a.add(`features.${stage}.trans.conv`, 'conv_bn_act', { w_out: c, k: 1 }, stage);
      if (!(o.cifar && i === 1)) a.add(`features.${stage}.trans.pool`, 'avgpool', { k: 2, stride: 2 }, stage);
    }
    for (let j = 0; j < n; j++, c += o.growth) a.add(`features.${stage}.unit${j + 1}`, 'pelee_dense_layer', { growth: o.growth, bottleneck: o.bottlenecks[i] }, stage);
  });
  a.add('head', 'conv_head', { num_classes: input.classes, head_w: c, act: 'relu', dropout: o.dropout });
  return a.spec(input);
}

definePreset({
  name: 'peleenet',
  family: 'peleenet',
  source: `${CV} peleenet.py peleenet() (growth 32, layers [3, 4, 8, 6], bottleneck sizes [1, 2, 4, 4], stem 32)`,
  resolution: 224,
  build: (input) => peleenet(PELEE, input),
});

defineFamily({
  name: 'peleenet',
  doc: 'PeleeNet: growth rate, stem width, and per stage (4) its number of two-way dense layers and bottleneck width',
  source: `${CV} peleenet.py get_peleenet`,
  params: {
    growth: P.int({ default: 32, min: 2, max: 256, doc: 'growth rate (even: two branches of growth / 2)' }),
    stem: P.int({ default: 32, min: 2, max: 256, doc: 'stem width' }),
    depth: P.int({ default: 3, min: 1, max: 32, doc: 'dense layers in a stage (3, 4, 8, 6)' }),
    bottleneck: P.int({ default: 1, min: 1, max: 16, doc: 'bottleneck width of a stage (1, 2, 4, 4)' }),
    dropout: P.float({ default: 0.5, min: 0, max: 0.9, doc: 'dropout before the classifier' }),
    cifar: CIFAR,
  },
  units: { count: 4, params: ['depth', 'bottleneck'] },
  build: (v, input) => peleenet({
    stem: v.stem as number, growth: v.growth as number, layers: (v.depth as number[] | undefined) ?? PELEE.layers,
    bottlenecks: (v.bottleneck as number[] | undefined) ?? PELEE.bottlenecks, dropout: v.dropout as number, cifar: v.cifar as boolean,
  }, input),
});

// ---------------------------------------------------------------- CondenseNet-74, test time (condensenet.py)

interface CondenseOptions {
  groups: number;
  layers: readonly number[];
  growth: readonly number[];
  bottleneck?: number;
  cifar?: boolean;
}
const CONDENSE74 = { layers: [4, 6, 8, 10, 8], growth: [8, 16, 32, 64, 128] } as const;

function condensenet(o: CondenseOptions, input: PresetInput) {
  const a = new SpecAssembler();
  // CondenseInitBlock: a bare conv3x3/2 to 16 channels (the layers are pre-activation)
  a.add('features.init_block', 'conv', { w_out: 16, k: 3, stride: o.cifar ? 1 : 2 });
  o.layers.forEach((n, i) => {
    const stage = `stage${i + 1}`;
    if (i > 0 && !(o.cifar && i === 1)) a.add(`features.${stage}.trans`, 'avgpool', { k: 2, stride: 2 }, stage);
    for (let j = 0; j < n; j++) a.add(`features.${stage}.unit${j + 1}`, 'condense_dense_layer', { growth: o.growth[i], groups: o.groups, bottleneck: o.bottleneck }, stage);
  });
  a.add('head', 'condense_head', { num_classes: input.classes, drop_rate: 0.5 });
  return a.spec(input);
}

for (const g of [4, 8]) {
  definePreset({
    name: `condensenet74_c${g}_g${g}`,
    family: 'condensenet',
    source: `${CV} condensenet.py condensenet74_c${g}_g${g}() (layers [4, 6, 8, 10, 8], growth [8, 16, 32, 64, 128], groups ${g}; the converted network)`,
    resolution: 224,
    build: (input) => condensenet({ groups: g, ...CONDENSE74 }, input),
  });
}

defineFamily({
  name: 'condensenet',
  doc: 'CondenseNet (test time): groups G, bottleneck width, and per stage (5) its number of dense layers and growth rate',
  source: `${CV} condensenet.py get_condensenet`,
  params: {
    groups: P.int({ default: 4, min: 1, max: 16, doc: 'groups G of the convs and shuffles (the growth rates must divide)' }),
    bottleneck: P.int({ default: 4, min: 1, max: 16, doc: 'bottleneck width: 1x1 output = growth * bottleneck' }),
    depth: P.int({ default: 4, min: 1, max: 32, doc: 'dense layers in a stage (4, 6, 8, 10, 8)' }),
    growth: P.int({ default: 8, min: 1, max: 512, doc: 'growth rate of a stage (8, 16, 32, 64, 128)' }),
    cifar: CIFAR,
  },
  units: { count: 5, params: ['depth', 'growth'] },
  build: (v, input) => condensenet({
    groups: v.groups as number, bottleneck: v.bottleneck as number, layers: (v.depth as number[] | undefined) ?? CONDENSE74.layers,
    growth: (v.growth as number[] | undefined) ?? CONDENSE74.growth, cifar: v.cifar as boolean,
  }, input),
});
