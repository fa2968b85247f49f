/**
 * mobile-vision's FBNet builder (facebookresearch/mobile-vision @bb8465c, mobile_cv/arch/fbnet_v2),
 * reproduced: its architecture definitions (mobilevisionDefs.ts) built by its own rules. IRFBlock:
 * mid = get_divisible_by(in * expansion, width_divisor); the 1x1 expansion only when mid != in;
 * channel shuffle after a grouped expansion (_g2); SE ("sehsig") of get_divisible_by(int(mid * 0.25),
 * width_divisor) (over the expansion with less_se_channels) with the block's activation and a hard
 * sigmoid; biases when the def asks (fbnet_a/b/c); residual when in == out and stride 1. The skip op,
 * the conv_k* layers (biased convs), the IRPool block (expand, pool, 1x1 without BN) and ClsConvHead
 * (pool, biased 1x1 conv to the classes) likewise.
 */
import type { Activation } from '../ops.js';
import { getDivisibleBy } from '../rounding.js';
import { P } from '../params.js';
import { MV_ARCHS, type MvArch, type MvBlock } from './mobilevisionDefs.js';
import { CIFAR, type PresetInput, SpecAssembler, defineFamily, definePreset } from './registry.js';

const MV = 'mobile-vision @bb8465c';

/** A primitive's name: ir_k5_sehsig_hs = IRF, kernel 5, SE with hard sigmoid, hard-swish; conv_k3; skip; ir_pool_hs. */
function parseOp(op: string): { base: 'ir' | 'conv' | 'skip' | 'ir_pool'; k: number; act: Activation; se: boolean; groups: number } {
  const flags = op.split('_');
  const base = op === 'skip' ? 'skip' : op.startsWith('ir_pool') ? 'ir_pool' : flags[0];
  if (base !== 'ir' && base !== 'conv' && base !== 'skip' && base !== 'ir_pool') throw new Error(`mobile-vision op ${op}`);
  return {
    base,
    k: Number(/_k(\d+)/.exec(op)?.[1] ?? 1),
    act: flags.includes('hs') ? 'hswish' : 'relu',
    se: flags.includes('sehsig'),
    groups: flags.includes('g2') ? 2 : 1,
  };
}

function fbnet(arch: MvArch, input: PresetInput, cifar = false) {
  const a = new SpecAssembler();
  const d = arch.width_divisor;
  let wIn = input.channels;
  let headDone = false;
  let keepFirstStride = !cifar;
  const last = arch.stages.length - 1;
  arch.stages.forEach((stage, si) => {
    let bi = 0;
    for (const [op, c, s, n, o] of stage) {
      const spec = parseOp(op);
      for (let r = 0; r < n; r++) {
        const id = `xif${si}_${bi++}`;
        let stride = r === 0 ? s : 1;
        // 32px: the stem and the first strided block keep the resolution
        if (cifar && stride > 1 && (si === 0 || !keepFirstStride)) {
          stride = 1;
          if (si > 0) keepFirstStride = true;
        }
        if (spec.base === 'conv') {
          // ConvBNRelu with nn.Conv2d's default bias
          if (si === 0) a.add('stem', 'conv_stem', { w_out: c, k: spec.k, stride, act: spec.act, bias: true });
          else if (si === last) {
            a.add('head', 'conv_head', { num_classes: input.classes, head_w: c, act: spec.act, conv_bias: true });
            headDone = true;
          } else a.add(id, 'conv_bn_act', { w_out: c, k: spec.k, stride, act: spec.act, bias: true });
        } else if (spec.base === 'skip') {
          a.add(id, 'skip_block', { w_out: c, stride }, `s${si}`);
        } else if (spec.base === 'ir_pool') {
          const mid = getDivisibleBy(wIn * (o.expansion ?? 6), 8);
          if (mid !== wIn) a.add(id, 'conv_bn_act', { w_out: mid, k: 1, act: spec.act });
          a.add('head', 'post_gap_head', { num_classes: input.classes, head_w: c, act: spec.act, bias: false });
          headDone = true;
        } else {
          const e = o.expansion ?? 6;
          a.add(id, 'mbconv', {
            w_out: c, stride, k: spec.k, exp_r: e, mid_round: 'mv', mid_div: d,
            pw_groups: spec.groups, pw_shuffle: spec.groups > 1, pwl_groups: o.pwl_groups ?? 1,
            dw_pad: o.dw_args?.padding[0], act: spec.act, bias: o.bias ?? false,
            ...(spec.se ? { se_r: 0.25, se_base: o.less_se_channels ? 'mid_exp' : 'mid', se_round: 'mv_int', se_div: d, se_gate: 'hsigmoid' } : {}),
          }, `s${si}`);
        }
        wIn = c;
      }
    }
  });
  if (!headDone) throw new Error('a mobile-vision arch without a head stage');
  return a.spec(input);
}

