/**
 * Scalar samplers of pycls/sweep/random.py, in the closed interval [low, high] quantized to q:
 *
 *   uniform                f ~ U[low, high+q), floor to a multiple of q
 *   log_uniform            f ~ exp(U) over (low - min(q, low/2), high], ceil to a multiple of q
 *   power2_uniform         2^floor(U[log2 low, log2 high + 1)), floored to q
 *   power2_or_log_uniform  a power of two from [low, high]; if it is >= q, redrawn log-uniformly
 *                          from [max(low, q), high] with step min(high, q) (log-linear CDF overall)
 *   normal / log_normal    clipped (log-)normal, mu/sigma such that [low, high] is +-3 sigma,
 *                          redrawn until inside, rounded half to even to a multiple of q
 *   choice                 one of `values` (numbers, strings such as activations, or booleans), uniformly
 *
 * Quantization multiplies an integer by q as exact decimals (pycls uses Decimal(str(q))), so
 * ceil(245.3) * 0.1 is 24.5, not 24.500000000000004.
 */
import { roundHalfEven } from '../util/round.js';
import type { Rng } from './rng.js';

export const RANGE_DISTS = ['uniform', 'log_uniform', 'power2_uniform', 'power2_or_log_uniform', 'normal', 'log_normal'] as const;
export type RangeDist = (typeof RANGE_DISTS)[number];

export interface RangeSampler {
  dist: RangeDist;
  low: number;
  high: number;
  q: number;
}

/** A value a choice can offer: a number, a category (an activation, an op) or a flag. */
export type ChoiceValue = number | string | boolean;

export interface ChoiceSampler {
  dist: 'choice';
  values: ChoiceValue[];
}

export type ScalarSampler = RangeSampler | ChoiceSampler;

// ---------------------------------------------------------------- exact decimal steps

/** x as an exact decimal: digits * 10^-scale, from the shortest round-trip string (Python's str(float)). */
function decimalOf(x: number): { digits: bigint; scale: number } {
  const [mant, expPart] = String(x).toLowerCase().split('e');
  const exp = expPart ? Number(expPart) : 0;
  const [intPart, frac = ''] = mant.split('.');
  const scale = frac.length - exp;
  const digits = BigInt(intPart + frac);
  return scale >= 0 ? { digits, scale } : { digits: digits * 10n ** BigInt(-scale), scale: 0 };
}

/** Decimal(str(x)) % Decimal(str(q)) == 0, exactly. */
export function isMultipleOf(x: number, q: number): boolean {
  const a = decimalOf(x);
  const b = decimalOf(q);
  const scale = Math.max(a.scale, b.scale);
  const bq = b.digits * 10n ** BigInt(scale - b.scale);
  return bq !== 0n && (a.digits * 10n ** BigInt(scale - a.scale)) % bq === 0n;
}

/** Multiplies integers by a step q as exact decimals, then rounds once to the nearest double. */
export class Step {
  private readonly digits: number;
  private readonly divisor: number;

  constructor(readonly q: number) {
    if (!(q > 0) || !Number.isFinite(q)) throw new RangeError(`quantization step must be > 0, got ${q}`);
    const d = decimalOf(q);
    this.digits = Number(d.digits);
    this.divisor = 10 ** d.scale;
  }

  /** n * q for an integer n (exact as long as n * digits(q) < 2^53). */
  times(n: number): number {
    return (n * this.digits) / this.divisor;
  }
}

export type Rounding = 'floor' | 'ceil' | 'round';

/** pycls quantize(f, q, op): op(f / q) * q as decimals. 'round' is half to even (np.round). */
export function quantize(f: number, q: number | Step, op: Rounding = 'floor'): number {
  const step = typeof q === 'number' ? new Step(q) : q;
  const x = f / step.q;
  const n = op === 'floor' ? Math.floor(x) : op === 'ceil' ? Math.ceil(x) : roundHalfEven(x);
  return step.times(n);
}

// ---------------------------------------------------------------- the samplers

/** A sampler bound to its parameters: draws one value from the rng. */
export type Draw = (rng: Rng) => ChoiceValue;
type NumberDraw = (rng: Rng) => number;

function uniformDraw(low: number, high: number, q: number): NumberDraw {
  const step = new Step(q);
  return (rng) => quantize(rng.uniform(low, high + q), step, 'floor');
}

