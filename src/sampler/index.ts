/**
 * Seeded sampling of models from a design space, as pycls's sweep setup does it: draw a candidate,
 * drop it if its parameters were already kept, check the RegNet stage constraint (no skipped
 * quantization level, stage count in range), the AnyNet ordering constraints, then the complexity
 * ranges; keep it if all pass, until n are kept or max_draws candidates were drawn.
 */
import {
  type Complexity,
  type ModelSpec,
  NETWORK_DEFAULTS,
  OpError,
  type NetworkConfig,
  type ParamValue,
  SpecError,
  buildAnyNetSpec,
  complexity,
  headNode,
  stemNode,
  stageSummaries,
  stagesComplexity,
} from '../space/index.js';
import { UserError } from '../util/errors.js';
import type { SpaceDefinition } from './definition.js';
import { type CandidateStages, CompiledSpace, type ParamValues } from './draw.js';
import { Rng } from './rng.js';
import { type Constraints, DEFAULT_MAX_DRAWS, type NetworkSection, type Range, nodeRefParts } from './schema.js';

export { BUILTIN_SPACES } from './builtinSpaces.js';
export type { SpaceDefinition, ParamDef, SpaceKind } from './definition.js';
export { Rng } from './rng.js';
export {
  ConstraintsSchema,
  DEFAULT_MAX_DRAWS,
  NetworkSectionSchema,
  SamplerSectionSchema,
  SpaceSectionSchema,
  parseQuantity,
  resolveSpace,
  type Constraints,
  type NetworkSection,
  type Range,
  type SamplerSection,
  type SpaceSection,
} from './schema.js';

/** pycls's default RegNet stage-count range (SETUP.CONSTRAINTS.REGNET.NUM_STAGES), used when constraints.stages is absent. */
export const DEFAULT_REGNET_STAGES: Range = [4, 4];

export interface SampledModel {
  /** 0-based position among the kept models. */
  index: number;
  /**
   * Sampled and fixed parameters, plus the derived per-stage lists ds, ws (after block
   * compatibility), gs, bs, ss, and for RegNets num_stages.
   */
  params: Record<string, ParamValue | ParamValue[]>;
  spec: ModelSpec;
  cx: Complexity;
  /** The sampled parameters as `name=value ...`; unique among the kept models. */
  key: string;
}

export interface SampleStats {
  /** Candidates drawn, whatever became of them. */
  drawn: number;
  kept: number;
  duplicates: number;
  /** Rejections by reason: stages:skipped_level, stages:count, order:<param>, flops, params, acts, invalid. */
  rejected: Record<string, number>;
  /** What made the first invalid family candidate invalid (a width that does not split into groups, a pool that does not fit). */
  invalidExample?: string;
}

export interface SampleOptions {
  space: SpaceDefinition;
  constraints?: Constraints;
  network: NetworkConfig;
  n: number;
  seed: number | string;
  /** Default DEFAULT_MAX_DRAWS. */
  maxDraws?: number;
}

export interface SampleResult {
  models: SampledModel[];
  stats: SampleStats;
}

/** max_draws ran out before n models passed; carries the counts so far. */
export class SamplerExhaustedError extends UserError {
  constructor(
    readonly stats: SampleStats,
    readonly wanted: number,
  ) {
    super(`sampler: only ${stats.kept} of ${wanted} models passed after ${stats.drawn} draws (sampler.max_draws) — ${describeStats(stats)}; widen the constraints or raise sampler.max_draws`);
  }
}

/** "drawn 1200, kept 100, duplicates 3, rejected 1097 (flops 1000, stages:count 97)". */
export function describeStats(stats: SampleStats): string {
  const reasons = Object.entries(stats.rejected).sort((a, b) => b[1] - a[1]);
  const total = reasons.reduce((s, [, c]) => s + c, 0);
  const detail = reasons.length ? ` (${reasons.map(([r, c]) => `${r} ${c}`).join(', ')})` : '';
  const example = stats.invalidExample ? `; first invalid: ${stats.invalidExample}` : '';
  return `drawn ${stats.drawn}, kept ${stats.kept}, duplicates ${stats.duplicates}, rejected ${total}${detail}${example}`;
}

