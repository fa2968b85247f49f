/**
 * Error EDFs (RegNet paper, Sec. 2.2): F(e) = (1/n) * sum_i 1[e_i < e], the share of models with an
 * error below e, and the complexity-normalized EDF of the NDS paper (Radosavovic et al., 2019), where
 * models are reweighted so that every complexity bin carries the same total weight.
 */
import { UserError } from '../util/errors.js';

export interface EdfOptions {
  /** Count e_i <= e instead of e_i < e (the right-continuous EDF). */
  inclusive?: boolean;
}

/** F at each point, with optional per-model weights (which must sum to 1; default 1/n each). */
export function edfAt(errors: readonly number[], points: readonly number[], opts: EdfOptions & { weights?: readonly number[] } = {}): number[] {
  const n = errors.length;
  if (n === 0) throw new UserError('EDF: no models with an error to plot (has the sweep finished any trial?)');
  if (opts.weights && opts.weights.length !== n) throw new Error(`EDF: ${opts.weights.length} weights for ${n} errors`);
  const order = sortedOrder(errors);
  const weights = opts.weights;
  const cumulative = new Float64Array(n + 1);
  if (weights) for (let i = 0; i < n; i++) cumulative[i + 1] = cumulative[i] + weights[order[i]];
  return points.map((e) => {
    // Number of sorted errors below e (or at most e): binary search for the boundary.
    let lo = 0, hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const below = opts.inclusive ? errors[order[mid]] <= e : errors[order[mid]] < e;
      if (below) lo = mid + 1;
      else hi = mid;
    }
    if (!weights) return lo / n; // exact: count / n
    return lo === n ? 1 : cumulative[lo];
  });
}

export interface EdfStep {
  error: number;
  /** F just after this error (the <= form); the < form takes the value of the step before. */
  F: number;
}

/** The EDF's steps, one per distinct error, ascending: what a plot draws with step-after interpolation. */
export function edfSteps(errors: readonly number[], weights?: readonly number[]): EdfStep[] {
  const n = errors.length;
  const order = sortedOrder(errors);
  const steps: EdfStep[] = [];
  let F = 0;
  for (let i = 0; i < n; i++) {
    F = weights ? F + weights[order[i]] : (i + 1) / n;
    const e = errors[order[i]];
    if (steps.length && steps[steps.length - 1].error === e) steps[steps.length - 1].F = F;
    else steps.push({ error: e, F });
  }
  if (steps.length) steps[steps.length - 1].F = 1; // no float drift at the top
  return steps;
}

export interface ComplexityBinning {
  /** Number of bins k. */
  bins: number;
  /** [lo, hi] of the complexity axis; default: the population's min and max. Models outside get weight 0. */
  range?: [number, number];
  /** Log-spaced bin edges (default) or linear ones. */
  scale?: 'log' | 'linear';
  /** What is binned, for messages: "flops" or "params". */
  what?: string;
}

export interface ComplexityBin {
  lo: number;
  hi: number;
  count: number;
}

export interface NormalizedWeights {
  /** Per model: 1 / (count in its bin * k), or 0 outside the range. They sum to 1. */
  weights: number[];
  bins: ComplexityBin[];
  /** Models outside the range (weight 0). */
  excluded: number;
}

/**
 * Weights of the complexity-normalized EDF: k bins over the range, each model weighs
 * 1 / (count in its bin * k), so each bin carries 1/k. An empty bin is an error: its models' share
 * cannot be represented.
 */
export function complexityWeights(values: readonly number[], binning: ComplexityBinning): NormalizedWeights {
  const k = binning.bins;
  const what = binning.what ?? 'complexity';
  const scale = binning.scale ?? 'log';
  if (!Number.isInteger(k) || k < 1) throw new UserError(`--bins: expected a positive integer, got ${k}`);
  if (values.length === 0) throw new UserError('normalized EDF: no models to weigh');
  const [lo, hi] = binning.range ?? [Math.min(...values), Math.max(...values)];
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo <= hi)) throw new UserError(`--range: expected lo:hi with lo <= hi, got ${lo}:${hi}`);
  if (scale === 'log' && !(lo > 0)) throw new UserError(`--range: log-spaced bins need a positive range, got ${lo}:${hi}`);
  const t = scale === 'log' ? Math.log : (x: number) => x;
  const tLo = t(lo), tHi = t(hi);
  const edge = (i: number) => (i === 0 ? lo : i === k ? hi : scale === 'log' ? Math.exp(tLo + ((tHi - tLo) * i) / k) : lo + ((hi - lo) * i) / k);
  const bins: ComplexityBin[] = Array.from({ length: k }, (_, i) => ({ lo: edge(i), hi: edge(i + 1), count: 0 }));
  const binOf = values.map((v) => {
    if (!(v >= lo && v <= hi)) return -1;
    if (tHi === tLo) return 0;
    let b = Math.floor(((t(v) - tLo) / (tHi - tLo)) * k);
    if (b >= k) b = k - 1;
    // Settle float disagreements with the reported edges, so a value sits in the bin whose [lo, hi) shows it.
    while (b > 0 && v < bins[b].lo) b--;
    while (b < k - 1 && v >= bins[b + 1].lo) b++;
    return b;
  });
  for (const b of binOf) if (b >= 0) bins[b].count++;
  const empty = bins.findIndex((b) => b.count === 0);
  if (empty >= 0) {
    const b = bins[empty];
    throw new UserError(
      `normalized EDF: ${what} bin ${empty + 1} of ${k} [${formatAmount(b.lo)}, ${formatAmount(b.hi)}) holds no model; use fewer bins (--bins) or a narrower range (--range lo:hi)`,
    );
  }
  const weights = binOf.map((b) => (b < 0 ? 0 : 1 / (bins[b].count * k)));
  return { weights, bins, excluded: binOf.filter((b) => b < 0).length };
}

/** 1234567 -> "1.23M": compact numbers for messages and legends. */
export function formatAmount(v: number): string {
  const abs = Math.abs(v);
  for (const [unit, size] of [['G', 1e9], ['M', 1e6], ['K', 1e3]] as const) {
    if (abs >= size) return `${+(v / size).toPrecision(3)}${unit}`;
  }
  return `${+v.toPrecision(3)}`;
}

function sortedOrder(values: readonly number[]): Int32Array {
  const order = Int32Array.from(values, (_, i) => i);
  order.sort((a, b) => values[a] - values[b] || a - b);
  return order;
}
