/**
 * timm's EfficientNet-family builder, reproduced: its compact block strings
 * (`ir_r2_k3_s2_e6_c24_se0.25`), decoded as `_decode_block_str` does, depth-scaled as
 * `_scale_stage_depth`, widths rounded by `round_channels`, and built into dse node types with the
 * EfficientNet or MobileNetV3 model class's stem, SE and head. The architecture strings are copied
 * verbatim from timm's `_gen_*` functions (pytorch-image-models @aa4b585, 1.0.29.dev0).
 */
import { roundHalfEven } from '../../util/round.js';
import type { Activation } from '../ops.js';
import { makeDivisible } from '../rounding.js';
import { P } from '../params.js';
import { CIFAR, type PresetInput, SpecAssembler, defineFamily, definePreset } from './registry.js';

const TIMM = 'timm @aa4b585 (1.0.29.dev0)';

interface TimmBlock {
  type: 'ds' | 'dsa' | 'ir' | 'er' | 'cn';
  repeat: number;
  k: number[];
  stride: number;
  exp: number;
  out: number;
  se: number;
  act?: Activation;
  noskip: boolean;
  /** er: the width the expansion is computed from (fc<N>). */
  forceIn?: number;
  /** kernel lists of the expansion / projection 1x1 convs (a1.1, p1.1): their length is the group count */
  expK: number[];
  pwK: number[];
}

const ACT_CODES: Record<string, Activation> = { re: 'relu', r6: 'relu6', hs: 'hswish', sw: 'silu' };

/** One block string, as timm's _decode_block_str. */
export function decodeBlock(s: string): TimmBlock {
  const [type, ...ops] = s.split('_');
  if (!['ds', 'dsa', 'ir', 'er', 'cn'].includes(type)) throw new Error(`timm block type ${type} in "${s}"`);
  const b: TimmBlock = { type: type as TimmBlock['type'], repeat: 1, k: [3], stride: 1, exp: 1, out: 0, se: 0, noskip: type === 'dsa', expK: [1], pwK: [1] };
  for (const op of ops) {
    if (op === 'noskip') b.noskip = true;
    else if (op === 'skip') b.noskip = false;
    else if (op.startsWith('n') && ACT_CODES[op.slice(1)]) b.act = ACT_CODES[op.slice(1)];
    else {
      const m = /^([a-z]+)(\d.*)$/.exec(op);
      if (!m) throw new Error(`timm block option "${op}" in "${s}"`);
      const list = m[2].split('.').map(Number);
      const v = Number(m[2]);
      switch (m[1]) {
        case 'r': b.repeat = v; break;
        case 'k': b.k = list; break;
        case 's': b.stride = v; break;
        case 'e': b.exp = v; break;
        case 'c': b.out = v; break;
        case 'se': b.se = v; break;
        case 'fc': b.forceIn = v; break;
        case 'a': b.expK = list; break;
        case 'p': b.pwK = list; break;
        default: throw new Error(`timm block option "${op}" in "${s}"`);
      }
    }
  }
  return b;
}

/** timm's _scale_stage_depth: the stage's repeats scaled, the change spread from the last block string back. */
export function scaleStageDepth(repeats: number[], multiplier: number, trunc: 'ceil' | 'round'): number[] {
  let numRepeat = repeats.reduce((a, b) => a + b, 0);
  let scaled = trunc === 'round' ? Math.max(1, roundHalfEven(numRepeat * multiplier)) : Math.ceil(numRepeat * multiplier);
  const out: number[] = [];
  for (const r of [...repeats].reverse()) {
    const rs = Math.max(1, roundHalfEven((r / numRepeat) * scaled));
    out.push(rs);
    numRepeat -= r;
    scaled -= rs;
  }
  return out.reverse();
}

interface TimmModel {
  arch: string[][];
  /** round_chs_fn multiplier (round_channels, divisor 8). */
  cm: number;
  roundLimit?: number;
  dm?: number;
  depthTrunc?: 'ceil' | 'round';
  fixFirstLast?: boolean;
  stem: number;
  fixStem?: boolean;
  act: Activation;
  /** Head width; 0: no head conv (mobilenetv1). */
  numFeatures: number;
  /** EfficientNet class (conv head before pooling) or MobileNetV3 class (layer after pooling, se_from_exp). */
  cls: 'efficientnet' | 'mobilenetv3';
  headBias?: boolean;
  /** MobileNetV3-class SE: hard-sigmoid gate, ReLU inside, round_channels (tf) or builtin round. */
  seRound?: 'tf' | 'round';
  /** 32px adaptation: stride 1 in the stem and in the first strided block. */
  cifar?: boolean;
}