/** Family candidates drawn before a space whose every candidate is invalid counts as a broken space, not a sparse one. */
const INVALID_PROBE = 1000;

/** Input shape and classes, from the experiment's dataset section (Experiment.input). */
export interface InputShape {
  channels: number;
  resolution: number;
  num_classes: number;
}

/** The network a sample becomes: the experiment's network section over dse's defaults (ImageNet-style stem). */
export function networkConfig(section: NetworkSection | undefined, input: InputShape, space?: SpaceDefinition): NetworkConfig {
  const d = NETWORK_DEFAULTS;
  const stem = section?.stem === undefined ? undefined : nodeRefParts(section.stem);
  const stride = section?.stride ?? d.stride;
  const head = section?.head === undefined ? undefined : nodeRefParts(section.head);
  const { head_w: headW, ...headParams } = head?.params ?? {};
  const cfg: NetworkConfig = {
    stem: stem?.type ?? d.stem,
    stemW: section?.stem_w ?? d.stemW,
    blockType: section?.block ?? space?.block ?? d.blockType,
    resolution: input.resolution,
    numClasses: input.num_classes,
    inputChannels: input.channels,
    stride,
    firstStride: section?.first_stride ?? stride,
  };
  if (section?.strides) cfg.strides = section.strides;
  if (stem && Object.keys(stem.params).length) cfg.stemParams = stem.params;
  if (head) cfg.head = head.type;
  if (Object.keys(headParams).length) cfg.headParams = headParams;
  // A head type's own default width stands unless the section sets one; dse's default head has none.
  const width = section?.head_w ?? (headW as number | undefined) ?? (head ? undefined : d.headW);
  if (width !== undefined) cfg.headW = width;
  return cfg;
}

function inRange(v: number, r: Range | undefined): boolean {
  return !r || ((r[0] === null || v >= r[0]) && (r[1] === null || v <= r[1]));
}

/** Checks candidates against the constraints; returns the first failing reason, or null. */
class Checker {
  private readonly stagesRange: Range | undefined;

  constructor(
    private readonly space: CompiledSpace,
    private readonly constraints: Constraints,
  ) {
    this.stagesRange = constraints.stages ?? (space.def.kind === 'regnet' ? DEFAULT_REGNET_STAGES : undefined);
  }

  /** RegNet stage constraint from the stage counts alone, before any list is built. */
  regnetStages(sampled: ParamValues): string | null {
    if (this.space.def.kind !== 'regnet') return null;
    const { numStages, totalStages } = this.space.regnetStageCount(sampled);
    if (numStages !== totalStages) return 'stages:skipped_level';
    return this.stageCount(numStages);
  }

  /** The stage-count constraint. */
  stageCount(count: number): string | null {
    return inRange(count, this.stagesRange) ? null : 'stages:count';
  }

  /** Stage count (RegNets already passed regnetStages) and the AnyNet ordering constraints. */
  structure(st: CandidateStages): string | null {
    const count = this.stageCount(st.depths.length);
    if (count) return count;
    for (const name of this.space.def.order) {
      const v = name === 'depth' ? st.depths : name === 'width' ? st.widths : st.blockParams[name];
      if (v) for (let i = 1; i < v.length; i++) if (v[i] < v[i - 1]) return `order:${name}`;
    }
    return null;
  }

  complexity(cx: Complexity): string | null {
    if (!inRange(cx.flops, this.constraints.flops)) return 'flops';
    if (!inRange(cx.params, this.constraints.params)) return 'params';
    if (!inRange(cx.acts, this.constraints.acts)) return 'acts';
    return null;
  }
}

/** Samples n models; a space and network that build an invalid network (SpecError) is a UserError. */
export function sampleModels(opts: SampleOptions): SampleResult {
  try {
    return sample(opts);
  } catch (e) {
    if (e instanceof SpecError || e instanceof OpError) throw new UserError(`the space and network section give an invalid network (${e.message})`);
    throw e;
  }
}

