/**
 * GhostNet (v1, and v2 with its DFC attention) as timm builds it (huggingface/pytorch-image-models @aa4b585, ghostnet.py
 * _create_ghostnet, the same network as huawei-noah's ghostnet_pytorch): its (k, t, c, SE, s) table,
 * widths make_divisible(c * width, 4), a ConvBnAct 1x1 to the last expansion width, then pool, a
 * 1x1 conv to 1280 with bias, ReLU, dropout 0.2 and the classifier.
 */
import { P } from '../params.js';
import { makeDivisible } from '../rounding.js';
import { CIFAR, type PresetInput, SpecAssembler, defineFamily, definePreset } from './registry.js';

const TIMM = 'timm @aa4b585 ghostnet.py';

/** cfgs of _create_ghostnet, one row per bottleneck: kernel, expansion width, output width, SE ratio, stride; with its stage. */
const CFGS: [number, number, number, number, number][][] = [
  [[3, 16, 16, 0, 1]],
  [[3, 48, 24, 0, 2]],
  [[3, 72, 24, 0, 1]],
  [[5, 72, 40, 0.25, 2]],
  [[5, 120, 40, 0.25, 1]],
  [[3, 240, 80, 0, 2]],
  [[3, 200, 80, 0, 1], [3, 184, 80, 0, 1], [3, 184, 80, 0, 1], [3, 480, 112, 0.25, 1], [3, 672, 112, 0.25, 1]],
  [[5, 672, 160, 0.25, 2]],
  [[5, 960, 160, 0, 1], [5, 960, 160, 0.25, 1], [5, 960, 160, 0, 1], [5, 960, 160, 0.25, 1]],
];
const LAYERS = CFGS.flatMap((stage, i) => stage.map(([k, t, c, se, s], j) => ({ id: `blocks.${i}.${j}`, stage: `blocks.${i}`, k, t, c, se, s })));
const FIRST_STRIDED = LAYERS.findIndex((l) => l.s > 1);

interface GhostOptions {
  width: number;
  ratio?: number;
  dwSize?: number;
  expMult?: number;
  kernels?: number[];
  se?: boolean[];
  dropout?: number;
  cifar?: boolean;
  /** GhostNetV2: DFC attention in every bottleneck after the first two. */
  v2?: boolean;
}

function ghostnet(o: GhostOptions, input: PresetInput) {
  const div4 = (c: number) => makeDivisible(c * o.width, 4);
  const a = new SpecAssembler();
  a.add('conv_stem', 'conv_stem', { w_out: div4(16), stride: o.cifar ? 1 : 2 });
  LAYERS.forEach((l, n) => {
    const stride = o.cifar && n === FIRST_STRIDED ? 1 : l.s;
    const se = o.se ? (o.se[n] ? 0.25 : 0) : l.se;
    a.add(l.id, 'ghost_bottleneck', {
      w_out: div4(l.c), w_mid: div4(l.t * (o.expMult ?? 1)), stride, k: o.kernels?.[n] ?? l.k, se_r: se, ratio: o.ratio, dw_size: o.dwSize, dfc: o.v2 && n > 1,
    }, l.stage);
  });
  a.add(`blocks.${CFGS.length}`, 'conv_bn_act', { w_out: div4(LAYERS[LAYERS.length - 1].t), k: 1 });
  a.add('head', 'post_gap_head', { num_classes: input.classes, head_w: 1280, act: 'relu', dropout: o.dropout ?? 0.2 });
  return a.spec(input);
}

for (const [name, width] of [['ghostnet_050', 0.5], ['ghostnet_100', 1.0], ['ghostnet_130', 1.3]] as const) {
  definePreset({
    name,
    family: 'ghostnet',
    source: `${TIMM} ${name} (_create_ghostnet(width=${width}))`,
    resolution: 224,
    build: (input) => ghostnet({ width }, input),
  });
}

for (const [name, width] of [['ghostnetv2_100', 1.0], ['ghostnetv2_130', 1.3], ['ghostnetv2_160', 1.6]] as const) {
  definePreset({
    name,
    family: 'ghostnet',
    source: `${TIMM} ${name} (_create_ghostnet(width=${width}, version='v2'): GhostModuleV2 'attn' in bottlenecks 2..15)`,
    resolution: 224,
    build: (input) => ghostnet({ width, v2: true }, input),
  });
}

defineFamily({
  name: 'ghostnet',
  doc: 'GhostNet: width multiplier, the Ghost ratio s and cheap-op kernel d, a multiplier of the expansion widths, and per bottleneck (16) its depthwise kernel and whether it has SE',
  source: `${TIMM} _create_ghostnet`,
  params: {
    width: P.float({ default: 1, gt: 0, max: 4, doc: 'width multiplier (make_divisible(c * width, 4))' }),
    ratio: P.int({ default: 2, min: 2, max: 8, doc: 'Ghost ratio s' }),
    dw_size: P.int({ default: 3, min: 1, max: 9, doc: 'kernel d of the cheap depthwise conv' }),
    exp_mult: P.float({ default: 1, gt: 0, max: 4, doc: 'multiplier of the table\'s expansion widths' }),
    k: P.int({ default: 3, min: 1, max: 9, doc: 'depthwise kernel of a bottleneck (the table\'s when not sampled)' }),
    se: P.bool({ default: false, doc: 'whether a bottleneck has SE (the table\'s when not sampled)' }),
    dropout: P.float({ default: 0.2, min: 0, max: 0.9, doc: 'dropout before the classifier' }),
    version: P.enum(['v1', 'v2'], { default: 'v1', doc: 'v2: GhostNetV2\'s DFC attention in every bottleneck after the first two' }),
    cifar: CIFAR,
  },
  units: { count: LAYERS.length, params: ['k', 'se'] },
  build: (v, input) => ghostnet({
    width: v.width as number, ratio: v.ratio as number, dwSize: v.dw_size as number, expMult: v.exp_mult as number,
    kernels: v.k as number[] | undefined, se: v.se as boolean[] | undefined, dropout: v.dropout as number, cifar: v.cifar as boolean, v2: v.version === 'v2',
  }, input),
});
