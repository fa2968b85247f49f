/**
 * SqueezeNet 1.0 and 1.1 (torchvision 0.14 squeezenet.py), built by the paper's Fire metaparameters,
 * which reproduce both versions' Fire widths: fire i expands e_i = base_e + incr_e * floor(i / freq)
 * channels, a share pct_3x3 of them 3x3, and squeezes to SR * e_i. The versions differ in the stem
 * (7x7/2 96 vs 3x3/2 64, both unpadded) and in where the 3x3/2 ceil-mode max pools sit.
 */
import { P } from '../params.js';
import { CIFAR, type PresetInput, SpecAssembler, defineFamily, definePreset } from './registry.js';

const TV = 'torchvision 0.14 squeezenet.py';
const FIRES = 8;

/** Stem and the fires followed by a max pool (0-based), per version. */
const VERSIONS = {
  '1_0': { stem: { w_out: 96, k: 7 }, poolsAfter: [2, 6] },
  '1_1': { stem: { w_out: 64, k: 3 }, poolsAfter: [1, 3] },
} as const;
type Version = keyof typeof VERSIONS;

interface FireMeta {
  baseE: number;
  incrE: number;
  freq: number;
  pct3x3: number;
  sr: number;
}
const PAPER: FireMeta = { baseE: 128, incrE: 128, freq: 2, pct3x3: 0.5, sr: 0.125 };

function squeezenet(version: Version, meta: FireMeta, input: PresetInput, pools?: boolean[], cifar = false) {
  const v = VERSIONS[version];
  const a = new SpecAssembler();
  a.add('features.0', 'conv_stem', { ...v.stem, stride: cifar ? 1 : 2, pad: 0, bias: true, bn: false, pool: 'max_ceil' });
  let stage = 1;
  for (let i = 0; i < FIRES; i++) {
    const e = meta.baseE + meta.incrE * Math.floor(i / meta.freq);
    const e3 = Math.round(e * meta.pct3x3);
    a.add(`fire${i + 2}`, 'fire', { w_squeeze: Math.max(1, Math.round(e * meta.sr)), w_e1: e - e3, w_e3: e3 }, `stage${stage}`);
    if (i < FIRES - 1 && (pools ? pools[i] : (v.poolsAfter as readonly number[]).includes(i))) {
      a.add(`pool${i + 2}`, 'maxpool', { k: 3, stride: 2, ceil: true }, `stage${stage}`);
      stage++;
    }
  }
  a.add('classifier', 'conv_classifier_head', { num_classes: input.classes, dropout: 0.5 });
  return a.spec(input);
}

for (const version of ['1_0', '1_1'] as const) {
  definePreset({
    name: `squeezenet${version}`,
    family: 'squeezenet',
    source: `${TV} squeezenet${version} (Fire widths = base_e 128, incr_e 128, freq 2, pct_3x3 0.5, SR 0.125)`,
    resolution: 224,
    build: (input) => squeezenet(version, PAPER, input),
  });
}

defineFamily({
  name: 'squeezenet',
  doc: 'SqueezeNet\'s Fire metaparameters (base_e, incr_e, freq, pct_3x3, SR), the version\'s stem, and after each Fire module (8) whether a max pool follows',
  source: `${TV} SqueezeNet; Iandola et al. 2016, section 5 (metaparameters)`,
  params: {
    version: P.enum(['1_0', '1_1'], { default: '1_0', doc: 'stem (7x7 96 or 3x3 64) and the default pool placement' }),
    base_e: P.int({ default: 128, min: 4, max: 2048, doc: 'expand width of the first Fire module' }),
    incr_e: P.int({ default: 128, min: 0, max: 2048, doc: 'expand width added every freq modules' }),
    freq: P.int({ default: 2, min: 1, max: 8, doc: 'modules between width increases' }),
    pct_3x3: P.float({ default: 0.5, min: 0, max: 1, doc: 'share of 3x3 expands' }),
    sr: P.float({ default: 0.125, gt: 0, max: 1, doc: 'squeeze ratio: squeeze width over expand width' }),
    pool: P.bool({ default: false, doc: 'a 3x3/2 max pool after this Fire module (the last one never; the version\'s placement when not sampled)' }),
    cifar: CIFAR,
  },
  units: { count: FIRES, params: ['pool'] },
  build: (v, input) => squeezenet(v.version as Version, {
    baseE: v.base_e as number, incrE: v.incr_e as number, freq: v.freq as number, pct3x3: v.pct_3x3 as number, sr: v.sr as number,
  }, input, v.pool as boolean[] | undefined, v.cifar as boolean),
});
