/**
 * A design space as plain data: which parameters are sampled, by which distribution, shared by all
 * stages or drawn per stage, which are fixed, and which per-stage values must not decrease.
 *
 * A SpaceDefinition is JSON-serializable and is exactly the normalized form of an inline `space:`
 * section, so a resolved space can be stored and read back as a section.
 */
import { type ScalarSampler, checkSampler, isMultipleOf, samplerSupport } from './distributions.js';
import { REGNET_Q } from '../space/regnet.js';

export type SpaceKind = 'anynet' | 'regnet';

/** A sampled parameter: a scalar sampler, drawn once (shared by all stages) or once per stage. */
export type ParamDef = ScalarSampler & { per_stage: boolean };

export type FixedValue = number | number[];

export interface SpaceDefinition {
  name: string;
  description?: string;
  kind: SpaceKind;
  /** Number of stages (anynet only; a RegNet's stage count follows from its parameters). */
  stages?: number;
  /** Block type the space is meant for; the experiment's network.block overrides it. */
  block?: string;
  /** Sampled parameters, drawn in this key order (see draw.ts). */
  params: Record<string, ParamDef>;
  /** Fixed parameters: a number, or (anynet) one number per stage. */
  fixed: Record<string, FixedValue>;
  /** Per-stage parameters that must be non-decreasing from stage to stage (AnyNetX_D: width; _E: width, depth). */
  order: string[];
}

/** The parameters each kind understands. Block parameters a space leaves out take the block registry's default. */
export const SPACE_PARAMS: Record<SpaceKind, readonly string[]> = {
  regnet: ['depth', 'w0', 'wa', 'wm', 'group_w', 'bot_mul', 'se_r'],
  anynet: ['depth', 'width', 'bot_mul', 'group_w', 'se_r'],
};

export const REQUIRED_PARAMS: Record<SpaceKind, readonly string[]> = {
  regnet: ['depth', 'w0', 'wa', 'wm'],
  anynet: ['depth', 'width'],
};

/** A problem in a definition, at a path relative to the definition (e.g. ['params', 'wm', 'low']). */
export interface DefinitionIssue {
  path: (string | number)[];
  message: string;
}

interface Domain {
  integer?: boolean;
  /** Inclusive lower bound. */
  min?: number;
  /** Exclusive lower bound. */
  above?: number;
  max?: number;
  multipleOf?: number;
  /** Values above 1 must be integers (pycls adjust_block_compatibility on bot_mul). */
  integerAbove1?: boolean;
  text: string;
}

const DOMAINS: Record<string, Domain> = {
  depth: { integer: true, min: 1, text: 'a positive integer' },
  width: { integer: true, min: 1, text: 'a positive integer' },
  w0: { integer: true, min: REGNET_Q, multipleOf: REGNET_Q, text: `a positive multiple of ${REGNET_Q}` },
  wa: { min: 0, text: 'a number >= 0' },
  wm: { above: 1, text: 'a number > 1' },
  group_w: { integer: true, min: 1, text: 'a positive integer' },
  bot_mul: { above: 0, integerAbove1: true, text: 'a number > 0, and an integer when above 1' },
  se_r: { min: 0, max: 1, text: 'a number in [0, 1]' },
};

function valueFits(v: number, d: Domain): boolean {
  return (
    Number.isFinite(v) &&
    (!d.integer || Number.isInteger(v)) &&
    (d.min === undefined || v >= d.min) &&
    (d.above === undefined || v > d.above) &&
    (d.max === undefined || v <= d.max) &&
    (d.multipleOf === undefined || isMultipleOf(v, d.multipleOf)) &&
    (!d.integerAbove1 || v <= 1 || Number.isInteger(v))
  );
}

