/**
 * MicroNet M0-M3 (liyunsheng13/micronet @ed89b26, backbone/micronet.py on backbone/microconfig.py's
 * rows, with the settings of scripts/eval_micronet_m{0..3}.sh over utils/defaults.py).
 */
import { type PresetInput, SpecAssembler, definePreset } from './registry.js';

/** microconfig.py rows: s, n, c, ks, c1, c2, g1, g2, c3, g3, g4, y1, y2, y3, r. */
type Row = [number, number, number, number, number, number, number, number, number, number, number, number, number, number, number];

const CFGS: Record<string, Row[]> = {
  msnx_dy6_exp4_4M_221: [
    [2, 1, 8, 3, 2, 2, 0, 4, 8, 2, 2, 2, 0, 1, 1],
    [2, 1, 12, 3, 2, 2, 0, 8, 12, 4, 4, 2, 2, 1, 1],
    [2, 1, 16, 5, 2, 2, 0, 12, 16, 4, 4, 2, 2, 1, 1],
    [1, 1, 32, 5, 1, 4, 4, 4, 32, 4, 4, 2, 2, 1, 1],
    [2, 1, 64, 5, 1, 4, 8, 8, 64, 8, 8, 2, 2, 1, 1],
    [1, 1, 96, 3, 1, 4, 8, 8, 96, 8, 8, 2, 2, 1, 2],
    [1, 1, 384, 3, 1, 4, 12, 12, 0, 0, 0, 2, 2, 1, 2],
  ],
  msnx_dy6_exp6_6M_221: [
    [2, 1, 8, 3, 2, 2, 0, 6, 8, 2, 2, 2, 0, 1, 1],
    [2, 1, 16, 3, 2, 2, 0, 8, 16, 4, 4, 2, 2, 1, 1],
    [2, 1, 16, 5, 2, 2, 0, 16, 16, 4, 4, 2, 2, 1, 1],
    [1, 1, 32, 5, 1, 6, 4, 4, 32, 4, 4, 2, 2, 1, 1],
    [2, 1, 64, 5, 1, 6, 8, 8, 64, 8, 8, 2, 2, 1, 1],
    [1, 1, 96, 3, 1, 6, 8, 8, 96, 8, 8, 2, 2, 1, 2],
    [1, 1, 576, 3, 1, 6, 12, 12, 0, 0, 0, 2, 2, 1, 2],
  ],
  msnx_dy9_exp6_12M_221: [
    [2, 1, 12, 3, 2, 2, 0, 8, 12, 4, 4, 2, 0, 1, 1],
    [2, 1, 16, 3, 2, 2, 0, 12, 16, 4, 4, 2, 2, 1, 1],
    [1, 1, 24, 3, 2, 2, 0, 16, 24, 4, 4, 2, 2, 1, 1],
    [2, 1, 32, 5, 1, 6, 6, 6, 32, 4, 4, 2, 2, 1, 1],
    [1, 1, 32, 5, 1, 6, 8, 8, 32, 4, 4, 2, 2, 1, 2],
    [1, 1, 64, 5, 1, 6, 8, 8, 64, 8, 8, 2, 2, 1, 2],
    [2, 1, 96, 5, 1, 6, 8, 8, 96, 8, 8, 2, 2, 1, 2],
    [1, 1, 128, 3, 1, 6, 12, 12, 128, 8, 8, 2, 2, 1, 2],
    [1, 1, 768, 3, 1, 6, 16, 16, 0, 0, 0, 2, 2, 1, 2],
  ],
  msnx_dy12_exp6_20M_020: [
    [2, 1, 16, 3, 2, 2, 0, 12, 16, 4, 4, 0, 2, 0, 1],
    [2, 1, 24, 3, 2, 2, 0, 16, 24, 4, 4, 0, 2, 0, 1],
    [1, 1, 24, 3, 2, 2, 0, 24, 24, 4, 4, 0, 2, 0, 1],
    [2, 1, 32, 5, 1, 6, 6, 6, 32, 4, 4, 0, 2, 0, 1],
    [1, 1, 32, 5, 1, 6, 8, 8, 32, 4, 4, 0, 2, 0, 2],
    [1, 1, 64, 5, 1, 6, 8, 8, 48, 8, 8, 0, 2, 0, 2],
    [1, 1, 80, 5, 1, 6, 8, 8, 80, 8, 8, 0, 2, 0, 2],
    [1, 1, 80, 5, 1, 6, 10, 10, 80, 8, 8, 0, 2, 0, 2],
    [2, 1, 120, 5, 1, 6, 10, 10, 120, 10, 10, 0, 2, 0, 2],
    [1, 1, 120, 5, 1, 6, 12, 12, 120, 10, 10, 0, 2, 0, 2],
    [1, 1, 144, 3, 1, 6, 12, 12, 144, 12, 12, 0, 2, 0, 2],
    [1, 1, 864, 3, 1, 6, 12, 12, 0, 0, 0, 0, 2, 0, 2],
  ],
};

/** The eval scripts' MODEL.MICRONETS and MODEL.ACTIVATION settings per model. */
const MODELS = {
  m0: { cfg: 'msnx_dy6_exp4_4M_221', stem: [2, 2], outCh: 640, dropout: 0.05, initA: [1, 1], initB: [0, 0] },
  m1: { cfg: 'msnx_dy6_exp6_6M_221', stem: [3, 2], outCh: 960, dropout: 0.05, initA: [1, 1], initB: [0, 0] },
  m2: { cfg: 'msnx_dy9_exp6_12M_221', stem: [4, 2], outCh: 1024, dropout: 0.1, initA: [1, 1], initB: [0, 0] },
  m3: { cfg: 'msnx_dy12_exp6_20M_020', stem: [4, 3], outCh: 1024, dropout: 0.1, initA: [1, 0.5], initB: [0, 0.5] },
} as const;
const REDUCTION = 8;

function micronet(m: (typeof MODELS)[keyof typeof MODELS], input: PresetInput) {
  const a = new SpecAssembler();
  a.add('features.0', 'micronet_stem', { w_out: m.stem[0] * m.stem[1], g1: m.stem[0] });
  CFGS[m.cfg].forEach(([s, n, c, k, c1, c2, g1, g2, , g3, g4, y1, y2, y3, r], i) => {
    for (let j = 0; j < n; j++) {
      a.add(`features.${i + 1}${n > 1 ? `.${j}` : ''}`, 'micro_block', {
        w_out: c, stride: j === 0 ? s : 1, k, c1, c2, g1, g2, g3: Math.max(1, g3), g4, y1, y2, y3, reduction: REDUCTION * r,
        init_a1: m.initA[0], init_a2: m.initA[1], init_b1: m.initB[0], init_b2: m.initB[1],
      }, `block${i + 1}`);
    }
  });
  a.add('head', 'micronet_head', { num_classes: input.classes, head_w: m.outCh, dropout: m.dropout });
  return a.spec(input);
}

for (const [name, m] of Object.entries(MODELS)) {
  definePreset({
    name: `micronet_${name}`,
    family: 'micronet',
    source: `liyunsheng13/micronet @ed89b26 backbone/micronet.py MicroNet (NET_CONFIG ${m.cfg}, STEM_GROUPS ${m.stem.join(',')}, OUT_CH ${m.outCh}, as scripts/eval_micronet_${name}.sh)`,
    resolution: 224,
    build: (input) => micronet(m, input),
  });
}
