/**
 * Parameter schemas: what a node type (src/space/registry.ts) or a design space's structural
 * parameter (src/sampler/) takes, declared once with its kind, default, bounds and doc. Validation,
 * defaults, the samplers' domains, the CLI's --param parsing, the stored columns and the manifest the
 * Python engine reads are all derived from these declarations.
 */

export type ParamValue = number | string | boolean | number[];

interface ParamBase {
  doc: string;
  /** May be left out (no default; the node decides what absence means, e.g. "same" padding). */
  optional?: boolean;
}

export interface IntParam extends ParamBase {
  kind: 'int';
  default?: number;
  /** Inclusive bounds. */
  min?: number;
  max?: number;
  multipleOf?: number;
}

export interface FloatParam extends ParamBase {
  kind: 'float';
  default?: number;
  /** Inclusive bounds. */
  min?: number;
  max?: number;
  /** Exclusive lower bound. */
  gt?: number;
  /** Values above this must be integers (pycls's bottleneck multiplier above 1). */
  integerAbove?: number;
}

export interface EnumParam extends ParamBase {
  kind: 'enum';
  values: readonly string[];
  default?: string;
}

export interface BoolParam extends ParamBase {
  kind: 'bool';
  default?: boolean;
}

/** A list of integers, e.g. MixConv's kernel sizes; `pair` allows one integer or two (h, w). */
export interface IntsParam extends ParamBase {
  kind: 'ints';
  default?: number[];
  min?: number;
  max?: number;
  minLength?: number;
  maxLength?: number;
  /** One integer stands for a list of itself (a kernel "3" is [3, 3] when maxLength is 2). */
  scalarOk?: boolean;
}

export type ParamDef = IntParam | FloatParam | EnumParam | BoolParam | IntsParam;
export type ParamSchema = Record<string, ParamDef>;

/** The TypeScript value type of a parameter kind. */
export type ValueOf<D extends ParamDef> = D extends IntParam | FloatParam ? number : D extends { kind: 'enum'; values: readonly (infer V)[] } ? V : D extends BoolParam ? boolean : number[];
export type ParamsOf<S extends ParamSchema> = { [K in keyof S]: S[K] extends { optional: true } ? ValueOf<S[K]> | undefined : ValueOf<S[K]> };

export const P = {
  int: <const O extends Omit<IntParam, 'kind'>>(o: O) => ({ kind: 'int', ...o }) as IntParam & O,
  float: <const O extends Omit<FloatParam, 'kind'>>(o: O) => ({ kind: 'float', ...o }) as FloatParam & O,
  enum: <const V extends readonly string[], const O extends Omit<EnumParam, 'kind' | 'values'>>(values: V, o: O) => ({ kind: 'enum', values, ...o }) as EnumParam & O & { values: V },
  bool: <const O extends Omit<BoolParam, 'kind'>>(o: O) => ({ kind: 'bool', ...o }) as BoolParam & O,
  ints: <const O extends Omit<IntsParam, 'kind'>>(o: O) => ({ kind: 'ints', ...o }) as IntsParam & O,
};

/** "a positive integer", "one of relu, silu", ... : the domain of a parameter in words. */
export function describeDomain(d: ParamDef): string {
  switch (d.kind) {
    case 'int': {
      if (d.multipleOf !== undefined && (d.min === undefined || d.min <= d.multipleOf) && d.min !== 0) return `a positive multiple of ${d.multipleOf}${bounds(undefined, d.max)}`;
      if (d.max === undefined && d.min === 1) return 'a positive integer';
      if (d.max === undefined && d.min === 0) return 'a non-negative integer';
      return `an integer${bounds(d.min, d.max)}`;
    }
    case 'float': {
      const lower = d.gt !== undefined ? ` > ${d.gt}` : '';
      const rest = bounds(d.min, d.max);
      const above = d.integerAbove !== undefined ? `, and an integer when above ${d.integerAbove}` : '';
      return `a number${lower}${lower && rest ? ',' : ''}${rest}${above}`;
    }
    case 'enum':
      return `one of ${d.values.join(', ')}`;
    case 'bool':
      return 'true or false';
    case 'ints': {
      const len = d.minLength === d.maxLength && d.minLength !== undefined ? `${d.minLength}` : `${d.minLength ?? 1}..${d.maxLength ?? 'n'}`;
      return `${d.scalarOk ? 'an integer or ' : ''}a list of ${len} integers${bounds(d.min, d.max)}`;
    }
  }
}

function bounds(min: number | undefined, max: number | undefined): string {
  if (min !== undefined && max !== undefined) return ` in [${min}, ${max}]`;
  if (min !== undefined) return ` >= ${min}`;
  if (max !== undefined) return ` <= ${max}`;
  return '';
}

/**
 * Why `v` is not a valid value of `d` (a phrase to follow "must be ..."), or null if it is. `v` is
 * what a JSON or YAML file holds; no conversion is done.
 */