function logUniformDraw(low: number, high: number, q: number): NumberDraw {
  const step = new Step(q);
  const a = -Math.log(high);
  const b = -Math.log(low - Math.min(q, low / 2));
  return (rng) => quantize(Math.exp(-rng.uniform(a, b)), step, 'ceil');
}

function power2UniformDraw(low: number, high: number, q: number): NumberDraw {
  const step = new Step(q);
  const a = Math.log2(low);
  const b = Math.log2(high) + 1;
  return (rng) => quantize(2 ** Math.floor(rng.uniform(a, b)), step, 'floor');
}

function power2OrLogUniformDraw(low: number, high: number, q: number): NumberDraw {
  const power2 = power2UniformDraw(low, high, low);
  const log = logUniformDraw(Math.max(low, q), high, Math.min(high, q));
  return (rng) => {
    const f = power2(rng);
    return f >= q ? log(rng) : f;
  };
}

function normalDraw(low: number, high: number, q: number, logScale: boolean): NumberDraw {
  const step = new Step(q);
  const [lo, hi] = logScale ? [Math.log(low), Math.log(high)] : [low, high];
  const mu = (lo + hi) / 2;
  const sigma = (hi - lo) / 6;
  return (rng) => {
    let f: number;
    do {
      const z = rng.normal(mu, sigma);
      f = logScale ? Math.exp(z) : z;
    } while (!(low <= f && f <= high));
    return quantize(f, step, 'round');
  };
}

/** Binds a sampler to its parameters (validate it with checkSampler first). */
export function compileSampler(s: ScalarSampler): Draw {
  switch (s.dist) {
    case 'choice': {
      const values = s.values.slice();
      return (rng) => values[rng.int(values.length)];
    }
    case 'uniform':
      return uniformDraw(s.low, s.high, s.q);
    case 'log_uniform':
      return logUniformDraw(s.low, s.high, s.q);
    case 'power2_uniform':
      return power2UniformDraw(s.low, s.high, s.q);
    case 'power2_or_log_uniform':
      return power2OrLogUniformDraw(s.low, s.high, s.q);
    case 'normal':
      return normalDraw(s.low, s.high, s.q, false);
    case 'log_normal':
      return normalDraw(s.low, s.high, s.q, true);
  }
}

// ---------------------------------------------------------------- validation (pycls validate_rand)

export interface SamplerProblem {
  /** Key of the sampler field at fault (low, high, q, values), or '' for the sampler as a whole. */
  field: string;
  message: string;
}

function isPowerOf2(x: number): boolean {
  return x > 0 && Number.isInteger(Math.log2(x));
}

/** The rules of pycls validate_rand, each reported against the field at fault. */
export function checkSampler(s: ScalarSampler): SamplerProblem[] {
  if (s.dist === 'choice') {
    if (s.values.length === 0) return [{ field: 'values', message: 'must list at least one value' }];
    return [];
  }
  const problems: SamplerProblem[] = [];
  const { dist, low, high, q } = s;
  if (!(q > 0)) problems.push({ field: 'q', message: `must be > 0, got ${q}` });
  if (!(low <= high)) problems.push({ field: 'low', message: `must be <= high (${high}), got ${low}` });
  if (!(low > 0) && dist !== 'uniform' && dist !== 'normal') problems.push({ field: 'low', message: `must be > 0 for ${dist}, got ${low}` });
  if (problems.length) return problems;
  if (dist !== 'power2_or_log_uniform') {
    if (!isMultipleOf(low, q)) problems.push({ field: 'low', message: `must be a multiple of q (${q}), got ${low}` });
    if (!isMultipleOf(high, q)) problems.push({ field: 'high', message: `must be a multiple of q (${q}), got ${high}` });
  }
  if (dist === 'power2_uniform' || dist === 'power2_or_log_uniform') {
    for (const [field, v] of [['low', low], ['high', high], ['q', q]] as const) {
      if (!isPowerOf2(v)) problems.push({ field, message: `must be a power of 2 for ${dist}, got ${v}` });
    }
  }
  return problems;
}

/**
 * Every value a range sampler can produce lies in [min, max] and is a multiple of `step` (undefined
 * when no common step is known). Choices are checked value by value instead.
 */
export function samplerSupport(s: RangeSampler): { min: number; max: number; step?: number } {
  if (s.dist === 'power2_or_log_uniform') {
    // Powers of two from low while below q (all multiples of low), then multiples of min(high, q).
    return { min: s.low, max: s.high, step: s.low < s.q ? s.low : Math.min(s.high, s.q) };
  }
  return { min: s.low, max: s.high, step: s.q };
}
