/**
 * The population width rule (RegNet paper, Fig. 8 style): one least-squares line w_j = w0 + wa*j
 * through the per-block widths of a group of models (e.g. the top k by error), pooled.
 */
import { linearRegression, rSquared } from 'simple-statistics';
import { blockWidths } from '../space/index.js';
import { UserError } from '../util/errors.js';
import type { Scored } from './metrics.js';

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

export interface RuleGroup {
  /** "best k" or "worst k". */
  name: string;
  models: Scored[];
  /** The group's rule, or null with the reason (e.g. single-block models) in `problem`. */
  rule: PopulationRule | null;
  problem?: string;
}

/**
 * The population rule of the best k and of the worst k models (scored best first), k = top but at
 * most half the population (at least 1): what `dse fit` prints and the report tabulates.
 */
export function bestWorstRules(scored: readonly Scored[], top: number): RuleGroup[] {
  const k = Math.min(top, Math.max(1, Math.floor(scored.length / 2)));
  const groups: [string, Scored[]][] = [
    [`best ${k}`, scored.slice(0, k)],
    [`worst ${k}`, scored.slice(-k)],
  ];
  return groups.map(([name, models]) => {
    try {
      return { name, models, rule: populationRule(models.map((m) => blockWidths(m.trial.spec))) };
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      return { name, models, rule: null, problem: e.message };
    }
  });
}
