/**
 * The population width rule (RegNet paper, Fig. 8 style): one least-squares line w_j = w0 + wa*j
 * through the per-block widths of a group of models (e.g. the top k by error), pooled.
 */
import { linearRegression, rSquared } from 'simple-statistics';
import { UserError } from '../util/errors.js';

export interface PopulationRule {
  w0: number;
  wa: number;
  /** Coefficient of determination of the pooled fit. */
  r2: number;
  models: number;
  points: number;
}

/** Fits w_j = w0 + wa*j to every (j, w_j) of the given per-block width profiles. */
export function populationRule(profiles: readonly (readonly number[])[]): PopulationRule {
  const points: [number, number][] = [];
  for (const widths of profiles) widths.forEach((w, j) => points.push([j, w]));
  if (points.length === 0) throw new UserError('population rule: no blocks to fit (no models selected)');
  const depths = new Set(points.map((p) => p[0]));
  if (depths.size < 2) throw new UserError('population rule: every selected model has a single block, so no slope can be fitted');
  const { m, b } = linearRegression(points);
  const r2 = rSquared(points, (x) => b + m * x);
  return { w0: b, wa: m, r2: Number.isFinite(r2) ? r2 : 1, models: profiles.length, points: points.length };
}
