/**
 * The empirical bootstrap of the RegNet paper (Sec. 3.1; pycls sweep/analysis.py get_filters): where
 * do the best models lie along a parameter x? Draw 25% of the (x, error) pairs with replacement, keep
 * the x of the lowest error, repeat B = 10,000 times; the median of those x is the likely best value
 * and the 2.5th-97.5th percentiles its 95% interval. Percentiles interpolate linearly (numpy's
 * default), so the numbers match pycls's on the same draws.
 */
import seedrandom from 'seedrandom';
import { UserError } from '../util/errors.js';

export interface BootstrapOptions {
  /** Rounds B (default 10,000). */
  samples?: number;
  /** Share of the population drawn per round (default 0.25; at least one model). */
  fraction?: number;
  /** Confidence of the interval (default 0.95). */
  confidence?: number;
  /** Seed of the draws (default 0): the same seed gives the same interval. */
  seed?: number | string;
}

export interface BootstrapResult {
  /** Median of the best x over the rounds. */
  best: number;
  lo: number;
  hi: number;
  confidence: number;
  /** Models in the population and drawn per round. */
  n: number;
  drawSize: number;
  samples: number;
}

export function bootstrapBest(xs: readonly number[], errors: readonly number[], opts: BootstrapOptions = {}): BootstrapResult {
  if (xs.length !== errors.length) throw new Error(`bootstrap: ${xs.length} values for ${errors.length} errors`);
  return summarizeBest(xs, bootstrapWinners(errors, opts), opts);
}

/**
 * The rounds' winners: for each of B rounds, the index of the lowest error among 25% of the models
 * drawn with replacement. They depend on the errors alone, so one set serves every metric (as in
 * pycls, which draws once per sweep).
 */
export function bootstrapWinners(errors: readonly number[], opts: BootstrapOptions = {}): Int32Array {
  const err = Float64Array.from(errors);
  const winners = new Int32Array(checkedSamples(opts));
  eachRound(errors.length, opts, (round, drawn) => {
    winners[round] = roundWinner(err, drawn);
  });
  return winners;
}

/** A round's winner: the drawn model with the lowest error; of equal errors the first drawn, as numpy's argmin. */
export function roundWinner(errors: ArrayLike<number>, drawn: Int32Array): number {
  let bestErr = Infinity;
  let best = 0;
  for (const i of drawn) {
    if (errors[i] < bestErr) {
      bestErr = errors[i];
      best = i;
    }
  }
  return best;
}

/**
 * The bootstrap's rounds: for each of B rounds, the indices of the models drawn (25% of n with
 * replacement, seeded), in one reused buffer. Every statistic drawn from the same options sees the
 * same rounds.
 */
export function eachRound(n: number, opts: BootstrapOptions, visit: (round: number, drawn: Int32Array) => void): void {
  const samples = checkedSamples(opts);
  const fraction = opts.fraction ?? 0.25;
  if (!(fraction > 0 && fraction <= 1)) throw new UserError(`--fraction: expected a share in (0, 1], got ${fraction}`);
  if (n === 0) throw new UserError('bootstrap: no models with both the value and an error');
  const drawn = new Int32Array(drawSizeOf(n, fraction));
  const rng = seedrandom.alea(String(opts.seed ?? 0));
  for (let b = 0; b < samples; b++) {
    for (let t = 0; t < drawn.length; t++) drawn[t] = Math.floor(rng() * n);
    visit(b, drawn);
  }
}

function checkedSamples(opts: BootstrapOptions): number {
  const samples = opts.samples ?? 10_000;
  if (!Number.isInteger(samples) || samples < 1) throw new UserError(`--samples: expected a positive integer, got ${samples}`);
  return samples;
}

/** Median and interval of x over the rounds' winners. */
export function summarizeBest(xs: readonly number[], winners: Int32Array, opts: BootstrapOptions = {}): BootstrapResult {
  const confidence = opts.confidence ?? 0.95;
  if (!(confidence > 0 && confidence < 1)) throw new UserError(`--confidence: expected a number in (0, 1), got ${confidence}`);
  const best = Float64Array.from(winners, (i) => xs[i]).sort();
  const tail = (1 - confidence) / 2;
  return {
    best: percentileSorted(best, 0.5),
    lo: percentileSorted(best, tail),
    hi: percentileSorted(best, 1 - tail),
    confidence,
    n: xs.length,
    drawSize: drawSizeOf(xs.length, opts.fraction ?? 0.25),
    samples: winners.length,
  };
}

/** Models drawn per round: the share of the population, at least one. */
function drawSizeOf(n: number, fraction: number): number {
  return Math.max(1, Math.floor(n * fraction));
}

/** numpy.percentile's default (linear) on ascending values, p in [0, 1]. */
export function percentileSorted(sorted: ArrayLike<number>, p: number): number {
  const h = (sorted.length - 1) * p;
  const i = Math.floor(h);
  if (i + 1 >= sorted.length) return sorted[sorted.length - 1];
  return sorted[i] + (h - i) * (sorted[i + 1] - sorted[i]);
}
