/**
 * The built-in design spaces as data. Each is a SpaceDefinition, checked by the same rules as a
 * user's YAML.
 *
 * The paper's (Radosavovic et al. 2020, sections 3 and 4; pycls sweep defaults): AnyNetX_A..E,
 * RegNetX, RegNetY. The mobile families' (on src/space/presets' generators): EfficientNet's
 * scaling (three multipliers, or phi), MobileNet width x resolution, FBNet's per-layer op choice, PP-LCNet's
 * scale with a kernel and SE choice per block, and an AnyNet of MBConv stages. The channel-mixing and
 * dense families': ShuffleNetV2's stages, the ShuffleNetV2+ (SPOS) per-unit choice, GhostNet's ratio,
 * cheap kernel, width and per-layer table, SqueezeNet's Fire metaparameters and pool placement, IGCV3's
 * width and groups, and PeleeNet's and CondenseNet's growth, depths, bottlenecks and groups. ParNet's
 * streams (how many, each one's width and depth) and last width.
 *
 * AnyNetX bottleneck ratios: the paper's b_i in {1, 2, 4} divides the width (w_b = w/b); dse, like
 * pycls, stores the multiplier bot_mul = 1/b, so the choice is {1, 0.5, 0.25}.
 */
import type { ParamDef, SpaceDefinition } from './definition.js';

const anyDepth: ParamDef = { dist: 'log_uniform', low: 1, high: 16, q: 1, per_stage: true };
const anyWidth: ParamDef = { dist: 'log_uniform', low: 8, high: 1024, q: 8, per_stage: true };
const botMul = (perStage: boolean): ParamDef => ({ dist: 'choice', values: [1, 0.5, 0.25], per_stage: perStage });
const groupW = (perStage: boolean): ParamDef => ({ dist: 'choice', values: [1, 2, 4, 8, 16, 32], per_stage: perStage });

function anynetx(letter: string, description: string, shareB: boolean, shareG: boolean, order: string[]): SpaceDefinition {
  return {
    name: `anynetx_${letter}`,
    description,
    kind: 'anynet',
    stages: 4,
    block: 'res_bottleneck_block',
    params: { depth: anyDepth, width: anyWidth, bot_mul: botMul(!shareB), group_w: groupW(!shareG) },
    fixed: { se_r: 0 },
    order,
  };
}

/** pycls REGNET_SAMPLER defaults: d ~ U[12,28], w0 ~ logU[8,256]/8, wa ~ logU[8,256]/0.1, wm ~ logU[2,3]/0.001, g ~ p2-or-logU[8,128]/8. */
const regnetParams: Record<string, ParamDef> = {
  depth: { dist: 'uniform', low: 12, high: 28, q: 1, per_stage: false },
  w0: { dist: 'log_uniform', low: 8, high: 256, q: 8, per_stage: false },
  wa: { dist: 'log_uniform', low: 8, high: 256, q: 0.1, per_stage: false },
  wm: { dist: 'log_uniform', low: 2, high: 3, q: 0.001, per_stage: false },
  group_w: { dist: 'power2_or_log_uniform', low: 8, high: 128, q: 8, per_stage: false },
};

const choice = (values: (number | string | boolean)[], perStage = false): ParamDef => ({ dist: 'choice', values, per_stage: perStage });
const multiplier = (low: number, high: number): ParamDef => ({ dist: 'log_uniform', low, high, q: 0.01, per_stage: false });

