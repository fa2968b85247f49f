/**
 * PaddleClas's PP-LCNet (PaddlePaddle/PaddleClas @d178931, ppcls/arch/backbone/legendary_models/
 * pp_lcnet.py), reproduced from its NET_CONFIG and make_divisible: a hard-swish stem, depthwise-
 * separable blocks (hard-swish after both convs, SE c // 4 with ReLU and hard sigmoid between them, no
 * residual), and the head after pooling with a 1280-wide 1x1 conv *without* bias (timm's lcnet_* have
 * one: 1280 more parameters and flops).
 */
import { makeDivisible } from '../rounding.js';
import { P } from '../params.js';
import { CIFAR, type PresetInput, SpecAssembler, defineFamily, definePreset } from './registry.js';

/** NET_CONFIG: [k, in_c, out_c, s, use_se] per DepthwiseSeparable, in blocks2 .. blocks6. */
const NET_CONFIG: [number, number, number, number, boolean][][] = [
  [[3, 16, 32, 1, false]],
  [[3, 32, 64, 2, false], [3, 64, 64, 1, false]],
  [[3, 64, 128, 2, false], [3, 128, 128, 1, false]],
  [[3, 128, 256, 2, false], [5, 256, 256, 1, false], [5, 256, 256, 1, false], [5, 256, 256, 1, false], [5, 256, 256, 1, false], [5, 256, 256, 1, false]],
  [[5, 256, 512, 2, true], [5, 512, 512, 1, true]],
];

/** The 13 blocks in order, with the stage each belongs to. */
const BLOCKS = NET_CONFIG.flatMap((stage, i) => stage.map((b, j) => ({ stage: i + 2, index: j, k: b[0], out: b[2], s: b[3], se: b[4] })));

/** PP-LCNet at a scale; `kernels` and `se` (one per block) replace NET_CONFIG's own; cifar: stem and blocks3 at stride 1. */
function pplcnet(scale: number, input: PresetInput, opts: { kernels?: number[]; se?: boolean[]; cifar?: boolean } = {}) {
  const a = new SpecAssembler();
  a.add('conv1', 'conv_stem', { w_out: makeDivisible(16 * scale), act: 'hswish', stride: opts.cifar ? 1 : 2 });
  BLOCKS.forEach((b, n) => {
    const se = opts.se?.[n] ?? b.se;
    const stride = opts.cifar && b.stage === 3 ? 1 : b.s;
    a.add(`blocks${b.stage}.${b.index}`, 'ds_block', {
      w_out: makeDivisible(b.out * scale), stride, k: opts.kernels?.[n] ?? b.k, act: 'hswish', pw_act: true, skip: false,
      ...(se ? { se_r: 0.25, se_round: 'floor', se_act: 'relu', se_gate: 'hsigmoid' } : {}),
    }, `blocks${b.stage}`);
  });
  a.add('head', 'post_gap_head', { num_classes: input.classes, head_w: 1280, act: 'hswish', bias: false, dropout: 0.2 });
  return a.spec(input);
}

for (const scale of [0.25, 0.35, 0.5, 0.75, 1.0, 1.5, 2.0, 2.5]) {
  const name = `pplcnet_x${String(scale).replace('.', '_')}${Number.isInteger(scale) ? '_0' : ''}`;
  definePreset({
    name,
    family: 'pplcnet',
    source: `PaddleClas @d178931 pp_lcnet.py PPLCNet(scale=${scale})`,
    resolution: 224,
    build: (input) => pplcnet(scale, input),
  });
}

defineFamily({
  name: 'pplcnet',
  doc: 'PP-LCNet with its scale and, per block (13), the depthwise kernel and whether it has SE (the paper: 5x5 and SE only at the tail)',
  source: 'PaddleClas @d178931 pp_lcnet.py PPLCNet',
  params: {
    scale: P.float({ default: 1, gt: 0, max: 4, doc: 'width scale (make_divisible(c * scale))' }),
    k: P.int({ default: 3, min: 1, max: 9, doc: 'depthwise kernel of a block' }),
    se: P.bool({ default: false, doc: 'whether a block has SE' }),
    cifar: CIFAR,
  },
  units: { count: BLOCKS.length, params: ['k', 'se'] },
  build: (v, input) => pplcnet(v.scale as number, input, { kernels: v.k as number[] | undefined, se: v.se as boolean[] | undefined, cifar: v.cifar as boolean }),
});
