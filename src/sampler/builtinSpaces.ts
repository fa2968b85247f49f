/**
 * The design spaces of the paper as data (Radosavovic et al. 2020, sections 3 and 4; pycls
 * sweep defaults). Each is a SpaceDefinition, checked by the same rules as a user's YAML.
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
};