function build(m: TimmModel, input: PresetInput) {
  const round = (c: number) => makeDivisible(c * m.cm, 8, 8, m.roundLimit ?? 0.9);
  const a = new SpecAssembler();
  const stemW = m.fixStem ? m.stem : round(m.stem);
  a.add('stem', 'conv_stem', { w_out: stemW, act: m.act, stride: m.cifar ? 1 : 2 });
  let wIn = stemW;
  let keepFirstStride = !m.cifar;
  const mnv3 = m.cls === 'mobilenetv3';
  m.arch.forEach((stage, si) => {
    const blocks = stage.map(decodeBlock);
    const fixed = m.fixFirstLast && (si === 0 || si === m.arch.length - 1);
    const repeats = scaleStageDepth(blocks.map((b) => b.repeat), fixed ? 1 : (m.dm ?? 1), m.depthTrunc ?? 'ceil');
    let j = 0;
    blocks.forEach((b, bi) => {
      for (let r = 0; r < repeats[bi]; r++) {
        const id = `blocks.${si}.${j}`;
        let stride = j === 0 ? b.stride : 1;
        if (stride > 1 && !keepFirstStride) {
          stride = 1;
          keepFirstStride = true;
        }
        const out = round(b.out);
        const act = b.act ?? m.act;
        const skip = !b.noskip;
        const se = b.se > 0 ? { se_r: b.se, se_act: mnv3 ? 'relu' : 'block', se_gate: mnv3 ? 'hsigmoid' : 'sigmoid', se_round: mnv3 ? (m.seRound ?? 'tf') : 'round' } : {};
        if (b.type === 'ds' || b.type === 'dsa') {
          a.add(id, 'ds_block', { w_out: out, stride, k: b.k, act, pw_act: b.type === 'dsa', skip, ...se, se_base: 'in' }, `s${si + 1}`);
        } else if (b.type === 'ir') {
          const mid = makeDivisible(wIn * b.exp);
          a.add(id, 'mbconv', {
            w_out: out, stride, k: b.k, exp_r: b.exp, w_mid: mid, always_pw: true, pw_groups: b.expK.length, pwl_groups: b.pwK.length, act, skip,
            ...se, se_base: mnv3 ? 'mid' : 'mid_exp',
          }, `s${si + 1}`);
        } else if (b.type === 'er') {
          const mid = makeDivisible((b.forceIn ? round(b.forceIn) : wIn) * b.exp);
          a.add(id, 'fused_mbconv', { w_out: out, stride, k: b.k[0], exp_r: b.exp, w_mid: mid, act, skip, ...se, se_base: mnv3 ? 'mid' : 'mid_exp' }, `s${si + 1}`);
        } else {
          a.add(id, 'conv_bn_act', { w_out: out, k: b.k[0], stride, act });
        }
        wIn = out;
        j++;
      }
    });
  });
  if (mnv3) a.add('head', 'post_gap_head', { num_classes: input.classes, head_w: m.numFeatures, act: m.act, bias: m.headBias ?? true });
  else a.add('head', 'conv_head', { num_classes: input.classes, head_w: m.numFeatures, act: m.act });
  return a.spec(input);
}

function timmPreset(name: string, family: string, fn: string, resolution: number, model: () => TimmModel): void {
  definePreset({ name, family, source: `${TIMM} ${fn}`, resolution, build: (input) => build(model(), input) });
}

const WIDTH = P.float({ default: 1, gt: 0, max: 4, doc: 'channel multiplier (round_channels, divisor 8)' });
const DEPTH = P.float({ default: 1, gt: 0, max: 4, doc: 'depth multiplier (per stage, ceil)' });

/** round_channels(c, multiplier) with timm's defaults, for head widths that the generators scale. */
const roundChannels = (c: number, multiplier: number, limit = 0.9) => makeDivisible(c * multiplier, 8, 8, limit);

// ---------------------------------------------------------------- MobileNetV1 (efficientnet.py _gen_mobilenet_v1)

