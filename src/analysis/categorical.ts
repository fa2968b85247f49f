/**
 * Categorical parameters (act, op, variant, se, a per-stage k): the population split by a
 * parameter's value, each part with its own EDF, and the bootstrap of the paper (Sec. 3.1) asking
 * which value the best models have: in B rounds of 25% of the models drawn with replacement, the
 * share of rounds whose lowest error has each value, with a 95% interval for each value's error.
 */
import { UserError } from '../util/errors.js';
import { type BootstrapOptions, eachRound, percentileSorted, roundWinner } from './bootstrap.js';
import { isKnownParameter, parameterValue, type Scored } from './metrics.js';
import type { Population } from './figures.js';

/** A value of the split parameter as text: numbers and names as written, lists comma-joined. */
export function valueText(v: unknown): string | null {
  if (v === undefined || v === null) return null;
  if (Array.isArray(v)) return v.map(String).join(',');
  return String(v);
}

/** Reads the split parameter off a model: a name, or name[i] for stage (unit) i of a per-stage value. */
export function splitReader(name: string, flag = '--split'): (m: Scored) => string | null {
  const stage = /^([A-Za-z_][A-Za-z0-9_]*)\[(\d+)\]$/.exec(name.trim());
  const key = stage ? stage[1] : name.trim();
  if (!isKnownParameter(key)) throw new UserError(`${flag}: unknown parameter "${key}" (any parameter of the sweeps' spaces and node types: act, se_r, variant, op, ..., or name[i] for stage i)`);
  if (!stage) return (m) => valueText(parameterValue(m.trial, key));
  const i = Number(stage[2]);
  return (m) => {
    const v = parameterValue(m.trial, key);
    return Array.isArray(v) ? valueText(v[i]) : null;
  };
}

/** Orders values numerically when all are numbers, else as text. */
function compareValues(a: string, b: string): number {
  const x = Number(a);
  const y = Number(b);
  return Number.isFinite(x) && Number.isFinite(y) ? x - y : a.localeCompare(b);
}

export interface SplitPopulation extends Population {
  /** The population it came from, and the value its models share. */
  parent: string;
  value: string;
}

/**
 * Each population split by the parameter's value, parts ordered by value and labelled
 * "sweep name=value". Models without the parameter are left out; a sweep where no model has it is
 * an error, as is a split that leaves one part only in every sweep.
 */
export function splitPopulations(pops: readonly Population[], name: string): SplitPopulation[] {
  const read = splitReader(name);
  const out: SplitPopulation[] = [];
  let informative = false;
  for (const p of pops) {
    const groups = new Map<string, Scored[]>();
    for (const m of p.models) {
      const v = read(m);
      if (v === null) continue;
      let g = groups.get(v);
      if (!g) groups.set(v, (g = []));
      g.push(m);
    }
    if (groups.size === 0) throw new UserError(`--split ${name}: no trained model of ${p.label} has it`);
    if (groups.size > 1) informative = true;
    for (const value of [...groups.keys()].sort(compareValues)) out.push({ label: `${p.label} ${name}=${value}`, parent: p.label, value, models: groups.get(value)! });
  }
  if (!informative) throw new UserError(`--split ${name}: every model of ${pops.map((p) => p.label).join(', ')} has the same value; nothing to compare`);
  return out;
}

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
 * drawn models over the rounds (the 2.5th-97.5th percentiles at the default 95%).
 */
export function categoryBootstrap(models: readonly Scored[], values: readonly string[], opts: BootstrapOptions = {}): CategoryStats[] {
  if (models.length !== values.length) throw new Error(`categoryBootstrap: ${values.length} values for ${models.length} models`);
  const categories = [...new Set(values)].sort(compareValues);
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

