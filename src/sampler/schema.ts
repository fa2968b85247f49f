/**
 * zod schemas of the experiment file's `space`, `sampler`, `constraints` and `network` sections
 * (embedded by src/experiment/). All objects are strict, so unknown keys are rejected, and every
 * semantic problem is reported as an issue at the path of the offending key.
 *
 * SpaceSectionSchema resolves what it validates: its output is the complete SpaceDefinition.
 */
import { z } from 'zod';
import { DEFAULT_HEAD, type ParamValue, nodeType, nodeTypeNames, resolveParams, stageBlockProblem, unknownNodeType } from '../space/index.js';
import { UserError } from '../util/errors.js';
import { BUILTIN_SPACES } from './builtinSpaces.js';
import {
  type FixedValue,
  type ParamInput,
  type SpaceDefinition,
  type SpaceOverride,
  applyOverride,
  checkDefinition,
  normalizeParam,
} from './definition.js';
import { RANGE_DISTS } from './distributions.js';
import { knownKeys } from '../util/schemaKeys.js';

type Ctx = z.core.$RefinementCtx;

/**
 * Parses `schema` inside a transform, forwarding its issues whole (code, path, expected values) so
 * the loader words them like any other; an unknown key carries the keys accepted there, which the
 * loader cannot find behind the transform.
 */
function parseInto<T>(schema: z.ZodType<T>, value: unknown, ctx: Ctx): T | typeof z.NEVER {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  for (const issue of r.error.issues) {
    const known = issue.code === 'unrecognized_keys' ? { known: knownKeys(schema, issue.path as (string | number)[]) } : {};
    ctx.addIssue({ ...issue, ...known } as unknown as Parameters<Ctx['addIssue']>[0]);
  }
  return z.NEVER;
}

// ---------------------------------------------------------------- space

const perStageFlags = { per_stage: z.boolean().optional(), shared: z.boolean().optional() };
const rangeShape = { dist: z.enum(RANGE_DISTS), low: z.number(), high: z.number(), q: z.number() };
const choiceShape = { dist: z.literal('choice'), values: z.array(z.union([z.number(), z.string(), z.boolean()])).min(1) };

const ItemSchema = z.discriminatedUnion('dist', [z.strictObject(rangeShape), z.strictObject(choiceShape)]);

const ParamSchema = z
  .discriminatedUnion('dist', [
    z.strictObject({ ...rangeShape, ...perStageFlags }),
    z.strictObject({ ...choiceShape, ...perStageFlags }),
    z.strictObject({ dist: z.literal('list'), item: ItemSchema }),
  ])
  .superRefine((p, ctx) => {
    if ('per_stage' in p && p.per_stage !== undefined && p.shared !== undefined && p.per_stage === p.shared) {
      ctx.addIssue({ code: 'custom', message: 'per_stage and shared contradict each other; give one', path: ['shared'] });
    }
  })
  .transform((p) => normalizeParam(p as ParamInput));

const isScalar = (x: unknown) => (typeof x === 'number' && Number.isFinite(x)) || typeof x === 'string' || typeof x === 'boolean';
const FixedSchema = z.custom<FixedValue>((v) => isScalar(v) || (Array.isArray(v) && v.length > 0 && v.every(isScalar)), {
  message: 'expected a value (a number, a name such as relu, true/false), or a list of values (one per stage)',
});

const commonSpaceKeys = {
  name: z.string().min(1).optional(),
  description: z.string().optional(),
  stages: z.int().min(1).max(64).optional(),
  block: z.string().optional(),
  fixed: z.record(z.string(), FixedSchema).optional(),
  order: z.array(z.string()).optional(),
};

const InlineSpaceSchema = z.strictObject({
  ...commonSpaceKeys,
  kind: z.enum(['anynet', 'regnet', 'family']),
  family: z.string().optional(),
  params: z.record(z.string(), ParamSchema),
});

const OverrideSpaceSchema = z.strictObject({
  ...commonSpaceKeys,
  base: z.string(),
  params: z.record(z.string(), ParamSchema).optional(),
});

function builtinSpace(name: string, ctx: Ctx, path: PropertyKey[]): SpaceDefinition | undefined {
  const def = BUILTIN_SPACES[name];
  if (!def) ctx.addIssue({ code: 'custom', message: `unknown space "${name}" (built-in: ${Object.keys(BUILTIN_SPACES).join(', ')})`, path });
  return def;
}