const MOBILENETV1 = [['dsa_r1_k3_s1_c64'], ['dsa_r2_k3_s2_c128'], ['dsa_r2_k3_s2_c256'], ['dsa_r6_k3_s2_c512'], ['dsa_r2_k3_s2_c1024']];
for (const [suffix, cm] of [['100', 1.0], ['125', 1.25], ['075', 0.75], ['050', 0.5], ['025', 0.25]] as const) {
  timmPreset(`mobilenetv1_${suffix}`, 'mobilenetv1', `efficientnet.py _gen_mobilenet_v1(channel_multiplier=${cm})`, 224, () => ({
    arch: MOBILENETV1, cm, stem: 32, act: 'relu6', numFeatures: 0, cls: 'efficientnet',
  }));
}

// ---------------------------------------------------------------- MobileNetV2 (_gen_mobilenet_v2)

const MOBILENETV2 = [['ds_r1_k3_s1_c16'], ['ir_r2_k3_s2_e6_c24'], ['ir_r3_k3_s2_e6_c32'], ['ir_r4_k3_s2_e6_c64'], ['ir_r3_k3_s1_e6_c96'], ['ir_r3_k3_s2_e6_c160'], ['ir_r1_k3_s1_e6_c320']];
/** _gen_mobilenet_v2: the head stays 1280 unless the width exceeds 1; fix_stem_head keeps the stem, the last block and the head. */
const mobilenetV2 = (cm: number, dm: number, fix = false): TimmModel => ({
  arch: MOBILENETV2, cm, dm, fixFirstLast: fix, stem: 32, fixStem: fix, act: 'relu6',
  numFeatures: fix ? 1280 : Math.max(1280, roundChannels(1280, cm)), cls: 'efficientnet',
});
for (const [suffix, cm, dm, fix] of [['035', 0.35, 1, false], ['050', 0.5, 1, false], ['075', 0.75, 1, false], ['100', 1.0, 1, false], ['140', 1.4, 1, false], ['110d', 1.1, 1.2, true], ['120d', 1.2, 1.4, true]] as const) {
  timmPreset(`mobilenetv2_${suffix}`, 'mobilenetv2', `efficientnet.py _gen_mobilenet_v2(channel_multiplier=${cm}, depth_multiplier=${dm}, fix_stem_head=${fix ? 'True' : 'False'})`, 224, () => mobilenetV2(cm, dm, fix));
}

defineFamily({
  name: 'mobilenetv2',
  doc: 'MobileNetV2 with a width and a depth multiplier (the head stays 1280 unless the width exceeds 1)',
  source: `${TIMM} efficientnet.py _gen_mobilenet_v2`,
  params: { width_mult: WIDTH, depth_mult: DEPTH, cifar: CIFAR },
  build: (v, input) => build({ ...mobilenetV2(v.width_mult as number, v.depth_mult as number), cifar: v.cifar as boolean }, input),
});

// ---------------------------------------------------------------- MobileNetV3 (mobilenetv3.py _gen_mobilenet_v3)

