/**
 * Splitting populations (`--split`), pycls's split filters: by a categorical parameter's value (act,
 * op, variant, se, a per-stage k) or by bins of a numeric parameter or metric (group_w, wm, flops,
 * e_fit, ...), each part with its own EDF; and the bootstrap of the paper (Sec. 3.1) asking which
 * part the best models are in: in B rounds of 25% of the models drawn with replacement, the share of
 * rounds whose lowest error lies in each part, with a 95% interval for each part's best error.
 */
import { parseQuantity } from '../sampler/index.js';
import { UserError } from '../util/errors.js';
import { type BootstrapOptions, eachRound, percentileSorted, roundWinner } from './bootstrap.js';
import { formatAmount } from './edf.js';
import { isKnownParameter, metric, parameterValue, type Scored } from './metrics.js';
import type { Population } from './figures.js';

/** Numeric values with more distinct values than this are split into bins, not one part per value. */
export const MAX_SPLIT_VALUES = 6;
/** Quantile bins of a numeric split when there are too many values and no bins are given. */
export const DEFAULT_SPLIT_BINS = 3;

const SPLIT_SYNTAX = `expected name (one part per value, or ${DEFAULT_SPLIT_BINS} quantile bins of a number with more than ${MAX_SPLIT_VALUES} values), name:k (k >= 2 quantile bins) or name:e0,e1,... (ascending bin edges, inf allowed, e.g. flops:0,200M,400M,inf)`;

/** A value of the split parameter as text: numbers and names as written, lists comma-joined. */
export function valueText(v: unknown): string | null {
  if (v === undefined || v === null) return null;
  if (Array.isArray(v)) return v.map(String).join(',');
  return String(v);
}

/** A split value: numbers stay numbers (they can be binned), anything else is its text. */
type SplitValue = string | number;

function splitValue(v: unknown): SplitValue | null {
  return typeof v === 'number' ? (Number.isFinite(v) ? v : null) : valueText(v);
}

/**
 * Reads the split value off a model: a parameter by name, or name[i] for stage (unit) i of a
 * per-stage value; else any metric of `dse plot scatter --x` (flops, params, acts, depth, e_fit, ws[i], ...).
 */
export function splitReader(name: string, flag = '--split'): (m: Scored) => SplitValue | null {
  const stage = /^([A-Za-z_][A-Za-z0-9_]*)\[(\d+)\]$/.exec(name.trim());
  const key = stage ? stage[1] : name.trim();
  if (!isKnownParameter(key)) {
    const m = metric(name, flag);
    return (s) => m.value(s.trial);
  }
  if (!stage) return (m) => splitValue(parameterValue(m.trial, key));
  const i = Number(stage[2]);
  return (m) => {
    const v = parameterValue(m.trial, key);
    return Array.isArray(v) ? splitValue(v[i]) : null;
  };
}

/** What to split by: a name, and optionally quantile bins (a count) or explicit bin edges. */
export interface SplitSpec {
  /** As written, e.g. "flops:4", for messages. */
  text: string;
  name: string;
  bins?: { quantiles: number } | { edges: number[] };
  read: (m: Scored) => SplitValue | null;
}

/** Parses "name", "name:k" or "name:e0,e1,..."; an unknown name or bad bins is a UserError naming the flag. */
export function parseSplit(text: string, flag = '--split'): SplitSpec {
  const cut = text.indexOf(':');
  const name = (cut < 0 ? text : text.slice(0, cut)).trim();
  if (!name) throw new UserError(`${flag} "${text}": ${SPLIT_SYNTAX}`);
  const read = splitReader(name, flag);
  if (cut < 0) return { text, name, read };
  const binText = text.slice(cut + 1).trim();
  if (/^\d+$/.test(binText)) {
    const quantiles = Number(binText);
    if (quantiles < 2) throw new UserError(`${flag} "${text}": ${quantiles} bin does not split; give k >= 2 bins`);
    return { text, name, read, bins: { quantiles } };
  }
  const parts = binText.split(',').map((p) => p.trim());
  const edges = parts.map((p) => (/^[+-]?inf$/i.test(p) ? (p.startsWith('-') ? -Infinity : Infinity) : parseQuantity(p.toUpperCase())));
  if (parts.length < 2 || edges.some((e) => Number.isNaN(e))) throw new UserError(`${flag} "${text}": ${SPLIT_SYNTAX}`);
  if (edges.some((e, i) => i > 0 && !(e > edges[i - 1]))) throw new UserError(`${flag} "${text}": bin edges must ascend strictly`);
  return { text, name, read, bins: { edges } };
}

