/**
 * A design space as plain data: which parameters are sampled, by which distribution, shared by all
 * stages or drawn per stage, which are fixed, and which per-stage values must not decrease.
 *
 * A SpaceDefinition is JSON-serializable and is exactly the normalized form of an inline `space:`
 * section, so a resolved space can be stored and read back as a section.
 */
import {
  type Family,
  type ParamDef as SchemaParam,
  type ParamSchema,
  P,
  REGNET_MAX_DEPTH,
  REGNET_Q,
  STRUCTURAL_BLOCK_PARAMS,
  type ParamValue,
  checkValue,
  describeDomain,
  families,
  family,
  nodeType,
  nodeTypes,
  suggest,
} from '../space/index.js';
import { type ScalarSampler, checkSampler, isMultipleOf, samplerSupport } from './distributions.js';

/**
 * anynet: per-stage depths and widths of one block type; regnet: RegNet's quantized linear widths;
 * family: the knobs of a reference's network generator (width and depth multipliers, per-block or
 * per-layer choices), e.g. EfficientNet's compound scaling or FBNet's per-layer op choice.
 */
export type SpaceKind = 'anynet' | 'regnet' | 'family';

/** A sampled parameter: a scalar sampler, drawn once (shared by all stages) or once per stage. */
export type ParamDef = ScalarSampler & { per_stage: boolean };

export type FixedValue = ParamValue | ParamValue[];

export interface SpaceDefinition {
  name: string;
  description?: string;
  kind: SpaceKind;
  /** Number of stages (anynet only; a RegNet's stage count follows from its parameters). */
  stages?: number;
  /** Block type the space is meant for; the experiment's network.block overrides it. */
  block?: string;
  /** family kind: the generator (src/space/presets: efficientnet, mobilenetv2, mobilenetv3, mnasnet, pplcnet, fbnet). */
  family?: string;
  /** Sampled parameters, drawn in this key order (see draw.ts). */
  params: Record<string, ParamDef>;
  /** Fixed parameters: a value, or (anynet) one value per stage. */
  fixed: Record<string, FixedValue>;
  /** Per-stage parameters that must be non-decreasing from stage to stage (AnyNetX_D: width; _E: width, depth). */
  order: string[];
}

/**
 * The structural parameters of each kind of space. Everything else a space samples or fixes is a
 * parameter of its block type, declared in the node-type registry.
 */
export const KIND_PARAMS: Record<SpaceKind, ParamSchema> = {
  regnet: {
    depth: P.int({ min: 1, max: REGNET_MAX_DEPTH, doc: 'number of blocks d' }),
    w0: P.int({ min: REGNET_Q, multipleOf: REGNET_Q, doc: 'initial width w0' }),
    wa: P.float({ min: 0, doc: 'width slope wa' }),
    wm: P.float({ gt: 1, doc: 'width multiplier wm' }),
  },
  anynet: {
    depth: P.int({ min: 1, doc: 'blocks in a stage' }),
    width: P.int({ min: 1, doc: 'width of a stage' }),
  },
  family: {},
};

/**
 * The input resolution knobs every family space has: the resolution itself, or a multiplier of the
 * dataset's (MobileNet's rho); the dataset's resolution otherwise. The dataset is resized to it.
 */
export const RESOLUTION_PARAMS: ParamSchema = {
  resolution: P.int({ min: 8, max: 1024, doc: 'input resolution; the dataset is resized to it' }),
  res_mult: P.float({ gt: 0, max: 8, doc: 'input resolution as a multiple of the dataset\'s, rounded (MobileNet\'s resolution multiplier)' }),
};

/** The resolution a family candidate takes: its resolution, else round(res_mult x the dataset's), else the dataset's. */
export function familyResolution(values: { resolution?: unknown; res_mult?: unknown }, datasetResolution: number): number {
  if (typeof values.resolution === 'number') return values.resolution;
  if (typeof values.res_mult === 'number') return Math.max(1, Math.round(datasetResolution * values.res_mult));
  return datasetResolution;
}

/** The block type a space's parameters are checked against when it names none. */
export const DEFAULT_BLOCK = 'res_bottleneck_block';

/** Every parameter a space of this kind may sample or fix: structure, then the block's own (or the family's). */
export function spaceParams(kind: SpaceKind, blockType: string, fam?: Family): ParamSchema {
  if (kind === 'family') return fam ? { ...fam.params, ...RESOLUTION_PARAMS } : {};
  const out: ParamSchema = { ...KIND_PARAMS[kind] };
  for (const [k, d] of Object.entries(nodeType(blockType)?.params ?? {})) if (!STRUCTURAL_BLOCK_PARAMS.has(k) && !(k in out)) out[k] = d;
  return out;
}