const MNV3_LARGE = [
  ['ds_r1_k3_s1_e1_c16_nre'],
  ['ir_r1_k3_s2_e4_c24_nre', 'ir_r1_k3_s1_e3_c24_nre'],
  ['ir_r3_k5_s2_e3_c40_se0.25_nre'],
  ['ir_r1_k3_s2_e6_c80', 'ir_r1_k3_s1_e2.5_c80', 'ir_r2_k3_s1_e2.3_c80'],
  ['ir_r2_k3_s1_e6_c112_se0.25'],
  ['ir_r3_k5_s2_e6_c160_se0.25'],
  ['cn_r1_k1_s1_c960'],
];
const MNV3_SMALL = [
  ['ds_r1_k3_s2_e1_c16_se0.25_nre'],
  ['ir_r1_k3_s2_e4.5_c24_nre', 'ir_r1_k3_s1_e3.67_c24_nre'],
  ['ir_r1_k5_s2_e4_c40_se0.25', 'ir_r2_k5_s1_e6_c40_se0.25'],
  ['ir_r2_k5_s1_e3_c48_se0.25'],
  ['ir_r3_k5_s2_e6_c96_se0.25'],
  ['cn_r1_k1_s1_c576'],
];
const MNV3_LARGE_MINIMAL = [
  ['ds_r1_k3_s1_e1_c16'],
  ['ir_r1_k3_s2_e4_c24', 'ir_r1_k3_s1_e3_c24'],
  ['ir_r3_k3_s2_e3_c40'],
  ['ir_r1_k3_s2_e6_c80', 'ir_r1_k3_s1_e2.5_c80', 'ir_r2_k3_s1_e2.3_c80'],
  ['ir_r2_k3_s1_e6_c112'],
  ['ir_r3_k3_s2_e6_c160'],
  ['cn_r1_k1_s1_c960'],
];
const MNV3_SMALL_MINIMAL = [
  ['ds_r1_k3_s2_e1_c16'],
  ['ir_r1_k3_s2_e4.5_c24', 'ir_r1_k3_s1_e3.67_c24'],
  ['ir_r1_k3_s2_e4_c40', 'ir_r2_k3_s1_e6_c40'],
  ['ir_r2_k3_s1_e3_c48'],
  ['ir_r3_k3_s2_e6_c96'],
  ['cn_r1_k1_s1_c576'],
];
/** _gen_mobilenet_v3: a 16-wide stem (not scaled below width 0.75), the head after pooling, SE rounded by round_channels. */
const mobilenetV3 = (arch: string[][], cm: number, dm: number, numFeatures: number, act: Activation = 'hswish'): TimmModel => ({
  arch, cm, dm, stem: 16, fixStem: cm < 0.75, act, numFeatures, cls: 'mobilenetv3', headBias: true, seRound: 'tf',
});
for (const [name, arch, cm, nf, act] of [
  ['mobilenetv3_large_075', MNV3_LARGE, 0.75, 1280, 'hswish'],
  ['mobilenetv3_large_100', MNV3_LARGE, 1.0, 1280, 'hswish'],
  ['mobilenetv3_small_050', MNV3_SMALL, 0.5, 1024, 'hswish'],
  ['mobilenetv3_small_075', MNV3_SMALL, 0.75, 1024, 'hswish'],
  ['mobilenetv3_small_100', MNV3_SMALL, 1.0, 1024, 'hswish'],
  ['mobilenetv3_large_minimal_100', MNV3_LARGE_MINIMAL, 1.0, 1280, 'relu'],
  ['mobilenetv3_small_minimal_100', MNV3_SMALL_MINIMAL, 1.0, 1024, 'relu'],
] as const) {
  timmPreset(name, 'mobilenetv3', `mobilenetv3.py _gen_mobilenet_v3('${name}', channel_multiplier=${cm})${name.includes('minimal') ? ' (timm registers it as tf_' + name + ')' : ''}`, 224, () =>
    mobilenetV3(arch as unknown as string[][], cm, 1, nf, act as Activation),
  );
}
timmPreset('mobilenetv3_large_150d', 'mobilenetv3', "mobilenetv3.py _gen_mobilenet_v3('mobilenetv3_large_150d', 1.5, depth_multiplier=1.2)", 256, () => mobilenetV3(MNV3_LARGE, 1.5, 1.2, 1280));

defineFamily({
  name: 'mobilenetv3',
  doc: 'MobileNetV3 large or small with width and depth multipliers (the stem stays 16 below width 0.75)',
  source: `${TIMM} mobilenetv3.py _gen_mobilenet_v3(channel_multiplier, depth_multiplier)`,
  params: { variant: P.enum(['large', 'small'], { default: 'large', doc: 'the large or the small table' }), width_mult: WIDTH, depth_mult: DEPTH, cifar: CIFAR },
  build: (v, input) => {
    const large = v.variant === 'large';
    return build({ ...mobilenetV3(large ? MNV3_LARGE : MNV3_SMALL, v.width_mult as number, v.depth_mult as number, large ? 1280 : 1024), cifar: v.cifar as boolean }, input);
  },
});

// ---------------------------------------------------------------- MnasNet (_gen_mnasnet_b1, _gen_mnasnet_a1, _gen_mnasnet_small)