function resolveSection(input: unknown, ctx: Ctx): SpaceDefinition | typeof z.NEVER {
  let def: SpaceDefinition | undefined;
  if (typeof input === 'string') {
    def = builtinSpace(input, ctx, []);
  } else if (input && typeof input === 'object' && !Array.isArray(input) && 'base' in input) {
    const o = parseInto(OverrideSpaceSchema, input, ctx);
    if (o === z.NEVER) return z.NEVER;
    const base = builtinSpace(o.base, ctx, ['base']);
    def = base && applyOverride(base, o as SpaceOverride);
  } else if (input && typeof input === 'object' && !Array.isArray(input)) {
    const s = parseInto(InlineSpaceSchema, input, ctx);
    if (s === z.NEVER) return z.NEVER;
    def = { name: s.name ?? `custom_${s.kind}`, kind: s.kind, params: s.params, fixed: s.fixed ?? {}, order: s.order ?? [] };
    if (s.description !== undefined) def.description = s.description;
    if (s.stages !== undefined) def.stages = s.stages;
    if (s.block !== undefined) def.block = s.block;
    if (s.family !== undefined) def.family = s.family;
  } else {
    ctx.addIssue({ code: 'custom', message: `expected a built-in space name (${Object.keys(BUILTIN_SPACES).join(', ')}), {base: name, ...overrides} or a full definition with kind and params` });
  }
  if (!def) return z.NEVER;
  const blockProblem = def.block === undefined ? null : stageBlockProblem(def.block);
  if (blockProblem) {
    ctx.addIssue({ code: 'custom', message: blockProblem, path: ['block'] });
    return z.NEVER;
  }
  for (const issue of checkDefinition(def)) ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
  return def;
}

/**
 * `space:` — a built-in name (regnetx, regnety, anynetx_a..anynetx_e), `{base: name, params, fixed,
 * order, stages, block, name}` overriding a built-in, or a full inline definition
 * `{kind, stages?, block?, params, fixed?, order?, name?, description?}`. Output: the resolved SpaceDefinition.
 */
export const SpaceSectionSchema = z.unknown().transform(resolveSection);

export type SpaceSection = string | z.input<typeof InlineSpaceSchema> | z.input<typeof OverrideSpaceSchema>;

/** Resolves a space section (or an already resolved definition) to its SpaceDefinition; UserError if invalid. */
export function resolveSpace(section: unknown): SpaceDefinition {
  const r = SpaceSectionSchema.safeParse(section);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const where = ['space', ...issue.path.map(String)].join('.');
  throw new UserError(`${where}: ${issue.message}`);
}

// ---------------------------------------------------------------- sampler

/** Default sampler.max_draws: pycls SETUP.NUM_SAMPLES. */
export const DEFAULT_MAX_DRAWS = 1_000_000;

export const SamplerSectionSchema = z.strictObject({
  /** Give up with an error after this many candidate draws (kept, duplicate or rejected). */
  max_draws: z.int().min(1).optional(),
});
export type SamplerSection = z.output<typeof SamplerSectionSchema>;

// ---------------------------------------------------------------- constraints

const SUFFIXES: Record<string, number> = { '': 0, k: 3, K: 3, M: 6, G: 9, B: 9 };

/**
 * A count written as a number or a string: "360M", "0.4G", "5e6", "2.5k" (k/K = 1e3, M = 1e6,
 * G/B = 1e9). Exact decimal scaling ("0.4G" is 400000000). NaN if malformed.
 */
export function parseQuantity(v: number | string): number {
  if (typeof v === 'number') return v;
  const m = /^\s*([+-]?(?:\d+\.?\d*|\.\d+))(?:[eE]([+-]?\d+))?\s*([kKMGB]?)\s*$/.exec(v);
  if (!m) return NaN;
  return Number(`${m[1]}e${Number(m[2] ?? 0) + SUFFIXES[m[3]]}`);
}

export type Bound = number | null;
export type Range = [Bound, Bound];

function rangeSchema(what: string, integer: boolean) {
  return z.unknown().transform((v, ctx): Range | typeof z.NEVER => {
    if (!Array.isArray(v) || v.length !== 2) {
      ctx.addIssue({ code: 'custom', message: `expected [min, max] (either may be null), e.g. [360e6, 400e6] or ["360M", "400M"], got ${JSON.stringify(v)}` });
      return z.NEVER;
    }
    const out: Bound[] = [null, null];
    let ok = true;
    v.forEach((b, i) => {
      if (b === null) return;
      const x = typeof b === 'number' || typeof b === 'string' ? parseQuantity(b) : NaN;
      if (!Number.isFinite(x) || x < 0 || (integer && !Number.isInteger(x))) {
        ctx.addIssue({ code: 'custom', message: `must be ${integer ? 'a non-negative integer' : 'a non-negative number like 360e6 or "360M"'} or null, got ${JSON.stringify(b)}`, path: [i] });
        ok = false;
      } else out[i] = x;
    });
    if (ok && out[0] !== null && out[1] !== null && out[0] > out[1]) {
      ctx.addIssue({ code: 'custom', message: `${what} range is empty: min ${out[0]} > max ${out[1]}` });
      ok = false;
    }
    return ok ? (out as Range) : z.NEVER;
  });
}