/** How many values a per-stage (per-unit) parameter takes in this space, or undefined (regnet). */
export function unitCount(def: SpaceDefinition): number | undefined {
  if (def.kind === 'anynet') return def.stages;
  if (def.kind === 'family') return family(def.family ?? '')?.units?.count;
  return undefined;
}

function takenByAnyBlock(name: string): boolean {
  return !STRUCTURAL_BLOCK_PARAMS.has(name) && nodeTypes('block').some((t) => name in t.params);
}

/** A problem in a definition, at a path relative to the definition (e.g. ['params', 'wm', 'low']). */
export interface DefinitionIssue {
  path: (string | number)[];
  message: string;
}

/** Whether every value a sampler can produce is a valid value of the parameter; a message if not. */
function samplerFits(s: ScalarSampler, d: SchemaParam): string | null {
  const domain = describeDomain(d);
  if (s.dist === 'choice') {
    const bad = s.values.find((v) => checkValue(d, v) !== null);
    return bad === undefined ? null : `every value must be ${domain}, got ${JSON.stringify(bad)}`;
  }
  if (d.kind !== 'int' && d.kind !== 'float') return `is ${domain}: sample it with dist: choice`;
  // The ends bound the values; the common step decides integrality and divisibility.
  const { min, max, step } = samplerSupport(s);
  const ends: SchemaParam = d.kind === 'int' ? { ...d, kind: 'float', min: d.min, max: d.max } : { ...d, integerAbove: undefined };
  const integerStep = step !== undefined && Number.isInteger(step);
  const stepOk =
    (d.kind !== 'int' || integerStep) &&
    (d.kind !== 'int' || d.multipleOf === undefined || (step !== undefined && isMultipleOf(step, d.multipleOf))) &&
    (d.kind !== 'float' || d.integerAbove === undefined || max <= d.integerAbove || integerStep);
  if (checkValue(ends, min) !== null) return `low must make every value ${domain}, got ${min}`;
  if (checkValue(ends, max) !== null) return `high must make every value ${domain}, got ${max}`;
  if (!stepOk) return `q must make every value ${domain}, got q=${s.q}`;
  return null;
}

/** Every semantic rule a definition must satisfy, beyond the shapes the zod schema checks. */
export function checkDefinition(def: SpaceDefinition, blockType = def.block ?? DEFAULT_BLOCK): DefinitionIssue[] {
  const issues: DefinitionIssue[] = [];
  const fam = def.kind === 'family' ? family(def.family ?? '') : undefined;
  if (def.kind === 'family') {
    if (!fam) {
      const names = families().map((f) => f.name);
      return [{ path: ['family'], message: def.family ? `unknown family "${def.family}"${suggest(def.family, names)} (families: ${names.join(', ')})` : `a family space names its family (${names.join(', ')})` }];
    }
    if (def.stages !== undefined) issues.push({ path: ['stages'], message: `family ${fam.name} fixes its own structure; stages apply to anynet spaces` });
    if (def.block !== undefined) issues.push({ path: ['block'], message: `family ${fam.name} fixes its own blocks; block applies to anynet and regnet spaces` });
    if (def.order.length) issues.push({ path: ['order'], message: 'ordering constraints apply to anynet spaces only' });
    const given = [...Object.keys(def.params), ...Object.keys(def.fixed)];
    const conflict = fam.check?.(given);
    if (conflict) issues.push({ path: ['params'], message: conflict });
    if (given.includes('resolution') && given.includes('res_mult')) issues.push({ path: ['params', 'res_mult'], message: 'resolution and res_mult both set the input resolution; give one' });
  } else if (def.family !== undefined) {
    issues.push({ path: ['family'], message: `family applies to kind: family spaces, not ${def.kind}` });
  }
  const schema = spaceParams(def.kind, blockType, fam);
  const known = Object.keys(schema);
  const units = unitCount(def);
  const perUnit = (name: string) => def.kind === 'anynet' || (fam?.units?.params.includes(name) ?? false);
  const unknown = (name: string) => `unknown ${def.kind} parameter "${name}" for ${fam ? `family ${fam.name}` : blockType} (known: ${known.join(', ')})`;
  if (def.kind === 'regnet') {
    if (def.stages !== undefined) issues.push({ path: ['stages'], message: 'a RegNet\'s stage count follows from its parameters; limit it with constraints.stages instead' });
    if (def.order.length) issues.push({ path: ['order'], message: 'ordering constraints apply to anynet spaces only (RegNet widths and depths never decrease)' });
  } else if (def.kind === 'anynet' && def.stages === undefined) {
    issues.push({ path: ['stages'], message: 'an anynet space needs its number of stages, e.g. stages: 4' });
  }
  for (const [name, p] of Object.entries(def.params)) {
    if (!known.includes(name)) {
      issues.push({ path: ['params', name], message: unknown(name) });
      continue;
    }
    const problems = checkSampler(p);
    for (const prob of problems) issues.push({ path: ['params', name, ...(prob.field ? [prob.field] : [])], message: prob.message });
    if (p.per_stage && def.kind === 'regnet') issues.push({ path: ['params', name, 'per_stage'], message: 'RegNet parameters are drawn once per model, not per stage' });
    if (p.per_stage && def.kind === 'family' && !perUnit(name)) issues.push({ path: ['params', name, 'per_stage'], message: `${name} is one value per model in family ${fam!.name}${fam!.units ? ` (per ${fam!.units.count} units: ${fam!.units.params.join(', ')})` : ''}` });
    const misfit = problems.length ? null : samplerFits(p, schema[name]);
    if (misfit) issues.push({ path: ['params', name], message: misfit });
    if (name in def.fixed) issues.push({ path: ['fixed', name], message: `"${name}" is both sampled (params) and fixed; keep one` });
  }
  for (const [name, v] of Object.entries(def.fixed)) {
    if (!known.includes(name)) {
      // A base space's fixed value that another block type takes (regnetx's bot_mul under
      // res_basic_block) is ignored, as the sampler ignores it; a name no block type has is a typo.
      if (def.kind === 'family' || !takenByAnyBlock(name)) issues.push({ path: ['fixed', name], message: unknown(name) });
      continue;
    }
    const perStage = Array.isArray(v) && schema[name].kind !== 'ints';
    const values = perStage ? (v as ParamValue[]) : [v as ParamValue];
    if (perStage && (def.kind === 'regnet' || !perUnit(name))) issues.push({ path: ['fixed', name], message: `${def.kind === 'regnet' ? 'RegNet parameters take' : `${name} takes`} one value, not a list` });
    else if (perStage && units !== undefined && values.length !== units) {
      issues.push({ path: ['fixed', name], message: `has ${values.length} entries but the space has ${units} ${def.kind === 'anynet' ? 'stages' : 'units'}` });
    }
    const bad = values.find((x) => checkValue(schema[name], x) !== null);
    if (bad !== undefined) issues.push({ path: ['fixed', name], message: `must be ${describeDomain(schema[name])}, got ${JSON.stringify(bad)}` });
  }
  for (const name of Object.keys(KIND_PARAMS[def.kind])) {
    if (!(name in def.params) && !(name in def.fixed)) issues.push({ path: ['params'], message: `a ${def.kind} space must sample or fix "${name}"` });
  }
  def.order.forEach((name, i) => {
    if (def.kind === 'anynet' && !known.includes(name)) issues.push({ path: ['order', i], message: unknown(name) });
  });
  return issues;
}