for (const [name, preset] of [
  ['fbnet_a', 'fbnet_a'], ['fbnet_b', 'fbnet_b'], ['fbnet_c', 'fbnet_c'],
  ['fbnetv2_f0', 'FBNetV2_F0'], ['fbnetv2_f1', 'FBNetV2_F1'], ['fbnetv2_f2', 'FBNetV2_F2'], ['fbnetv2_f3', 'FBNetV2_F3'], ['fbnetv2_f4', 'FBNetV2_F4'],
  ['fbnetv2_l1', 'FBNetV2_L1'], ['fbnetv2_l2', 'FBNetV2_L2'],
  ...'abcdefg'.split('').map((x) => [`fbnetv3_${x}`, `FBNetV3_${x.toUpperCase()}`]),
] as const) {
  const arch = MV_ARCHS[preset];
  const file = preset.startsWith('FBNetV3') ? 'fbnet_modeldef_cls_fbnetv3.py' : preset.startsWith('FBNetV2') ? 'fbnet_modeldef_cls_fbnetv2.py' : 'fbnet_modeldef_cls_fbnet.py';
  definePreset({
    name,
    family: preset.startsWith('FBNetV3') ? 'fbnetv3' : preset.startsWith('FBNetV2') ? 'fbnetv2' : 'fbnet',
    source: `${MV} ${file} ${preset} (model_zoo fbnet("${preset}"))`,
    resolution: arch.input_size,
    build: (input) => fbnet(arch, input),
  });
}

/**
 * FBNet's search space (Wu et al. 2019): the fixed FBNet macro-architecture of fbnet_a/b/c (a 16-wide
 * stem; 22 searchable layers of widths 16 | 24 x4 | 32 x4 | 64 x4, 112 x4 | 184 x4, 352 with their
 * strides; a 1984-wide conv_k1 and the classifier) with one of nine ops per layer.
 */
export const FBNET_OPS = ['k3_e1', 'k3_e1_g2', 'k3_e3', 'k3_e6', 'k5_e1', 'k5_e1_g2', 'k5_e3', 'k5_e6', 'skip'] as const;
const FBNET_LAYERS: [number, number][] = [
  [16, 1],
  [24, 2], [24, 1], [24, 1], [24, 1],
  [32, 2], [32, 1], [32, 1], [32, 1],
  [64, 2], [64, 1], [64, 1], [64, 1], [112, 1], [112, 1], [112, 1], [112, 1],
  [184, 2], [184, 1], [184, 1], [184, 1], [352, 1],
];
const STAGE_OF = [1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5];

/** One layer of the FBNet space as a mobile-vision block entry. */
function fbnetLayer(op: string, c: number, s: number): MvBlock {
  if (op === 'skip') return ['skip', c, s, 1, {}];
  const [k, e, g] = op.split('_');
  return [`ir_${k}${g ? '_g2' : ''}`, c, s, 1, { expansion: Number(e.slice(1)), bias: true, ...(g ? { pwl_groups: 2 } : {}) }];
}

defineFamily({
  name: 'fbnet',
  doc: 'FBNet\'s per-layer choice space: on the fixed fbnet_a/b/c macro-architecture, each of 22 layers one of k3/k5 x e1/e3/e6 (e1 also with 2-group pointwise convs and shuffle) or skip',
  source: `${MV} fbnet_modeldef_cls_fbnet.py (fbnet_a/b/c macro-architecture, IRFBlock with biases, width_divisor 1)`,
  params: { op: P.enum(FBNET_OPS, { default: 'k3_e6', doc: 'the op of a layer' }), cifar: CIFAR },
  units: { count: FBNET_LAYERS.length, params: ['op'] },
  build(v, input) {
    const ops = (v.op as string[] | undefined) ?? FBNET_LAYERS.map(() => 'k3_e6');
    const stages: MvBlock[][] = [[['conv_k3', 16, 2, 1, {}]], [], [], [], [], [], [['conv_k1', 1984, 1, 1, {}]]];
    FBNET_LAYERS.forEach(([c, s], i) => stages[STAGE_OF[i]].push(fbnetLayer(ops[i], c, s)));
    return fbnet({ input_size: 224, width_divisor: 1, stages }, input, v.cifar as boolean);
  },
});
