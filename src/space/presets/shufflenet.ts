/**
 * ShuffleNet V1, V2 and V2+ as their implementations build them: torchvision 0.14's shufflenetv2.py
 * (shufflenet_v2_x*), and megvii's originals (megvii-model/ShuffleNet-Series @aa91feb: ShuffleNetV1,
 * ShuffleNetV2 and ShuffleNetV2+ network.py), from their stage_out_channels tables and repeats. The
 * megvii heads pool with AvgPool2d(7), a global pool on the 7x7 map at 224px, so they pool globally.
 */
import { P } from '../params.js';
import { CIFAR, type PresetInput, SpecAssembler, defineFamily, definePreset } from './registry.js';

const TV = 'torchvision 0.14';
const MEGVII = 'megvii-model/ShuffleNet-Series @aa91feb';

const SIZES = ['0.5', '1.0', '1.5', '2.0'] as const;
type Size = (typeof SIZES)[number];
const suffix = (size: string) => `x${size.replace('.', '_')}`;

// ---------------------------------------------------------------- ShuffleNetV2 (both forms)

/** stage_out_channels [stage 2, 3, 4, conv5] of torchvision's and megvii's ShuffleNetV2 (the same table). */
const V2_WIDTHS: Record<Size, number[]> = {
  '0.5': [48, 96, 192, 1024],
  '1.0': [116, 232, 464, 1024],
  '1.5': [176, 352, 704, 1024],
  '2.0': [244, 488, 976, 2048],
};
const V2_REPEATS = [4, 8, 4];

interface V2Options {
  widths: number[];
  repeats: number[];
  kernels?: number[];
  headW: number;
  form: 'torchvision' | 'megvii';
  dropout: number;
  cifar?: boolean;
}

/** ShuffleNetV2: stem conv3x3/2 24 + max pool, stages of shufflenet_v2_unit (the first strided), conv5, pool, FC. */
function shufflenetV2(o: V2Options, input: PresetInput) {
  const a = new SpecAssembler();
  a.add('conv1', 'conv_stem', { w_out: 24, stride: o.cifar ? 1 : 2, pool: o.cifar ? 'none' : 'max' });
  o.repeats.forEach((n, i) => {
    for (let j = 0; j < n; j++) {
      a.add(`stage${i + 2}.${j}`, 'shufflenet_v2_unit', { w_out: o.widths[i], stride: j === 0 ? 2 : 1, k: o.kernels?.[i], form: o.form }, `stage${i + 2}`);
    }
  });
  // torchvision's FC has a bias, megvii's none
  a.add('head', 'conv_head', { num_classes: input.classes, head_w: o.headW, act: 'relu', fc_bias: o.form === 'torchvision', dropout: o.dropout });
  return a.spec(input);
}

for (const size of SIZES) {
  const [s2, s3, s4, last] = V2_WIDTHS[size];
  definePreset({
    name: `shufflenet_v2_${suffix(size)}`,
    family: 'shufflenetv2',
    source: `${TV} shufflenetv2.py shufflenet_v2_${suffix(size)} (stages_repeats [4, 8, 4], stages_out_channels [24, ${V2_WIDTHS[size].join(', ')}])`,
    resolution: 224,
    build: (input) => shufflenetV2({ widths: [s2, s3, s4], repeats: V2_REPEATS, headW: last, form: 'torchvision', dropout: 0 }, input),
  });
  definePreset({
    name: `shufflenetv2_${suffix(size)}_megvii`,
    family: 'shufflenetv2',
    source: `${MEGVII} ShuffleNetV2/network.py ShuffleNetV2(model_size='${size}x')`,
    resolution: 224,
    build: (input) => shufflenetV2({ widths: [s2, s3, s4], repeats: V2_REPEATS, headW: last, form: 'megvii', dropout: size === '2.0' ? 0.2 : 0 }, input),
  });
}

defineFamily({
  name: 'shufflenetv2',
  doc: 'ShuffleNetV2 with, per stage (3), its width, its number of units and its depthwise kernel, the conv5 width, and torchvision\'s or megvii\'s unit',
  source: `${TV} shufflenetv2.py ShuffleNetV2; ${MEGVII} ShuffleNetV2/network.py`,
  params: {
    width: P.int({ default: 116, min: 4, doc: 'output width of a stage (even; 1.0x: 116, 232, 464)' }),
    depth: P.int({ default: 4, min: 1, max: 32, doc: 'units in a stage (4, 8, 4)' }),
    k: P.int({ default: 3, min: 1, max: 9, doc: 'depthwise kernel of a stage' }),
    head_w: P.int({ default: 1024, min: 1, doc: 'width of conv5' }),
    form: P.enum(['torchvision', 'megvii'], { default: 'torchvision', doc: 'the unit\'s form' }),
    dropout: P.float({ default: 0, min: 0, max: 0.9, doc: 'dropout before the classifier' }),
    cifar: CIFAR,
  },
  units: { count: 3, params: ['width', 'depth', 'k'] },
  build(v, input) {
    const widths = (v.width as number[] | undefined) ?? V2_WIDTHS['1.0'].slice(0, 3);
    return shufflenetV2({
      widths, repeats: (v.depth as number[] | undefined) ?? V2_REPEATS, kernels: v.k as number[] | undefined,
      headW: v.head_w as number, form: v.form as V2Options['form'], dropout: v.dropout as number, cifar: v.cifar as boolean,
    }, input);
  },
});

