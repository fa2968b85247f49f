/**
 * Random-search efficiency (NDS paper, Radosavovic et al. 2019, Sec. 5): the expected minimum error
 * among k models drawn at random from a population, exactly, from the sorted errors.
 *
 * With errors sorted e_1 <= ... <= e_n, P(min >= e_i) = S_i is the chance that all k draws avoid the
 * i-1 best models: C(n-i+1, k) / C(n, k) drawing without replacement (distinct models, the default),
 * ((n-i+1)/n)^k with replacement. Then E[min] = e_1 + sum_{i>=2} (e_i - e_{i-1}) * S_i, a sum of
 * non-negative terms (no cancellation), evaluated in O(n) per k.
 */
import { UserError } from '../util/errors.js';

export interface EfficiencyOptions {
  /** Draw with replacement (k may then exceed n). */
  replacement?: boolean;
}

export function expectedMinError(errors: readonly number[], k: number, opts: EfficiencyOptions = {}): number {
  return expectedMinSorted(Float64Array.from(errors).sort(), k, opts);
}

export interface EfficiencyPoint {
  k: number;
  expected: number;
}

/** E[min error] for k = 1, 2, 4, ... up to n (and n itself), or for the given ks. */
export function efficiencyCurve(errors: readonly number[], ks?: readonly number[], opts: EfficiencyOptions = {}): EfficiencyPoint[] {
  const sorted = Float64Array.from(errors).sort();
  const n = sorted.length;
  let list = ks ? [...ks] : [];
  if (!ks) {
    for (let k = 1; k < n; k *= 2) list.push(k);
    // Fill in between the powers of two for a smooth curve on a log axis.
    list = [...new Set([...list, ...list.map((k) => Math.round(k * Math.SQRT2)).filter((k) => k < n), n])].sort((a, b) => a - b);
  }
  return list.map((k) => ({ k, expected: expectedMinSorted(sorted, k, opts) }));
}

function expectedMinSorted(sorted: Float64Array, k: number, opts: EfficiencyOptions): number {
  const n = sorted.length;
  if (n === 0) throw new UserError('search efficiency: no models with an error');
  if (!Number.isInteger(k) || k < 1) throw new UserError(`search efficiency: k must be a positive integer, got ${k}`);
  if (!opts.replacement && k > n) throw new UserError(`search efficiency: cannot draw ${k} distinct models from ${n}`);
  let expected = sorted[0];
  let survive = 1; // S_1
  for (let i = 2; i <= n; i++) {
    // S_i / S_{i-1} = C(m-1, k) / C(m, k) = (m - k) / m, with m = n - i + 2 models left before step i.
    const m = n - i + 2;
    if (opts.replacement) survive = Math.pow((n - i + 1) / n, k);
    else survive *= Math.max(0, m - k) / m;
    if (survive === 0) break;
    expected += (sorted[i - 1] - sorted[i - 2]) * survive;
  }
  return expected;
}