const MNASNET_B1 = [['ds_r1_k3_s1_c16_noskip'], ['ir_r3_k3_s2_e3_c24'], ['ir_r3_k5_s2_e3_c40'], ['ir_r3_k5_s2_e6_c80'], ['ir_r2_k3_s1_e6_c96'], ['ir_r4_k5_s2_e6_c192'], ['ir_r1_k3_s1_e6_c320_noskip']];
const MNASNET_A1 = [['ds_r1_k3_s1_e1_c16_noskip'], ['ir_r2_k3_s2_e6_c24'], ['ir_r3_k5_s2_e3_c40_se0.25'], ['ir_r4_k3_s2_e6_c80'], ['ir_r2_k3_s1_e6_c112_se0.25'], ['ir_r3_k5_s2_e6_c160_se0.25'], ['ir_r1_k3_s1_e6_c320']];
const MNASNET_SMALL = [['ds_r1_k3_s1_c8'], ['ir_r1_k3_s2_e3_c16'], ['ir_r2_k3_s2_e6_c16'], ['ir_r4_k5_s2_e6_c32_se0.25'], ['ir_r3_k3_s1_e6_c32_se0.25'], ['ir_r3_k5_s2_e6_c88_se0.25'], ['ir_r1_k3_s1_e6_c144']];
/** _gen_mnasnet_*: ReLU, a 1280-wide conv head. */
const mnasnet = (arch: string[][], cm: number, stem = 32): TimmModel => ({ arch, cm, stem, act: 'relu', numFeatures: 1280, cls: 'efficientnet' });
for (const [suffix, cm] of [['050', 0.5], ['075', 0.75], ['100', 1.0], ['140', 1.4]] as const) {
  timmPreset(`mnasnet_${suffix}`, 'mnasnet', `efficientnet.py _gen_mnasnet_b1(channel_multiplier=${cm})`, 224, () => mnasnet(MNASNET_B1, cm));
  timmPreset(`semnasnet_${suffix}`, 'mnasnet', `efficientnet.py _gen_mnasnet_a1(channel_multiplier=${cm})`, 224, () => mnasnet(MNASNET_A1, cm));
}
defineFamily({
  name: 'mnasnet',
  doc: 'MnasNet-B1, or A1 (with SE), with a width multiplier',
  source: `${TIMM} efficientnet.py _gen_mnasnet_b1 / _gen_mnasnet_a1`,
  params: { variant: P.enum(['b1', 'a1'], { default: 'b1', doc: 'B1 (no SE) or A1 (SE)' }), width_mult: WIDTH, cifar: CIFAR },
  build: (v, input) => build({ ...mnasnet(v.variant === 'a1' ? MNASNET_A1 : MNASNET_B1, v.width_mult as number), cifar: v.cifar as boolean }, input),
});
timmPreset('mnasnet_small', 'mnasnet', 'efficientnet.py _gen_mnasnet_small(channel_multiplier=1.0)', 224, () => mnasnet(MNASNET_SMALL, 1, 8));

// ---------------------------------------------------------------- FBNet-C (_gen_fbnetc)

timmPreset('fbnetc_100', 'fbnet', 'efficientnet.py _gen_fbnetc(channel_multiplier=1.0)', 224, () => ({
  arch: [
    ['ir_r1_k3_s1_e1_c16'],
    ['ir_r1_k3_s2_e6_c24', 'ir_r2_k3_s1_e1_c24'],
    ['ir_r1_k5_s2_e6_c32', 'ir_r1_k5_s1_e3_c32', 'ir_r1_k5_s1_e6_c32', 'ir_r1_k3_s1_e6_c32'],
    ['ir_r1_k5_s2_e6_c64', 'ir_r1_k5_s1_e3_c64', 'ir_r2_k5_s1_e6_c64'],
    ['ir_r3_k5_s1_e6_c112', 'ir_r1_k5_s1_e3_c112'],
    ['ir_r4_k5_s2_e6_c184'],
    ['ir_r1_k3_s1_e6_c352'],
  ],
  cm: 1, stem: 16, act: 'relu', numFeatures: 1984, cls: 'efficientnet',
}));

// ---------------------------------------------------------------- EfficientNet-Lite, EdgeTPU-S, B8 (_gen_efficientnet_lite, _edge, _gen_efficientnet)