/** Orders values numerically when all are numbers, else as text. */
function compareValues(a: string, b: string): number {
  const x = Number(a);
  const y = Number(b);
  return Number.isFinite(x) && Number.isFinite(y) ? x - y : a.localeCompare(b);
}

function edgeText(v: number): string {
  return Number.isFinite(v) ? formatAmount(v) : v > 0 ? 'inf' : '-inf';
}

/**
 * Bin edges at the k-quantiles of the values (edges are values of the data, repeated ones merged),
 * so each bin holds about as many models.
 */
export function quantileEdges(values: readonly number[], k: number): number[] {
  const sorted = [...values].sort((a, b) => a - b);
  const edges = Array.from({ length: k }, (_, j) => sorted[Math.floor((j * sorted.length) / k)]);
  edges.push(sorted[sorted.length - 1]);
  return edges.filter((e, i) => i === 0 || e > edges[i - 1]);
}

/** The bins [e0, e1), [e1, e2), ..., [e(k-1), ek] (the last closed), as labelled parts. */
interface Bin {
  lo: number;
  hi: number;
  label: string;
}

function binsOf(edges: readonly number[]): Bin[] {
  return edges.slice(1).map((hi, i) => {
    const last = i === edges.length - 2;
    return { lo: edges[i], hi, label: `[${edgeText(edges[i])}, ${edgeText(hi)}${last ? ']' : ')'}` };
  });
}

function binOf(bins: readonly Bin[], v: number): Bin | undefined {
  return bins.find((b, i) => v >= b.lo && (v < b.hi || (i === bins.length - 1 && v === b.hi)));
}

export interface SplitPopulation extends Population {
  /** The population it came from, and the value (or bin) its models share. */
  parent: string;
  value: string;
}

export interface Split {
  spec: SplitSpec;
  /** The bin edges when the split binned a number (the same bins for every population). */
  edges: number[] | null;
  parts: SplitPopulation[];
}

/**
 * Each population split by the spec: one part per value, ordered by value, labelled "sweep
 * name=value"; or, for bins (asked for, or a number with more than MAX_SPLIT_VALUES values), one
 * part per non-empty bin, labelled "sweep name in [lo, hi)", the quantile bins computed over all
 * populations pooled so they are comparable. Models without the value (or outside every bin) are
 * left out; a sweep where no model has it is an error, as is a split that leaves one part only in
 * every sweep.
 */
export function splitPopulations(pops: readonly Population[], spec: SplitSpec | string): Split {
  const split = typeof spec === 'string' ? parseSplit(spec) : spec;
  const read = new Map<Scored, SplitValue>();
  for (const p of pops) {
    for (const m of p.models) {
      const v = split.read(m);
      if (v !== null) read.set(m, v);
    }
    if (!p.models.some((m) => read.has(m))) throw new UserError(`--split ${split.text}: no trained model of ${p.label} has it`);
  }
  const values = [...read.values()];
  const numeric = values.every((v) => typeof v === 'number');
  if (split.bins && !numeric) throw new UserError(`--split ${split.text}: ${split.name} is not a number (e.g. "${values.find((v) => typeof v !== 'number')}"); bins apply to numbers, split by value with --split ${split.name}`);
  const binned = split.bins ?? (numeric && new Set(values).size > MAX_SPLIT_VALUES ? { quantiles: DEFAULT_SPLIT_BINS } : undefined);
  const edges = !binned ? null : 'edges' in binned ? binned.edges : quantileEdges(values as number[], binned.quantiles);
  const bins = edges ? binsOf(edges) : null;
  const parts: SplitPopulation[] = [];
  let informative = false;
  for (const p of pops) {
    const groups = new Map<string, Scored[]>();
    if (bins) for (const b of bins) groups.set(b.label, []);
    for (const m of p.models) {
      const v = read.get(m);
      if (v === undefined) continue;
      const key = bins ? binOf(bins, v as number)?.label : String(v);
      if (key === undefined) continue;
      let g = groups.get(key);
      if (!g) groups.set(key, (g = []));
      g.push(m);
    }
    const keys = [...groups.keys()].filter((k) => groups.get(k)!.length > 0);
    if (keys.length === 0) throw new UserError(`--split ${split.text}: no trained model of ${p.label} lies in the bins ${bins!.map((b) => b.label).join(' ')}`);
    if (keys.length > 1) informative = true;
    if (!bins) keys.sort(compareValues);
    for (const value of keys) parts.push({ label: `${p.label} ${split.name}${bins ? ' in ' : '='}${value}`, parent: p.label, value, models: groups.get(value)! });
  }
  if (!informative) throw new UserError(`--split ${split.text}: every model of ${pops.map((p) => p.label).join(', ')} ${bins ? 'lies in one bin' : 'has the same value'}; nothing to compare`);
  return { spec: split, edges, parts };
}