function sample(opts: SampleOptions): SampleResult {
  const { n, network } = opts;
  if (!Number.isInteger(n) || n < 0) throw new UserError(`n: must be a non-negative integer, got ${n}`);
  const maxDraws = opts.maxDraws ?? DEFAULT_MAX_DRAWS;
  const space = new CompiledSpace(opts.space, network);
  const checker = new Checker(space, opts.constraints ?? {});
  const rng = new Rng(opts.seed);
  const stats: SampleStats = { drawn: 0, kept: 0, duplicates: 0, rejected: {} };
  const reject = (reason: string) => void (stats.rejected[reason] = (stats.rejected[reason] ?? 0) + 1);
  const keys = new Set<string>();
  const models: SampledModel[] = [];
  const input = { channels: network.inputChannels ?? 3, resolution: network.resolution };
  const stem = stemNode(network);
  const head = headNode(network);
  const familyRejects = opts.space.kind === 'family' ? new Map<string, string>() : null;

  while (models.length < n) {
    if (stats.drawn >= maxDraws) throw new SamplerExhaustedError(stats, n);
    stats.drawn++;
    const sampled = space.draw(rng);
    if (familyRejects) {
      // A family builds its network directly; its knobs are few and discrete, so a drawn key repeats
      // often and its verdict is remembered instead of rebuilding and recosting the network.
      const key = space.key(sampled);
      if (keys.has(key)) {
        stats.duplicates++;
        continue;
      }
      const known = familyRejects.get(key);
      if (known) {
        reject(known);
        continue;
      }
      // Some knob combinations make no network (growth rates that do not split into the groups, more
      // pools than the input has pixels): those candidates are rejected as invalid, as pycls rejects
      // group widths that do not divide; a space where every one of the first draws is invalid is an error.
      let spec: ModelSpec;
      let cx: Complexity;
      try {
        spec = space.familySpec(sampled);
        cx = complexity(spec);
      } catch (e) {
        if (!(e instanceof SpecError || e instanceof OpError)) throw e;
        const onlyInvalid = stats.kept === 0 && Object.keys(stats.rejected).every((r) => r === 'invalid');
        if (onlyInvalid && (stats.rejected.invalid ?? 0) + 1 >= INVALID_PROBE) throw e;
        stats.invalidExample ??= e.message;
        familyRejects.set(key, 'invalid');
        reject('invalid');
        continue;
      }
      const over = checker.complexity(cx) ?? checker.stageCount(stageSummaries(spec).length);
      if (over) {
        familyRejects.set(key, over);
        reject(over);
        continue;
      }
      keys.add(key);
      models.push({ index: models.length, params: { ...space.allValues(sampled), resolution: spec.input.resolution }, spec, cx, key });
      stats.kept++;
      continue;
    }
    const early = checker.regnetStages(sampled);
    if (early) {
      reject(early);
      continue;
    }
    const st = space.stages(sampled);
    const structural = checker.structure(st);
    if (structural) {
      reject(structural);
      continue;
    }
    const cx = stagesComplexity({ input, stem, blockType: network.blockType, head, depths: st.depths, widths: st.widths, strides: st.strides, params: st.blockParams });
    const over = checker.complexity(cx);
    if (over) {
      reject(over);
      continue;
    }
    // Checked last: a repeat of a kept candidate passes every check above, so this counts exactly
    // the duplicates pycls's check-first order counts, without building keys for rejected candidates.
    const key = space.key(sampled);
    if (keys.has(key)) {
      stats.duplicates++;
      continue;
    }
    keys.add(key);
    const spec = buildAnyNetSpec({ depths: st.depths, widths: st.widths, strides: st.strides, params: st.blockParams }, network);
    models.push({ index: models.length, params: describeParams(space.allValues(sampled), st), spec, cx, key });
    stats.kept++;
  }
  return { models, stats };
}

function describeParams(values: ParamValues, st: CandidateStages): Record<string, ParamValue | ParamValue[]> {
  const out: Record<string, ParamValue | ParamValue[]> = { ...values, ds: st.depths, ws: st.widths, ss: st.strides };
  if (st.blockParams.group_w) out.gs = st.blockParams.group_w;
  if (st.blockParams.bot_mul) out.bs = st.blockParams.bot_mul;
  if (st.regnet) out.num_stages = st.regnet.numStages;
  return out;
}