const EFFNET_LITE = [['ds_r1_k3_s1_e1_c16'], ['ir_r2_k3_s2_e6_c24'], ['ir_r2_k5_s2_e6_c40'], ['ir_r3_k3_s2_e6_c80'], ['ir_r3_k5_s1_e6_c112'], ['ir_r4_k5_s2_e6_c192'], ['ir_r1_k3_s1_e6_c320']];
for (const [i, cm, dm, res] of [[0, 1.0, 1.0, 224], [1, 1.0, 1.1, 240], [2, 1.1, 1.2, 260], [3, 1.2, 1.4, 300], [4, 1.4, 1.8, 380]] as const) {
  timmPreset(`efficientnet_lite${i}`, 'efficientnet_lite', `efficientnet.py _gen_efficientnet_lite(channel_multiplier=${cm}, depth_multiplier=${dm})`, res, () => ({
    arch: EFFNET_LITE, cm, dm, fixFirstLast: true, stem: 32, fixStem: true, act: 'relu6', numFeatures: 1280, cls: 'efficientnet',
  }));
}
timmPreset('efficientnet_es', 'efficientnet_edge', 'efficientnet.py _gen_efficientnet_edge(channel_multiplier=1.0, depth_multiplier=1.0)', 224, () => ({
  arch: [['er_r1_k3_s1_e4_c24_fc24_noskip'], ['er_r2_k3_s2_e8_c32'], ['er_r4_k3_s2_e8_c48'], ['ir_r5_k5_s2_e8_c96'], ['ir_r4_k5_s1_e8_c144'], ['ir_r2_k5_s2_e8_c192']],
  cm: 1, stem: 32, act: 'relu', numFeatures: roundChannels(1280, 1), cls: 'efficientnet',
}));
const EFFNET = [
  ['ds_r1_k3_s1_e1_c16_se0.25'], ['ir_r2_k3_s2_e6_c24_se0.25'], ['ir_r2_k5_s2_e6_c40_se0.25'], ['ir_r3_k3_s2_e6_c80_se0.25'],
  ['ir_r3_k5_s1_e6_c112_se0.25'], ['ir_r4_k5_s2_e6_c192_se0.25'], ['ir_r1_k3_s1_e6_c320_se0.25'],
];
timmPreset('efficientnet_b8', 'efficientnet', 'efficientnet.py _gen_efficientnet(channel_multiplier=2.2, depth_multiplier=3.6)', 672, () => ({
  arch: EFFNET, cm: 2.2, dm: 3.6, stem: 32, act: 'silu', numFeatures: roundChannels(1280, 2.2), cls: 'efficientnet',
}));

// ---------------------------------------------------------------- HardCoReNAS (hardcorenas.py _gen_hardcorenas)