export interface SplitStats {
  /** The population, its models in the split and the bootstrap per part. */
  parent: string;
  n: number;
  parts: CategoryStats[];
}

/** Per population of a split, the bootstrap over its parts (in the split's order). */
export function splitStats(split: Split, opts: BootstrapOptions): SplitStats[] {
  const parents = [...new Set(split.parts.map((s) => s.parent))];
  return parents.map((parent) => {
    const parts = split.parts.filter((s) => s.parent === parent);
    const models = parts.flatMap((s) => s.models);
    const values = parts.flatMap((s) => s.models.map(() => s.value));
    return { parent, n: models.length, parts: categoryBootstrap(models, values, opts, parts.map((s) => s.value)) };
  });
}

/** The split's header line: what it splits by, and the bin edges when it binned. */
export function splitTitle(split: Split): string {
  return `by ${split.spec.name}${split.edges ? ` (bins with edges ${split.edges.map(edgeText).join(', ')})` : ''}`;
}

/** The bootstrap's table columns and one row per part (shared by `dse plot edf --split` and the report). */
export function splitRows(stats: SplitStats): string[][] {
  return stats.parts.map((c) => [c.value, String(c.n), c.min.toFixed(2), c.median.toFixed(2), `${(100 * c.wins).toFixed(1)}%`, Number.isNaN(c.bestLo) ? '--' : `[${c.bestLo.toFixed(2)}, ${c.bestHi.toFixed(2)}]`]);
}

export const SPLIT_COLUMNS = ['n', 'min', 'median', 'wins', 'best 95%'];

export interface CategoryStats {
  value: string;
  n: number;
  min: number;
  median: number;
  /** Share of bootstrap rounds whose best model has this value. */
  wins: number;
  /** Interval of the value's best error over the rounds it took part in (NaN when it never did). */
  bestLo: number;
  bestHi: number;
}

/**
 * Per value of a categorical parameter in one population: its models' count, best and median error,
 * and the bootstrap: the share of rounds each value wins, and each value's best error among the
 * drawn models over the rounds (the 2.5th-97.5th percentiles at the default 95%). Values come in
 * `order` when given (a split's bins), else sorted by value.
 */
export function categoryBootstrap(models: readonly Scored[], values: readonly string[], opts: BootstrapOptions = {}, order?: readonly string[]): CategoryStats[] {
  if (models.length !== values.length) throw new Error(`categoryBootstrap: ${values.length} values for ${models.length} models`);
  const categories = order ? [...order] : [...new Set(values)].sort(compareValues);
  const index = new Map(categories.map((c, i) => [c, i]));
  const errors = models.map((m) => m.error);
  const cats = Int32Array.from(values, (v) => index.get(v)!);
  const wins = new Array<number>(categories.length).fill(0);
  const perValueBest: number[][] = categories.map(() => []);
  const best = new Float64Array(categories.length);
  let rounds = 0;
  eachRound(errors.length, opts, (_, drawn) => {
    rounds++;
    best.fill(Infinity);
    for (const i of drawn) if (errors[i] < best[cats[i]]) best[cats[i]] = errors[i];
    wins[cats[roundWinner(errors, drawn)]]++;
    for (let c = 0; c < best.length; c++) if (best[c] < Infinity) perValueBest[c].push(best[c]);
  });
  const tail = (1 - (opts.confidence ?? 0.95)) / 2;
  return categories.map((value, c) => {
    const own = errors.filter((_, i) => values[i] === value).sort((a, b) => a - b);
    const bests = perValueBest[c].sort((a, b) => a - b);
    return {
      value,
      n: own.length,
      min: own[0],
      median: percentileSorted(own, 0.5),
      wins: wins[c] / rounds,
      bestLo: bests.length ? percentileSorted(bests, tail) : NaN,
      bestHi: bests.length ? percentileSorted(bests, 1 - tail) : NaN,
    };
  });
}

