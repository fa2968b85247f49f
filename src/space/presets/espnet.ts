/**
 * ESPNetv2 for ImageNet (sacmehta/EdgeNets @2b232d3, model/classification/espnetv2.py EESPNet with
 * espnetv2_config.py), at its scales s: a CBR stem, four down-samplers (the first three reinforced by
 * the input image, as a second input of the graph), EESP units between them, and the head.
 */
import { P } from '../params.js';
import { CIFAR, type PresetInput, SpecAssembler, defineFamily, definePreset } from './registry.js';

const SRC = 'sacmehta/EdgeNets @2b232d3 model/classification/espnetv2.py EESPNet';
const REPEATS = [3, 7, 3];
/** recept_limit of the config, as EESPNet indexes it per level. */
const R_LIM = [13, 11, 9, 7, 5];

/** The config's widths: base_s = ceil(int(32 s) / 4) * 4; C0 = min(base_s, 32); Ci = base_s 2^i; C5 1024 (1280 above s 1.5). */
export function espnetv2Widths(s: number): number[] {
  const base = Math.ceil(Math.trunc(32 * s) / 4) * 4;
  return [base > 32 ? 32 : base, base * 2, base * 4, base * 8, base * 16, s <= 1.5 ? 1024 : 1280];
}

function espnetv2(s: number, input: PresetInput, repeats: readonly number[] = REPEATS, cifar = false) {
  const [c0, c1, c2, c3, c4, c5] = espnetv2Widths(s);
  const a = new SpecAssembler();
  a.add('level1', 'cbr_stem', { w_out: c0, stride: cifar ? 1 : 2 });
  a.add('level2_0', 'eesp_downsampler', { w_out: c1, r_lim: R_LIM[0] }, 'level2', ['level1', 'input']);
  a.add('level3_0', 'eesp_downsampler', { w_out: c2, r_lim: R_LIM[1] }, 'level3', ['level2_0', 'input']);
  for (let i = 0; i < repeats[0]; i++) a.add(`level3.${i}`, 'eesp', { w_out: c2, r_lim: R_LIM[2] }, 'level3');
  a.add('level4_0', 'eesp_downsampler', { w_out: c3, r_lim: R_LIM[2] }, 'level4', [repeats[0] ? `level3.${repeats[0] - 1}` : 'level3_0', 'input']);
  for (let i = 0; i < repeats[1]; i++) a.add(`level4.${i}`, 'eesp', { w_out: c3, r_lim: R_LIM[3] }, 'level4');
  // the reference builds level5_0's reinforcement but calls it without the image
  a.add('level5_0', 'eesp_downsampler', { w_out: c4, r_lim: R_LIM[3] }, 'level5');
  for (let i = 0; i < repeats[2]; i++) a.add(`level5.${i}`, 'eesp', { w_out: c4, r_lim: R_LIM[4] }, 'level5');
  a.add('head', 'espnetv2_head', { num_classes: input.classes, head_w: c5, dropout: 0.2 });
  return a.spec(input);
}

for (const [suffix, s] of [['wd2', 0.5], ['w1', 1], ['w5d4', 1.25], ['w3d2', 1.5], ['w2', 2]] as const) {
  definePreset({
    name: `espnetv2_${suffix}`,
    family: 'espnetv2',
    source: `${SRC}(s=${s}) (the parameters the reference builds but never runs are not counted: see the README)`,
    resolution: 224,
    build: (input) => espnetv2(s, input),
  });
}

defineFamily({
  name: 'espnetv2',
  doc: 'ESPNetv2: the width scale s and the number of EESP units at levels 3, 4 and 5',
  source: SRC,
  params: {
    scale: P.float({ default: 1, gt: 0, max: 4, doc: 'width scale s' }),
    depth: P.int({ default: 3, min: 0, max: 16, doc: 'EESP units at a level (3, 7, 3)' }),
    cifar: CIFAR,
  },
  units: { count: 3, params: ['depth'] },
  build: (v, input) => espnetv2(v.scale as number, input, (v.depth as number[] | undefined) ?? REPEATS, v.cifar as boolean),
});