const HARDCORENAS: Record<string, string[][]> = {
  a: [['ds_r1_k3_s1_e1_c16_nre'], ['ir_r1_k5_s2_e3_c24_nre', 'ir_r1_k5_s1_e3_c24_nre_se0.25'],
    ['ir_r1_k5_s2_e3_c40_nre', 'ir_r1_k5_s1_e6_c40_nre_se0.25'],
    ['ir_r1_k5_s2_e6_c80_se0.25', 'ir_r1_k5_s1_e6_c80_se0.25'],
    ['ir_r1_k5_s1_e6_c112_se0.25', 'ir_r1_k5_s1_e6_c112_se0.25'],
    ['ir_r1_k5_s2_e6_c192_se0.25', 'ir_r1_k5_s1_e6_c192_se0.25'], ['cn_r1_k1_s1_c960']],
  b: [['ds_r1_k3_s1_e1_c16_nre'],
    ['ir_r1_k5_s2_e3_c24_nre', 'ir_r1_k5_s1_e3_c24_nre_se0.25', 'ir_r1_k3_s1_e3_c24_nre'],
    ['ir_r1_k5_s2_e3_c40_nre', 'ir_r1_k5_s1_e3_c40_nre', 'ir_r1_k5_s1_e3_c40_nre'],
    ['ir_r1_k5_s2_e3_c80', 'ir_r1_k5_s1_e3_c80', 'ir_r1_k3_s1_e3_c80', 'ir_r1_k3_s1_e3_c80'],
    ['ir_r1_k5_s1_e3_c112', 'ir_r1_k3_s1_e3_c112', 'ir_r1_k3_s1_e3_c112', 'ir_r1_k3_s1_e3_c112'],
    ['ir_r1_k5_s2_e6_c192_se0.25', 'ir_r1_k5_s1_e6_c192_se0.25', 'ir_r1_k3_s1_e3_c192_se0.25'],
    ['cn_r1_k1_s1_c960']],
  c: [['ds_r1_k3_s1_e1_c16_nre'], ['ir_r1_k5_s2_e3_c24_nre', 'ir_r1_k5_s1_e3_c24_nre_se0.25'],
    ['ir_r1_k5_s2_e3_c40_nre', 'ir_r1_k5_s1_e3_c40_nre', 'ir_r1_k5_s1_e3_c40_nre',
      'ir_r1_k5_s1_e3_c40_nre'],
    ['ir_r1_k5_s2_e4_c80', 'ir_r1_k5_s1_e6_c80_se0.25', 'ir_r1_k3_s1_e3_c80', 'ir_r1_k3_s1_e3_c80'],
    ['ir_r1_k5_s1_e6_c112_se0.25', 'ir_r1_k3_s1_e3_c112', 'ir_r1_k3_s1_e3_c112', 'ir_r1_k3_s1_e3_c112'],
    ['ir_r1_k5_s2_e6_c192_se0.25', 'ir_r1_k5_s1_e6_c192_se0.25', 'ir_r1_k3_s1_e3_c192_se0.25'],
    ['cn_r1_k1_s1_c960']],
  d: [['ds_r1_k3_s1_e1_c16_nre'], ['ir_r1_k5_s2_e3_c24_nre_se0.25', 'ir_r1_k5_s1_e3_c24_nre_se0.25'],
    ['ir_r1_k5_s2_e3_c40_nre_se0.25', 'ir_r1_k5_s1_e4_c40_nre_se0.25', 'ir_r1_k3_s1_e3_c40_nre_se0.25'],
    ['ir_r1_k5_s2_e4_c80_se0.25', 'ir_r1_k3_s1_e3_c80_se0.25', 'ir_r1_k3_s1_e3_c80_se0.25',
      'ir_r1_k3_s1_e3_c80_se0.25'],
    ['ir_r1_k3_s1_e4_c112_se0.25', 'ir_r1_k5_s1_e4_c112_se0.25', 'ir_r1_k3_s1_e3_c112_se0.25',
      'ir_r1_k5_s1_e3_c112_se0.25'],
    ['ir_r1_k5_s2_e6_c192_se0.25', 'ir_r1_k5_s1_e6_c192_se0.25', 'ir_r1_k5_s1_e6_c192_se0.25',
      'ir_r1_k3_s1_e6_c192_se0.25'], ['cn_r1_k1_s1_c960']],
  e: [['ds_r1_k3_s1_e1_c16_nre'], ['ir_r1_k5_s2_e3_c24_nre_se0.25', 'ir_r1_k5_s1_e3_c24_nre_se0.25'],
    ['ir_r1_k5_s2_e6_c40_nre_se0.25', 'ir_r1_k5_s1_e4_c40_nre_se0.25', 'ir_r1_k5_s1_e4_c40_nre_se0.25',
      'ir_r1_k3_s1_e3_c40_nre_se0.25'], ['ir_r1_k5_s2_e4_c80_se0.25', 'ir_r1_k3_s1_e6_c80_se0.25'],
    ['ir_r1_k5_s1_e6_c112_se0.25', 'ir_r1_k5_s1_e6_c112_se0.25', 'ir_r1_k5_s1_e6_c112_se0.25',
      'ir_r1_k5_s1_e3_c112_se0.25'],
    ['ir_r1_k5_s2_e6_c192_se0.25', 'ir_r1_k5_s1_e6_c192_se0.25', 'ir_r1_k5_s1_e6_c192_se0.25',
      'ir_r1_k3_s1_e6_c192_se0.25'], ['cn_r1_k1_s1_c960']],
  f: [['ds_r1_k3_s1_e1_c16_nre'], ['ir_r1_k5_s2_e3_c24_nre_se0.25', 'ir_r1_k5_s1_e3_c24_nre_se0.25'],
    ['ir_r1_k5_s2_e6_c40_nre_se0.25', 'ir_r1_k5_s1_e6_c40_nre_se0.25'],
    ['ir_r1_k5_s2_e6_c80_se0.25', 'ir_r1_k5_s1_e6_c80_se0.25', 'ir_r1_k3_s1_e3_c80_se0.25',
      'ir_r1_k3_s1_e3_c80_se0.25'],
    ['ir_r1_k3_s1_e6_c112_se0.25', 'ir_r1_k5_s1_e6_c112_se0.25', 'ir_r1_k5_s1_e6_c112_se0.25',
      'ir_r1_k3_s1_e3_c112_se0.25'],
    ['ir_r1_k5_s2_e6_c192_se0.25', 'ir_r1_k5_s1_e6_c192_se0.25', 'ir_r1_k3_s1_e6_c192_se0.25',
      'ir_r1_k3_s1_e6_c192_se0.25'], ['cn_r1_k1_s1_c960']],
};
for (const [letter, arch] of Object.entries(HARDCORENAS)) {
  timmPreset(`hardcorenas_${letter}`, 'hardcorenas', `hardcorenas.py _gen_hardcorenas(arch_def=hardcorenas_${letter})`, 224, () => ({
    arch, cm: 1, stem: 32, act: 'hswish', numFeatures: 1280, cls: 'mobilenetv3', headBias: true, seRound: 'tf',
  }));
}

// ---------------------------------------------------------------- MixNet (_gen_mixnet_s, _gen_mixnet_m)

