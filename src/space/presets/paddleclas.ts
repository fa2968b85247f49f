/**
 * PaddleClas's PP-LCNet (PaddlePaddle/PaddleClas @d178931, ppcls/arch/backbone/legendary_models/
 * pp_lcnet.py), reproduced from its NET_CONFIG and make_divisible: a hard-swish stem, depthwise-
 * separable blocks (hard-swish after both convs, SE c // 4 with ReLU and hard sigmoid between them, no
 * residual), and the head after pooling with a 1280-wide 1x1 conv *without* bias (timm's lcnet_* have
 * one: 1280 more parameters and flops).
 */
import { makeDivisible } from '../rounding.js';
import { type PresetInput, SpecAssembler, definePreset } from './registry.js';

/** NET_CONFIG: [k, in_c, out_c, s, use_se] per DepthwiseSeparable, in blocks2 .. blocks6. */
const NET_CONFIG: [number, number, number, number, boolean][][] = [
  [[3, 16, 32, 1, false]],
  [[3, 32, 64, 2, false], [3, 64, 64, 1, false]],
  [[3, 64, 128, 2, false], [3, 128, 128, 1, false]],
  [[3, 128, 256, 2, false], [5, 256, 256, 1, false], [5, 256, 256, 1, false], [5, 256, 256, 1, false], [5, 256, 256, 1, false], [5, 256, 256, 1, false]],
  [[5, 256, 512, 2, true], [5, 512, 512, 1, true]],
];

function pplcnet(scale: number, input: PresetInput) {
  const a = new SpecAssembler();
  a.add('conv1', 'conv_stem', { w_out: makeDivisible(16 * scale), act: 'hswish' });
  NET_CONFIG.forEach((stage, i) => {
    stage.forEach(([k, , out, s, se], j) => {
      a.add(`blocks${i + 2}.${j}`, 'ds_block', {
        w_out: makeDivisible(out * scale), stride: s, k, act: 'hswish', pw_act: true, skip: false,
        ...(se ? { se_r: 0.25, se_round: 'floor', se_act: 'relu', se_gate: 'hsigmoid' } : {}),
      }, `blocks${i + 2}`);
    });
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