/** The input form of a sampled parameter: `per_stage: true` / `shared: true`, or pycls's list sampler. */
export type ParamInput =
  | (ScalarSampler & { per_stage?: boolean; shared?: boolean })
  | { dist: 'list'; item: ScalarSampler };

/** Normalizes an input parameter: a list sampler is a per-stage item; `shared` is the default. */
export function normalizeParam(p: ParamInput): ParamDef {
  if (p.dist === 'list') return { ...p.item, per_stage: true };
  const { per_stage, shared: _shared, ...sampler } = p;
  return { ...(sampler as ScalarSampler), per_stage: per_stage ?? false };
}

export interface SpaceOverride {
  base: string;
  name?: string;
  description?: string;
  stages?: number;
  block?: string;
  params?: Record<string, ParamDef>;
  fixed?: Record<string, FixedValue>;
  order?: string[];
}

/**
 * A base space with overrides: params and fixed are merged key by key (a key set in one of them
 * leaves the other), order and the scalars are replaced. Overridden params keep their base
 * position in the draw order; new ones come after.
 */
export function applyOverride(base: SpaceDefinition, o: SpaceOverride): SpaceDefinition {
  const params: Record<string, ParamDef> = {};
  for (const [k, v] of Object.entries(base.params)) if (!(o.fixed && k in o.fixed)) params[k] = o.params?.[k] ?? v;
  for (const [k, v] of Object.entries(o.params ?? {})) params[k] = v;
  const fixed: Record<string, FixedValue> = {};
  for (const [k, v] of Object.entries(base.fixed)) if (!(o.params && k in o.params)) fixed[k] = v;
  for (const [k, v] of Object.entries(o.fixed ?? {})) fixed[k] = v;
  const def: SpaceDefinition = {
    name: o.name ?? `${base.name}+custom`,
    kind: base.kind,
    params,
    fixed,
    order: o.order ?? base.order,
  };
  const description = o.description ?? base.description;
  if (description !== undefined) def.description = description;
  const stages = o.stages ?? base.stages;
  if (stages !== undefined) def.stages = stages;
  const block = o.block ?? base.block;
  if (block !== undefined) def.block = block;
  if (base.family !== undefined) def.family = base.family;
  return def;
}