// ---------------------------------------------------------------- ShuffleNetV1 (megvii)

/** stage_out_channels [stem, stage 2, 3, 4] of megvii's ShuffleNetV1 per group count and model size. */
const V1_WIDTHS: Record<number, Record<Size, number[]>> = {
  3: { '0.5': [12, 120, 240, 480], '1.0': [24, 240, 480, 960], '1.5': [24, 360, 720, 1440], '2.0': [48, 480, 960, 1920] },
  8: { '0.5': [16, 192, 384, 768], '1.0': [24, 384, 768, 1536], '1.5': [24, 576, 1152, 2304], '2.0': [48, 768, 1536, 3072] },
};

function shufflenetV1(groups: number, widths: number[], input: PresetInput) {
  const [stem, ...stages] = widths;
  const a = new SpecAssembler();
  a.add('first_conv', 'conv_stem', { w_out: stem, pool: 'max' });
  [4, 8, 4].forEach((n, i) => {
    for (let j = 0; j < n; j++) {
      // the first unit of stage 2 has an ungrouped first 1x1 (its input is the narrow stem)
      a.add(`features.${i}.${j}`, 'shufflenet_v1_unit', { w_out: stages[i], stride: j === 0 ? 2 : 1, groups, first_groups: i === 0 && j === 0 ? 1 : undefined }, `stage${i + 2}`);
    }
  });
  a.add('classifier', 'conv_head', { num_classes: input.classes, head_w: 0, fc_bias: false });
  return a.spec(input);
}

for (const groups of [3, 8]) {
  for (const size of SIZES) {
    definePreset({
      name: `shufflenetv1_g${groups}_${suffix(size)}`,
      family: 'shufflenetv1',
      source: `${MEGVII} ShuffleNetV1/network.py ShuffleNetV1(model_size='${size}x', group=${groups})`,
      resolution: 224,
      build: (input) => shufflenetV1(groups, V1_WIDTHS[groups][size], input),
    });
  }
}

// ---------------------------------------------------------------- ShuffleNetV2+ (megvii), the SPOS choice space

const PLUS_WIDTHS = { small: [36, 104, 208, 416], medium: [48, 128, 256, 512], large: [68, 168, 336, 672] };
const PLUS_REPEATS = [4, 4, 8, 4];
const PLUS_CHOICES = ['shuffle3', 'shuffle5', 'shuffle7', 'xception'] as const;
type PlusChoice = (typeof PLUS_CHOICES)[number];
/** The released architecture (train.py): 0 shuffle 3x3, 1 5x5, 2 7x7, 3 Xception, per unit. */
const PLUS_ARCH: PlusChoice[] = [0, 0, 3, 1, 1, 1, 0, 0, 2, 0, 2, 1, 1, 0, 2, 0, 2, 1, 3, 2].map((c) => PLUS_CHOICES[c]);

function shufflenetV2Plus(widths: number[], choices: readonly PlusChoice[], input: PresetInput, cifar = false) {
  const a = new SpecAssembler();
  a.add('first_conv', 'conv_stem', { w_out: 16, act: 'hswish', stride: cifar ? 1 : 2 });
  let unit = 0;
  PLUS_REPEATS.forEach((n, i) => {
    for (let j = 0; j < n; j++, unit++) {
      const choice = choices[unit];
      const stride = j === 0 && !(cifar && i === 0) ? 2 : 1;
      a.add(`features.${unit}`, 'shufflenet_v2_unit', {
        w_out: widths[i], stride, form: 'megvii', op: choice === 'xception' ? 'xception' : 'shuffle',
        k: choice === 'xception' ? 3 : Number(choice.slice(-1)), act: i === 0 ? 'relu' : 'hswish', se: i >= 2,
      }, `stage${i + 1}`);
    }
  });
  a.add('head', 'shufflenet_v2plus_head', { num_classes: input.classes, head_w: 1280, dropout: 0.2 });
  return a.spec(input);
}

for (const size of ['small', 'medium', 'large'] as const) {
  definePreset({
    name: `shufflenetv2plus_${size}`,
    family: 'shufflenetv2plus',
    source: `${MEGVII} ShuffleNetV2+/network.py ShuffleNetV2_Plus(architecture=[${PLUS_ARCH.map((c) => PLUS_CHOICES.indexOf(c)).join(', ')}], model_size='${size[0].toUpperCase()}${size.slice(1)}')`,
    resolution: 224,
    build: (input) => shufflenetV2Plus(PLUS_WIDTHS[size], PLUS_ARCH, input),
  });
}

defineFamily({
  name: 'shufflenetv2plus',
  doc: 'ShuffleNetV2+ / the SPOS choice space: per unit (20), a shuffle 3x3, 5x5 or 7x7 or an Xception branch, at the small, medium or large widths',
  source: `${MEGVII} ShuffleNetV2+/network.py ShuffleNetV2_Plus`,
  params: {
    size: P.enum(['small', 'medium', 'large'], { default: 'large', doc: 'stage widths' }),
    choice: P.enum(PLUS_CHOICES, { default: 'shuffle3', doc: 'a unit\'s branch (the released architecture when not sampled)' }),
    cifar: CIFAR,
  },
  units: { count: PLUS_ARCH.length, params: ['choice'] },
  build: (v, input) => shufflenetV2Plus(PLUS_WIDTHS[v.size as keyof typeof PLUS_WIDTHS], (v.choice as PlusChoice[] | undefined) ?? PLUS_ARCH, input, v.cifar as boolean),
});