/** Inclusive [min, max] ranges; null leaves that end open. `stages` is the RegNet stage-count range (pycls NUM_STAGES). */
export const ConstraintsSchema = z.strictObject({
  flops: rangeSchema('flops', false).optional(),
  params: rangeSchema('params', false).optional(),
  acts: rangeSchema('acts', false).optional(),
  stages: rangeSchema('stages', true).optional(),
});
export type Constraints = z.output<typeof ConstraintsSchema>;

// ---------------------------------------------------------------- network

/** A stem or head in a network section: its type and parameters. */
export type NodeRef = { type: string } & Record<string, ParamValue>;

/** A network section's stem or head as type and parameters. */
export function nodeRefParts(ref: string | NodeRef): { type: string; params: Record<string, ParamValue> } {
  if (typeof ref === 'string') return { type: ref, params: {} };
  const { type, ...params } = ref;
  return { type, params };
}

/** Parameters a network section cannot set on a node: the section sets them itself. */
const SET_BY_SECTION: Record<'stem' | 'head', Record<string, string>> = {
  stem: { w_out: 'set the stem width with network.stem_w' },
  head: { num_classes: 'the classes come from the dataset' },
};

/**
 * A stem or head: a node type name, or `{type, ...params}` with the node's other parameters
 * (checked against the registry). The output keeps that form (a bare name when no parameter is
 * given), so a stored sweep's config compares equal to the file that made it.
 */
function nodeRef(kind: 'stem' | 'head', fallback?: string) {
  return z.unknown().transform((v, ctx) => {
    const given = typeof v === 'string' ? { type: v } : v;
    if (!given || typeof given !== 'object' || Array.isArray(given)) {
      ctx.addIssue({ code: 'custom', message: `expected a ${kind} node type (${nodeTypeNames(kind).join(', ')}) or {type, ...parameters}` });
      return z.NEVER;
    }
    const { type = fallback, ...params } = given as Record<string, unknown>;
    const def = typeof type === 'string' ? nodeType(type) : undefined;
    if (!def || def.kind !== kind) {
      ctx.addIssue({ code: 'custom', message: unknownNodeType(String(type), kind), path: typeof v === 'string' ? [] : ['type'] });
      return z.NEVER;
    }
    let ok = true;
    for (const [key, why] of Object.entries(SET_BY_SECTION[kind])) {
      if (key in params) {
        ctx.addIssue({ code: 'custom', message: `is not set here: ${why}`, path: [key] });
        ok = false;
      }
    }
    const own = Object.fromEntries(Object.entries(def.params).filter(([k]) => !(k in SET_BY_SECTION[kind])));
    const { issues } = resolveParams(own, params);
    for (const issue of issues.filter((i) => i.key === null || i.key in params)) {
      ctx.addIssue({ code: 'custom', message: issue.message, path: issue.key ? [issue.key] : [] });
      ok = false;
    }
    if (!ok) return z.NEVER;
    return Object.keys(params).length || typeof v !== 'string' ? ({ type: def.name, ...params } as NodeRef) : def.name;
  });
}

export const NetworkSectionSchema = z
  .strictObject({
    stem: nodeRef('stem').optional(),
    stem_w: z.int().min(1).optional(),
    block: z.enum(nodeTypeNames('block') as [string, ...string[]]).optional(),
    /** Stride of each stage's first block (default 2). */
    stride: z.int().min(1).optional(),
    /** Stride of stage 1's first block (default: stride). */
    first_stride: z.int().min(1).optional(),
    /** Every stage's first-block stride (anynet spaces: one per stage); overrides stride and first_stride. */
    strides: z.array(z.int().min(1)).min(1).optional(),
    head: nodeRef('head', DEFAULT_HEAD).optional(),
    head_w: z.int().min(0).optional(),
  })
  .superRefine((n, ctx) => {
    if (n.strides && (n.stride !== undefined || n.first_stride !== undefined)) ctx.addIssue({ code: 'custom', message: 'strides gives every stage\'s stride; drop stride and first_stride', path: ['strides'] });
    if (n.head_w !== undefined && n.head && typeof n.head !== 'string' && 'head_w' in n.head) ctx.addIssue({ code: 'custom', message: 'is set twice, by network.head_w and network.head.head_w; keep one', path: ['head_w'] });
  });
export type NetworkSection = z.output<typeof NetworkSectionSchema>;
