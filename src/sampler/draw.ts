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
import {
  type Family,
  type ModelSpec,
  type NetworkConfig,
  type ParamValue,
  type RegnetWidths,
  STRUCTURAL_BLOCK_PARAMS,
  adjustBlockCompatibility,
  family,
  generateRegnet,
  nodeType,
  regnetStageCount,
  stageStrides,
  stageBlockProblem,
  unknownNodeType,
} from '../space/index.js';
import { UserError } from '../util/errors.js';
import { KIND_PARAMS, type SpaceDefinition, familyResolution, unitCount } from './definition.js';
import { type Draw, compileSampler } from './distributions.js';
import type { Rng } from './rng.js';

export type ParamValues = Record<string, ParamValue | ParamValue[]>;

/** A candidate's stages, ready to be costed and built. */
export interface CandidateStages {
  depths: number[];
  widths: number[];
  strides: number[];
  /** Per-stage values of the block-type parameters the space samples or fixes. */
  blockParams: Record<string, ParamValue[]>;
  /** RegNet only: the quantization before block compatibility (stage counts for the stage constraint). */
  regnet?: RegnetWidths;
}

interface CompiledParam {
  name: string;
  draw: Draw;
  perStage: boolean;
}

export class CompiledSpace {
  private readonly sampled: CompiledParam[];
  /** The block parameters the space sets (sampled or fixed); the others take the registry's defaults. */
  private readonly blockParamNames: string[];
  private readonly strides: number[] | undefined;
  /** Values a per-stage (per-unit) parameter draws. */
  private readonly units: number;
  private readonly family?: Family;

  constructor(
    readonly def: SpaceDefinition,
    readonly network: NetworkConfig,
  ) {
    this.sampled = Object.entries(def.params).map(([name, p]) => ({ name, draw: compileSampler(p), perStage: p.per_stage }));
    this.units = unitCount(def) ?? 0;
    if (def.kind === 'family') {
      this.family = family(def.family!);
      if (!this.family) throw new UserError(`space.family: unknown family "${def.family}"`);
      this.blockParamNames = [];
      return;
    }
    const block = nodeType(network.blockType);
    const blockProblem = stageBlockProblem(network.blockType);
    if (!block || blockProblem) throw new UserError(`network.block: ${blockProblem ?? unknownNodeType(network.blockType, 'block')}`);
    const structural = KIND_PARAMS[def.kind];
    const takes = (k: string) => k in block.params && !STRUCTURAL_BLOCK_PARAMS.has(k);
    const sampledBlockParams = Object.keys(def.params).filter((k) => !(k in structural));
    for (const name of sampledBlockParams) {
      if (!takes(name)) throw new UserError(`network.block: ${network.blockType} has no ${name}, which space ${def.name} samples; use a block type that takes it or drop ${name} from the space`);
    }
    // A fixed value the block does not take (a RegNet space's bot_mul under res_basic_block) is ignored.
    this.blockParamNames = [...sampledBlockParams, ...Object.keys(def.fixed).filter((k) => !(k in structural) && takes(k))];
    this.strides = def.kind === 'anynet' ? stageStrides(def.stages ?? 0, network) : undefined;
  }

  /** Draws the sampled parameters of one candidate (see the draw order above). */
  draw(rng: Rng): ParamValues {
    const out: ParamValues = {};
    const n = this.units;
    for (const p of this.sampled) {
      if (p.perStage) {
        const values = new Array<ParamValue>(n);
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
  private value(sampled: ParamValues, name: string): ParamValue | ParamValue[] | undefined {
    return sampled[name] ?? this.def.fixed[name];
  }

  /**
   * A family candidate's spec: the family's generator on the sampled and fixed values (a per-unit
   * value given once applies to every unit; one not given leaves the reference's own), at the
   * sampled resolution or the network's.
   */
  familySpec(sampled: ParamValues): ModelSpec {
    const fam = this.family!;
    const values: Record<string, ParamValue | ParamValue[]> = {};
    for (const [k, d] of Object.entries(fam.params)) {
      const v = this.value(sampled, k);
      const unit = fam.units?.params.includes(k) ?? false;
      if (v !== undefined) values[k] = unit && !Array.isArray(v) ? new Array<ParamValue>(this.units).fill(v) : v;
      else if (!unit && d.default !== undefined) values[k] = d.default;
    }
    const resolution = familyResolution({ resolution: this.value(sampled, 'resolution'), res_mult: this.value(sampled, 'res_mult') }, this.network.resolution);
    const input = { resolution, classes: this.network.numClasses, channels: this.network.inputChannels ?? 3 };
    return fam.build(values, input);
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
      depths = perStage(values('depth'), this.def.stages!) as number[];
      widths = perStage(values('width'), this.def.stages!) as number[];
    }
    const n = depths.length;
    const blockParams: Record<string, ParamValue[]> = {};
    for (const name of this.blockParamNames) blockParams[name] = perStage(values(name), n);
    if (blockParams.group_w) {
      // pycls's adjust_block_compatibility, for the block types that group their bottleneck
      const adjusted = adjustBlockCompatibility(widths, (blockParams.bot_mul as number[] | undefined) ?? new Array<number>(n).fill(1), blockParams.group_w as number[]);
      widths = adjusted.ws;
      blockParams.group_w = adjusted.gs;
    }
    return { depths, widths, strides: this.strides ?? stageStrides(n, this.network), blockParams, regnet };
  }
}

function scalar(v: ParamValue | ParamValue[] | undefined): number {
  if (typeof v !== 'number') throw new Error(`expected a single number, got ${JSON.stringify(v)}`);
  return v;
}

function perStage(v: ParamValue | ParamValue[] | undefined, n: number): ParamValue[] {
  if (v === undefined) throw new Error('missing stage parameter');
  return Array.isArray(v) ? (v as ParamValue[]) : new Array<ParamValue>(n).fill(v);
}