/** Whether every value a sampler can produce lies in the parameter's domain; a message if not. */
function samplerFits(s: ScalarSampler, d: Domain): string | null {
  if (s.dist === 'choice') {
    const bad = s.values.find((v) => !valueFits(v, d));
    return bad === undefined ? null : `every value must be ${d.text}, got ${bad}`;
  }
  // The ends bound the values; the common step decides integrality and divisibility.
  const { min, max, step } = samplerSupport(s);
  const bounds: Domain = { min: d.min, above: d.above, max: d.max, text: d.text };
  const integerStep = step !== undefined && Number.isInteger(step);
  const stepOk =
    (!d.integer || integerStep) &&
    (d.multipleOf === undefined || (step !== undefined && isMultipleOf(step, d.multipleOf))) &&
    (!d.integerAbove1 || max <= 1 || integerStep);
  if (!valueFits(min, bounds)) return `low must make every value ${d.text}, got ${min}`;
  if (!valueFits(max, bounds)) return `high must make every value ${d.text}, got ${max}`;
  if (!stepOk) return `q must make every value ${d.text}, got q=${s.q}`;
  return null;
}

/** Every semantic rule a definition must satisfy, beyond the shapes the zod schema checks. */
export function checkDefinition(def: SpaceDefinition): DefinitionIssue[] {
  const issues: DefinitionIssue[] = [];
  const known = SPACE_PARAMS[def.kind];
  if (def.kind === 'regnet') {
    if (def.stages !== undefined) issues.push({ path: ['stages'], message: 'a RegNet\'s stage count follows from its parameters; limit it with constraints.stages instead' });
    if (def.order.length) issues.push({ path: ['order'], message: 'ordering constraints apply to anynet spaces only (RegNet widths and depths never decrease)' });
  } else if (def.stages === undefined) {
    issues.push({ path: ['stages'], message: 'an anynet space needs its number of stages, e.g. stages: 4' });
  }
  for (const [name, p] of Object.entries(def.params)) {
    if (!known.includes(name)) {
      issues.push({ path: ['params', name], message: `unknown ${def.kind} parameter "${name}" (known: ${known.join(', ')})` });
      continue;
    }
    const problems = checkSampler(p);
    for (const prob of problems) issues.push({ path: ['params', name, ...(prob.field ? [prob.field] : [])], message: prob.message });
    if (p.per_stage && def.kind === 'regnet') issues.push({ path: ['params', name, 'per_stage'], message: 'RegNet parameters are drawn once per model, not per stage' });
    const misfit = problems.length ? null : samplerFits(p, DOMAINS[name]);
    if (misfit) issues.push({ path: ['params', name], message: misfit });
    if (name in def.fixed) issues.push({ path: ['fixed', name], message: `"${name}" is both sampled (params) and fixed; keep one` });
  }
  for (const [name, v] of Object.entries(def.fixed)) {
    if (!known.includes(name)) {
      issues.push({ path: ['fixed', name], message: `unknown ${def.kind} parameter "${name}" (known: ${known.join(', ')})` });
      continue;
    }
    const values = Array.isArray(v) ? v : [v];
    if (Array.isArray(v) && def.kind === 'regnet') issues.push({ path: ['fixed', name], message: 'RegNet parameters take one value, not a list' });
    if (Array.isArray(v) && def.kind === 'anynet' && def.stages !== undefined && v.length !== def.stages) {
      issues.push({ path: ['fixed', name], message: `has ${v.length} entries but the space has ${def.stages} stages` });
    }
    const bad = values.find((x) => !valueFits(x, DOMAINS[name]));
    if (bad !== undefined) issues.push({ path: ['fixed', name], message: `must be ${DOMAINS[name].text}, got ${bad}` });
  }
  for (const name of REQUIRED_PARAMS[def.kind]) {
    if (!(name in def.params) && !(name in def.fixed)) issues.push({ path: ['params'], message: `a ${def.kind} space must sample or fix "${name}"` });
  }
  def.order.forEach((name, i) => {
    if (def.kind === 'anynet' && !known.includes(name)) issues.push({ path: ['order', i], message: `unknown anynet parameter "${name}" (known: ${known.join(', ')})` });
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
  return def;
}
