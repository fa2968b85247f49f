/**
 * Drawing one candidate from a space, and turning its parameters into stage lists.
 *
 * Draw order (what "same seed, same samples on any machine" rests on): one Rng stream per
 * sampling run; candidates are drawn one after another; within a candidate, the sampled
 * parameters in the definition's key order (built-ins: depth, w0, wa, wm, group_w for RegNets;
 * depth, width, bot_mul, group_w for AnyNets); a per-stage parameter draws stage 1, 2, ... in turn.
 * Each value costs: uniform, log_uniform, power2_uniform, choice 1 draw; power2_or_log_uniform 1,
 * plus 1 when the power of two is >= q; normal and log_normal 2 per attempt (Box-Muller), redrawn
 * until inside [low, high]. Fixed parameters draw nothing. Rejected and duplicate candidates
 * consume their draws like kept ones, so changing a constraint never changes the draws, only
 * which candidates are kept.
 */
import { BLOCK_TYPES } from '../space/blocks.js';
import { type NetworkConfig, stageStrides } from '../space/build.js';
import { adjustBlockCompatibility, generateRegnet, regnetStageCount, type RegnetWidths } from '../space/regnet.js';
import { UserError } from '../util/errors.js';
import type { SpaceDefinition } from './definition.js';
import { type Draw, compileSampler } from './distributions.js';
import type { Rng } from './rng.js';

export type ParamValues = Record<string, number | number[]>;

/** A candidate's stages, ready to be costed and built. */
export interface CandidateStages {
  depths: number[];
  widths: number[];
  strides: number[];
  /** Per-stage values of the block-type parameters the block takes. */
  blockParams: Record<string, number[]>;
  /** RegNet only: the quantization before block compatibility (stage counts for the stage constraint). */
  regnet?: RegnetWidths;
}

interface CompiledParam {
  name: string;
  draw: Draw;
  perStage: boolean;
}

const BLOCK_PARAM_NAMES = ['bot_mul', 'group_w', 'se_r'] as const;

export class CompiledSpace {
  private readonly sampled: CompiledParam[];
  private readonly blockTakes: Set<string>;
  private readonly strides: number[] | undefined;

  constructor(
    readonly def: SpaceDefinition,
    readonly network: NetworkConfig,
  ) {
    this.sampled = Object.entries(def.params).map(([name, p]) => ({ name, draw: compileSampler(p), perStage: p.per_stage }));
    const block = BLOCK_TYPES[network.blockType];
    if (!block) throw new UserError(`network.block: unknown block type "${network.blockType}" (known: ${Object.keys(BLOCK_TYPES).join(', ')})`);
    this.blockTakes = new Set(Object.keys(block.params));
    for (const name of BLOCK_PARAM_NAMES) {
      if (name in def.params && !this.blockTakes.has(name)) {
        throw new UserError(`network.block: ${network.blockType} has no ${name}, which space ${def.name} samples; use res_bottleneck_block or drop ${name} from the space`);
      }
    }
    this.strides = def.kind === 'anynet' ? stageStrides(def.stages ?? 0, network) : undefined;
  }

  /** Draws the sampled parameters of one candidate (see the draw order above). */
  draw(rng: Rng): ParamValues {
    const out: ParamValues = {};
    const n = this.def.stages ?? 0;
    for (const p of this.sampled) {
      if (p.perStage) {
        const values = new Array<number>(n);
        for (let s = 0; s < n; s++) values[s] = p.draw(rng);
        out[p.name] = values;
      } else out[p.name] = p.draw(rng);
    }
    return out;
  }

  /** pycls-style key of a candidate's sampled parameters: duplicates have equal keys. */
  key(values: ParamValues): string {
    let key = '';
    for (const p of this.sampled) {
      const v = values[p.name];
      key += `${key ? ' ' : ''}${p.name}=${Array.isArray(v) ? v.join(',') : v}`;
    }
    return key;
  }

  /** Sampled and fixed values: every parameter the space names. */
  allValues(sampled: ParamValues): ParamValues {
    return { ...sampled, ...this.def.fixed };
  }

  /** A parameter's value: sampled, else fixed, else undefined. */
  private value(sampled: ParamValues, name: string): number | number[] | undefined {
    return sampled[name] ?? this.def.fixed[name];
  }

  /** RegNet stage counts (no arrays built), for the stage constraint before anything else. */
  regnetStageCount(sampled: ParamValues): { numStages: number; totalStages: number } {
    const v = (name: string) => scalar(this.value(sampled, name));
    return regnetStageCount(v('wa'), v('w0'), v('wm'), v('depth'));
  }

  /** Stage lists of a candidate: RegNet quantization or AnyNet lists, then block compatibility. */
  stages(sampled: ParamValues): CandidateStages {
    const values = (name: string) => this.value(sampled, name);
    let depths: number[];
    let widths: number[];
    let regnet: RegnetWidths | undefined;
    if (this.def.kind === 'regnet') {
      regnet = generateRegnet(scalar(values('wa')), scalar(values('w0')), scalar(values('wm')), scalar(values('depth')));
      depths = regnet.ds;
      widths = regnet.ws;
    } else {
      depths = perStage(values('depth'), this.def.stages!);
      widths = perStage(values('width'), this.def.stages!);
    }
    const n = depths.length;
    const blockParams: Record<string, number[]> = {};
    for (const name of BLOCK_PARAM_NAMES) {
      if (!this.blockTakes.has(name)) continue;
      const v = values(name);
      blockParams[name] = v === undefined ? new Array<number>(n).fill(BLOCK_TYPES[this.network.blockType].params[name].default) : perStage(v, n);
    }
    if (blockParams.group_w) {
      const adjusted = adjustBlockCompatibility(widths, blockParams.bot_mul ?? new Array<number>(n).fill(1), blockParams.group_w);
      widths = adjusted.ws;
      blockParams.group_w = adjusted.gs;
    }
    return { depths, widths, strides: this.strides ?? stageStrides(n, this.network), blockParams, regnet };
  }
}

function scalar(v: number | number[] | undefined): number {
  if (typeof v !== 'number') throw new Error(`expected a single value, got ${JSON.stringify(v)}`);
  return v;
}

function perStage(v: number | number[] | undefined, n: number): number[] {
  if (v === undefined) throw new Error('missing stage parameter');
  return Array.isArray(v) ? v : new Array<number>(n).fill(v);
}
