/**
 * Seed noise: how much a model's error moves when only the training seed changes. A sweep with
 * `repeats: k` trains each model k times; its EDF uses each model's mean error, and this module
 * measures the spread the mean hides: the per-model standard deviation, how well one repeat's ranking
 * predicts another's (Spearman's rho), and how far the EDF moves between repeats (the KS distance:
 * the largest share of models on which two repeats' EDFs disagree). bench/stability.ts reports the
 * same figures for two separate trainings of a sweep.
 */
import type { TrialRecord } from '../store/types.js';
import { mean, sampleStd } from '../util/stats.js';
import { type ErrorKind, errorOf } from './metrics.js';

/** Ranks 1..n, ties sharing their mean rank. */
export function ranks(values: readonly number[]): number[] {
  const order = values.map((x, i) => [x, i] as const).sort((a, b) => a[0] - b[0]);
  const out = new Array<number>(values.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1][0] === order[i][0]) j++;
    for (let k = i; k <= j; k++) out[order[k][1]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return out;
}

/** Spearman's rank correlation of paired samples (Pearson's r of their ranks); NaN when either is constant. */
export function spearman(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) throw new Error(`spearman: ${a.length} and ${b.length} values`);
  const ra = ranks(a);
  const rb = ranks(b);
  const mean = (ra.length + 1) / 2;
  let num = 0;
  let da = 0;
  let db = 0;
  for (let i = 0; i < ra.length; i++) {
    num += (ra[i] - mean) * (rb[i] - mean);
    da += (ra[i] - mean) ** 2;
    db += (rb[i] - mean) ** 2;
  }
  return da && db ? num / Math.sqrt(da * db) : NaN;
}

/** The KS distance and the mean |F1 - F2| of two samples' EDFs (F(e) = share <= e), over the pooled values. */
export function edfShift(a: readonly number[], b: readonly number[]): { ks: number; mean: number } {
  const edf = (s: readonly number[], e: number) => s.filter((x) => x <= e).length / s.length;
  const gaps = [...a, ...b].map((e) => Math.abs(edf(a, e) - edf(b, e)));
  return { ks: Math.max(...gaps), mean: mean(gaps) };
}

export interface SeedNoise {
  /** The most repeats a model has. */
  repeats: number;
  /** Models with at least two repeats (the ones the figures below are over). */
  models: number;
  /** Mean and largest per-model sample standard deviation of the error, points. */
  mean_std: number;
  max_std: number;
  /** Between the models' errors in repeat 0 and repeat 1. */
  spearman: number;
  ks: number;
  mean_edf_shift: number;
}

/** The errors of a trial's repeats under `kind`, when it has at least two and each has that error. */
function repeatErrors(trial: TrialRecord, kind: ErrorKind): number[] | null {
  const errors = (trial.repeats ?? []).map((r) => errorOf(r, kind));
  return errors.length >= 2 && errors.every((e): e is number => e !== null) ? errors : null;
}

/** The sample standard deviation of a trial's error over its repeats, points; null with fewer than two. */
export function errorSpread(trial: TrialRecord, kind: ErrorKind): number | null {
  const errors = repeatErrors(trial, kind);
  return errors ? sampleStd(errors) : null;
}

/**
 * The seed noise of a population's done trials under the error `kind` (a repeat's error is read as the
 * trial's is), or null when no model has two repeats.
 */
export function seedNoise(trials: readonly TrialRecord[], kind: ErrorKind): SeedNoise | null {
  const perModel: number[][] = [];
  for (const trial of trials) {
    const errors = trial.status === 'done' ? repeatErrors(trial, kind) : null;
    if (errors) perModel.push(errors);
  }
  if (perModel.length === 0) return null;
  const stds = perModel.map(sampleStd);
  const first = perModel.map((e) => e[0]);
  const second = perModel.map((e) => e[1]);
  const shift = edfShift(first, second);
  return {
    repeats: Math.max(...perModel.map((e) => e.length)),
    models: perModel.length,
    mean_std: mean(stds),
    max_std: Math.max(...stds),
    spearman: spearman(first, second),
    ks: shift.ks,
    mean_edf_shift: shift.mean,
  };
}