const MIXNET_S = [
  ['ds_r1_k3_s1_e1_c16'],
  ['ir_r1_k3_a1.1_p1.1_s2_e6_c24', 'ir_r1_k3_a1.1_p1.1_s1_e3_c24'],
  ['ir_r1_k3.5.7_s2_e6_c40_se0.5_nsw', 'ir_r3_k3.5_a1.1_p1.1_s1_e6_c40_se0.5_nsw'],
  ['ir_r1_k3.5.7_p1.1_s2_e6_c80_se0.25_nsw', 'ir_r2_k3.5_p1.1_s1_e6_c80_se0.25_nsw'],
  ['ir_r1_k3.5.7_a1.1_p1.1_s1_e6_c120_se0.5_nsw', 'ir_r2_k3.5.7.9_a1.1_p1.1_s1_e3_c120_se0.5_nsw'],
  ['ir_r1_k3.5.7.9.11_s2_e6_c200_se0.5_nsw', 'ir_r2_k3.5.7.9_p1.1_s1_e6_c200_se0.5_nsw'],
];
const MIXNET_M = [
  ['ds_r1_k3_s1_e1_c24'],
  ['ir_r1_k3.5.7_a1.1_p1.1_s2_e6_c32', 'ir_r1_k3_a1.1_p1.1_s1_e3_c32'],
  ['ir_r1_k3.5.7.9_s2_e6_c40_se0.5_nsw', 'ir_r3_k3.5_a1.1_p1.1_s1_e6_c40_se0.5_nsw'],
  ['ir_r1_k3.5.7_s2_e6_c80_se0.25_nsw', 'ir_r3_k3.5.7.9_a1.1_p1.1_s1_e6_c80_se0.25_nsw'],
  ['ir_r1_k3_s1_e6_c120_se0.5_nsw', 'ir_r3_k3.5.7.9_a1.1_p1.1_s1_e3_c120_se0.5_nsw'],
  ['ir_r1_k3.5.7.9_s2_e6_c200_se0.5_nsw', 'ir_r3_k3.5.7.9_p1.1_s1_e6_c200_se0.5_nsw'],
];
timmPreset('mixnet_s', 'mixnet', 'efficientnet.py _gen_mixnet_s(channel_multiplier=1.0)', 224, () => ({ arch: MIXNET_S, cm: 1, stem: 16, act: 'relu', numFeatures: 1536, cls: 'efficientnet' }));
timmPreset('mixnet_m', 'mixnet', 'efficientnet.py _gen_mixnet_m(channel_multiplier=1.0)', 224, () => ({ arch: MIXNET_M, cm: 1, depthTrunc: 'round', stem: 24, act: 'relu', numFeatures: 1536, cls: 'efficientnet' }));
timmPreset('mixnet_l', 'mixnet', 'efficientnet.py _gen_mixnet_m(channel_multiplier=1.3)', 224, () => ({ arch: MIXNET_M, cm: 1.3, depthTrunc: 'round', stem: 24, act: 'relu', numFeatures: 1536, cls: 'efficientnet' }));

// ---------------------------------------------------------------- TinyNet (_gen_tinynet)

for (const [letter, r, w, d] of [['a', 192, 1.0, 1.2], ['b', 188, 0.75, 1.1], ['c', 184, 0.54, 0.85], ['d', 152, 0.54, 0.695], ['e', 106, 0.51, 0.6]] as const) {
  timmPreset(`tinynet_${letter}`, 'tinynet', `efficientnet.py _gen_tinynet(model_width=${w}, depth_multiplier=${d})`, r, () => ({
    arch: EFFNET, cm: w, dm: d, depthTrunc: 'round', stem: 32, fixStem: true, act: 'silu', numFeatures: Math.max(1280, roundChannels(1280, w)), cls: 'efficientnet',
  }));
}

// ---------------------------------------------------------------- LCNet (mobilenetv3.py _gen_lcnet)

const LCNET = [['dsa_r1_k3_s1_c32'], ['dsa_r2_k3_s2_c64'], ['dsa_r2_k3_s2_c128'], ['dsa_r1_k3_s2_c256', 'dsa_r1_k5_s1_c256'], ['dsa_r4_k5_s1_c256'], ['dsa_r2_k5_s2_c512_se0.25']];
for (const [suffix, cm] of [['035', 0.35], ['050', 0.5], ['075', 0.75], ['100', 1.0], ['150', 1.5]] as const) {
  timmPreset(`lcnet_${suffix}`, 'lcnet', `mobilenetv3.py _gen_lcnet(channel_multiplier=${cm})`, 224, () => ({
    arch: LCNET, cm, stem: 16, act: 'hswish', numFeatures: 1280, cls: 'mobilenetv3', headBias: true, seRound: 'round',
  }));
}