/** The mobile families' spaces: each samples the knobs of one generator (kind family). */
const MOBILE_SPACES: Record<string, SpaceDefinition> = {
  efficientnet: {
    name: 'efficientnet',
    description: 'EfficientNet scaling (Tan & Le 2019, sec. 3.3) on the B0 base, the three dimensions independently: width and depth multipliers logU[0.5, 2], resolution multiplier logU[0.75, 1.5], steps of 0.01',
    kind: 'family',
    family: 'efficientnet',
    params: { width_mult: multiplier(0.5, 2), depth_mult: multiplier(0.5, 2), res_mult: multiplier(0.75, 1.5) },
    fixed: {},
    order: [],
  },
  efficientnet_phi: {
    name: 'efficientnet_phi',
    description: 'EfficientNet compound scaling on the B0 base: phi ~ U[0, 4] in steps of 0.01 sets width 1.1^phi, depth 1.2^phi and resolution 1.15^phi (401 networks)',
    kind: 'family',
    family: 'efficientnet',
    params: { phi: { dist: 'uniform', low: 0, high: 4, q: 0.01, per_stage: false } },
    fixed: {},
    order: [],
  },
  mobilenetv2: {
    name: 'mobilenetv2',
    description: 'MobileNetV2 (timm) width x resolution: width multiplier logU[0.25, 2], resolution multiplier logU[0.75, 1.5], steps of 0.01',
    kind: 'family',
    family: 'mobilenetv2',
    params: { width_mult: multiplier(0.25, 2), res_mult: multiplier(0.75, 1.5) },
    fixed: {},
    order: [],
  },
  mobilenetv3: {
    name: 'mobilenetv3',
    description: 'MobileNetV3 (timm) width x resolution: the large or small table, width multiplier logU[0.25, 2], resolution multiplier logU[0.75, 1.5], steps of 0.01',
    kind: 'family',
    family: 'mobilenetv3',
    params: { variant: choice(['large', 'small']), width_mult: multiplier(0.25, 2), res_mult: multiplier(0.75, 1.5) },
    fixed: {},
    order: [],
  },
  fbnet: {
    name: 'fbnet',
    description: 'FBNet (Wu et al. 2019): one of 9 ops per layer for 22 layers (9^22 networks) on the fbnet_a/b/c macro-architecture',
    kind: 'family',
    family: 'fbnet',
    params: { op: choice(['k3_e1', 'k3_e1_g2', 'k3_e3', 'k3_e6', 'k5_e1', 'k5_e1_g2', 'k5_e3', 'k5_e6', 'skip'], true) },
    fixed: {},
    order: [],
  },
  pplcnet: {
    name: 'pplcnet',
    description: 'PP-LCNet (Cui et al. 2021): scale in {0.25..2.5}, and per block (13) a 3x3 or 5x5 depthwise kernel and SE or not',
    kind: 'family',
    family: 'pplcnet',
    params: { scale: choice([0.25, 0.35, 0.5, 0.75, 1, 1.5, 2, 2.5]), k: choice([3, 5], true), se: choice([false, true], true) },
    fixed: {},
    order: [],
  },
  shufflenetv2: {
    name: 'shufflenetv2',
    description: 'ShuffleNetV2 (torchvision units): per stage (3) width logU[16, 512] (multiple of 8), units logU[1, 16], depthwise kernel in {3, 5, 7}',
    kind: 'family',
    family: 'shufflenetv2',
    params: {
      width: { dist: 'log_uniform', low: 16, high: 512, q: 8, per_stage: true },
      depth: { dist: 'log_uniform', low: 1, high: 16, q: 1, per_stage: true },
      k: choice([3, 5, 7], true),
    },
    fixed: {},
    order: [],
  },
  shufflenetv2plus: {
    name: 'shufflenetv2plus',
    description: 'ShuffleNetV2+ / SPOS (Guo et al. 2020): per unit (20) a shuffle 3x3, 5x5 or 7x7 or an Xception branch (4^20 networks) at the large widths',
    kind: 'family',
    family: 'shufflenetv2plus',
    params: { choice: choice(['shuffle3', 'shuffle5', 'shuffle7', 'xception'], true) },
    fixed: { size: 'large' },
    order: [],
  },
  ghostnet: {
    name: 'ghostnet',
    description: 'GhostNet (Han et al. 2020): width logU[0.25, 2], ratio s in {2..5}, cheap kernel d in {1, 3, 5, 7}, and per bottleneck (16) a 3x3 or 5x5 depthwise kernel and SE or not',
    kind: 'family',
    family: 'ghostnet',
    params: { width: multiplier(0.25, 2), ratio: choice([2, 3, 4, 5]), dw_size: choice([1, 3, 5, 7]), k: choice([3, 5], true), se: choice([false, true], true) },
    fixed: {},
    order: [],
  },
  squeezenet: {
    name: 'squeezenet',
    description: 'SqueezeNet\'s Fire metaparameters (Iandola et al. 2016, sec. 5): base_e logU[32, 256] and incr_e logU[32, 256] (multiples of 8), freq in {1, 2, 4}, pct_3x3 and SR in {0.125, 0.25, 0.5, 0.75}, and after each Fire module (8) a max pool or not',
    kind: 'family',
    family: 'squeezenet',
    params: {
      base_e: { dist: 'log_uniform', low: 32, high: 256, q: 8, per_stage: false },
      incr_e: { dist: 'log_uniform', low: 32, high: 256, q: 8, per_stage: false },
      freq: choice([1, 2, 4]),
      pct_3x3: choice([0.125, 0.25, 0.5, 0.75]),
      sr: choice([0.125, 0.25, 0.5, 0.75]),
      pool: choice([false, true], true),
    },
    fixed: {},
    order: [],
  },
  igcv3: {
    name: 'igcv3',
    description: 'IGCV3 (Sun et al. 2018): width logU[0.25, 2] and 1 or 2 groups in the pointwise convs',
    kind: 'family',
    family: 'igcv3',
    params: { width: multiplier(0.25, 2), groups: choice([1, 2]) },
    fixed: {},
    order: [],
  },
  peleenet: {
    name: 'peleenet',
    description: 'PeleeNet (Wang et al. 2018): growth in {16, 24, 32, 48}, stem in {16, 32, 64}, and per stage (4) dense layers logU[1, 12] and bottleneck width in {1, 2, 4}',
    kind: 'family',
    family: 'peleenet',
    params: {
      growth: choice([16, 24, 32, 48]),
      stem: choice([16, 32, 64]),
      depth: { dist: 'log_uniform', low: 1, high: 12, q: 1, per_stage: true },
      bottleneck: choice([1, 2, 4], true),
    },
    fixed: {},
    order: [],
  },
  condensenet: {
    name: 'condensenet',
    description: 'CondenseNet, test time (Huang et al. 2018): groups in {2, 4, 8}, bottleneck in {2, 4}, and per stage (5) dense layers logU[1, 16] and growth logU[8, 128] (multiple of 8)',
    kind: 'family',
    family: 'condensenet',
    params: {
      groups: choice([2, 4, 8]),
      bottleneck: choice([2, 4]),
      depth: { dist: 'log_uniform', low: 1, high: 16, q: 1, per_stage: true },
      growth: { dist: 'log_uniform', low: 8, high: 128, q: 8, per_stage: true },
    },
    fixed: {},
    order: [],
  },
  parnet: {
    name: 'parnet',
    description: 'ParNet (Goyal et al. 2021): 2, 3 or 4 parallel streams, per stream a width logU[16, 128] (multiple of 8) and 1-6 blocks, last width logU[128, 1024] (multiple of 8)',
    kind: 'family',
    family: 'parnet',
    params: {
      streams: choice([2, 3, 4]),
      width: { dist: 'log_uniform', low: 16, high: 128, q: 8, per_stage: true },
      depth: { dist: 'uniform', low: 1, high: 6, q: 1, per_stage: true },
      last_w: { dist: 'log_uniform', low: 128, high: 1024, q: 8, per_stage: false },
    },
    fixed: {},
    order: [],
  },
  mbconv_stages: {
    name: 'mbconv_stages',
    description: 'AnyNet of MBConv stages (an EfficientNet-like AnyNet): 7 stages (EfficientNet-B0\'s count), per stage d<=8, w<=512 (multiple of 8), exp_r in {1,3,6}, k in {3,5}, SE 0 or 0.25; SiLU',
    kind: 'anynet',
    stages: 7,
    block: 'mbconv',
    params: {
      depth: { dist: 'log_uniform', low: 1, high: 8, q: 1, per_stage: true },
      width: { dist: 'log_uniform', low: 8, high: 512, q: 8, per_stage: true },
      exp_r: choice([1, 3, 6], true),
      k: choice([3, 5], true),
      se_r: choice([0, 0.25], true),
    },
    fixed: { act: 'silu' },
    order: [],
  },
};