export function checkValue(d: ParamDef, v: unknown): string | null {
  const bad = () => `must be ${describeDomain(d)}, got ${JSON.stringify(v)}`;
  switch (d.kind) {
    case 'int':
      if (typeof v !== 'number' || !Number.isInteger(v)) return bad();
      if ((d.min !== undefined && v < d.min) || (d.max !== undefined && v > d.max)) return bad();
      if (d.multipleOf !== undefined && v % d.multipleOf !== 0) return bad();
      return null;
    case 'float':
      if (typeof v !== 'number' || !Number.isFinite(v)) return bad();
      if ((d.min !== undefined && v < d.min) || (d.max !== undefined && v > d.max) || (d.gt !== undefined && !(v > d.gt))) return bad();
      if (d.integerAbove !== undefined && v > d.integerAbove && !Number.isInteger(v)) return bad();
      return null;
    case 'enum':
      return typeof v === 'string' && d.values.includes(v) ? null : bad();
    case 'bool':
      return typeof v === 'boolean' ? null : bad();
    case 'ints': {
      const list = typeof v === 'number' && d.scalarOk ? expandScalar(d, v) : v;
      if (!Array.isArray(list) || list.some((x) => typeof x !== 'number' || !Number.isInteger(x))) return bad();
      if (list.length < (d.minLength ?? 1) || (d.maxLength !== undefined && list.length > d.maxLength)) return bad();
      if (list.some((x) => (d.min !== undefined && x < d.min) || (d.max !== undefined && x > d.max))) return bad();
      return null;
    }
  }
}

/** A parameter problem: the key (null for the object as a whole) and what is wrong. */
export interface ParamIssue {
  key: string | null;
  message: string;
}

/**
 * Validates `given` against `schema` and fills the defaults. Unknown keys (with a "did you mean"),
 * missing required ones and bad values are all reported, in key order.
 */
export function resolveParams(schema: ParamSchema, given: unknown): { values: Record<string, ParamValue>; issues: ParamIssue[] } {
  const issues: ParamIssue[] = [];
  const values: Record<string, ParamValue> = {};
  if (given !== undefined && (given === null || typeof given !== 'object' || Array.isArray(given))) {
    return { values, issues: [{ key: null, message: `must be an object of parameters, got ${JSON.stringify(given)}` }] };
  }
  const input = (given ?? {}) as Record<string, unknown>;
  for (const key in input) {
    if (!Object.hasOwn(schema, key)) issues.push({ key, message: `unknown parameter${suggest(key, Object.keys(schema))} (it takes: ${Object.keys(schema).join(', ') || 'none'})` });
  }
  // Specs resolve every node's parameters: the schema's entries are listed once, not per node.
  for (const [key, def] of entriesOf(schema)) {
    const v = input[key];
    if (v === undefined) {
      if (def.default !== undefined) values[key] = def.default;
      else if (!def.optional) issues.push({ key, message: `is required (${def.doc})` });
      continue;
    }
    const problem = checkValue(def, v);
    if (problem) issues.push({ key, message: problem });
    else values[key] = normalizeValue(def, v as ParamValue);
  }
  return { values, issues };
}

const ENTRIES = new WeakMap<ParamSchema, [string, ParamDef][]>();

function entriesOf(schema: ParamSchema): [string, ParamDef][] {
  let e = ENTRIES.get(schema);
  if (!e) ENTRIES.set(schema, (e = Object.entries(schema)));
  return e;
}

/** A scalar given for a list parameter: kernel 3 is [3, 3] for a pair, [3] for a list. */
function expandScalar(d: IntsParam, v: number): number[] {
  return new Array<number>(Math.max(1, d.minLength ?? 1)).fill(v);
}

/** A valid value in its stored form (a scalar given for a list parameter expanded). */
export function normalizeValue(def: ParamDef, v: ParamValue): ParamValue {
  return def.kind === 'ints' && typeof v === 'number' ? expandScalar(def, v) : v;
}

/** Parses a command-line value ("8", "0.25", "hswish", "true", "3,5,7") as the parameter's kind. */
export function parseParamText(def: ParamDef, text: string): unknown {
  const s = text.trim();
  switch (def.kind) {
    case 'int':
    case 'float':
      return s === '' ? NaN : Number(s);
    case 'bool':
      return s === 'true' || s === '1' ? true : s === 'false' || s === '0' ? false : s;
    case 'enum':
      return s;
    case 'ints':
      return s.split(',').map((x) => (x.trim() === '' ? NaN : Number(x)));
  }
}

/** " (did you mean group_w?)" when a known name is one or two edits away, else "". */
export function suggest(name: string, known: readonly string[]): string {
  let best: string | null = null;
  let bestD = 3;
  for (const k of known) {
    const d = editDistance(name, k);
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  return best !== null && bestD <= Math.max(1, Math.min(2, Math.floor(name.length / 3))) ? ` (did you mean ${best}?)` : '';
}

function editDistance(a: string, b: string): number {
  const dp = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0];
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j];
      dp[j] = Math.min(dp[j] + 1, dp[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return dp[b.length];
}