export const BUILTIN_SPACES: Readonly<Record<string, SpaceDefinition>> = {
  anynetx_a: anynetx('a', 'AnyNetX_A: 4 stages, per stage d<=16, w<=1024 (multiple of 8), b in {1,2,4}, g in {1..32}', false, false, []),
  anynetx_b: anynetx('b', 'AnyNetX_B: AnyNetX_A with one bottleneck ratio shared by all stages', true, false, []),
  anynetx_c: anynetx('c', 'AnyNetX_C: AnyNetX_B with one group width shared by all stages', true, true, []),
  anynetx_d: anynetx('d', 'AnyNetX_D: AnyNetX_C with non-decreasing widths', true, true, ['width']),
  anynetx_e: anynetx('e', 'AnyNetX_E: AnyNetX_D with non-decreasing depths', true, true, ['width', 'depth']),
  regnetx: {
    name: 'regnetx',
    description: 'RegNetX: d, w0, wa, wm, g sampled as pycls regnet_sampler; b = 1',
    kind: 'regnet',
    block: 'res_bottleneck_block',
    params: regnetParams,
    fixed: { bot_mul: 1, se_r: 0 },
    order: [],
  },
  regnety: {
    name: 'regnety',
    description: 'RegNetY: RegNetX with squeeze-and-excitation, ratio 0.25',
    kind: 'regnet',
    block: 'res_bottleneck_block',
    params: regnetParams,
    fixed: { bot_mul: 1, se_r: 0.25 },
    order: [],
  },
  ...MOBILE_SPACES,
};
