/**
 * From loaded sweeps to figures: selects the trained models, computes the statistic and builds the
 * chart. Shared by the `dse plot` commands and the HTML report, so both draw the same thing.
 */
import type { TopLevelSpec } from 'vega-lite';
import { stageSummaries, blockWidths } from '../space/index.js';
import type { TrialRecord } from '../store/types.js';
import { UserError } from '../util/errors.js';
import { type BootstrapOptions, bootstrapWinners, summarizeBest } from './bootstrap.js';
import { edfChart, efficiencyChart, type EdfSeries } from './charts/edf.js';
import { curvesChart } from './charts/curves.js';
import { bootstrapScatterChart, fitScatterChart, type FitPoint, type ScatterPanel } from './charts/scatter.js';
import { fmt } from './charts/theme.js';
import { widthsChart, type WidthProfile } from './charts/widths.js';
import { complexityWeights, formatAmount } from './edf.js';
import { efficiencyCurve } from './efficiency.js';
import type { LoadedSweep } from './load.js';
import { errorLabel, type ErrorKind, metric, scoredTrials, type Scored } from './metrics.js';
import { fitWidthRules, type FitPoolOptions } from './fitPool.js';
import { DEFAULT_FIT_GRID } from './grid.js';
import type { WidthFit } from './widthFit.js';

/** A sweep's trained models, best first, ready for plotting. */
export interface Population {
  label: string;
  models: Scored[];
}

/** Scatters show at most this many points (a seeded sample); the bootstrap always uses all models. */
export const MAX_SCATTER_POINTS = 2500;

/** Bootstrap winners of whole populations, reused across metrics (keyed by population and options). */
const winnersCache = new WeakMap<Scored[], Map<string, Int32Array>>();

function winnersOf(models: Scored[], opts: BootstrapOptions): Int32Array {
  const key = JSON.stringify([opts.samples, opts.fraction, opts.seed]);
  let byOpts = winnersCache.get(models);
  if (!byOpts) winnersCache.set(models, (byOpts = new Map()));
  let w = byOpts.get(key);
  if (!w) byOpts.set(key, (w = bootstrapWinners(models.map((m) => m.error), opts)));
  return w;
}

export function populations(sweeps: readonly LoadedSweep[], kind: ErrorKind): Population[] {
  return sweeps.map((s) => ({ label: s.label, models: scoredTrials(s.trials, kind) }));
}

/** The populations, or a UserError naming the ones with no trained model. */
export function requireTrained(pops: readonly Population[]): void {
  const empty = pops.filter((p) => p.models.length === 0).map((p) => p.label);
  if (empty.length) throw new UserError(`no finished trials with an error in ${empty.join(', ')} (run \`dse run\` first, or check \`dse status\`)`);
}

export interface NormalizeOptions {
  by: 'flops' | 'params';
  bins: number;
  /** Default: the range all compared sweeps share (the overlap of their min..max). */
  range?: [number, number];
  scale?: 'log' | 'linear';
}

export function edfFigure(pops: readonly Population[], kind: ErrorKind, normalize?: NormalizeOptions): TopLevelSpec {
  requireTrained(pops);
  if (!normalize) {
    return edfChart(
      pops.map((p) => ({ name: p.label, errors: p.models.map((m) => m.error) })),
      { title: 'error EDF', subtitle: 'F(e) = share of models with error < e', errorLabel: errorLabel(kind) },
    );
  }
  const by = normalize.by;
  const values = pops.map((p) => p.models.map((m) => m.trial.cx[by]));
  const range = normalize.range ?? sharedRange(values, by);
  const series: EdfSeries[] = pops.map((p, i) => {
    try {
      const w = complexityWeights(values[i], { bins: normalize.bins, range, scale: normalize.scale, what: by });
      return { name: p.label, errors: p.models.map((m) => m.error), weights: w.weights };
    } catch (e) {
      if (e instanceof UserError) throw new UserError(`${p.label}: ${e.message}`);
      throw e;
    }
  });
  return edfChart(series, {
    title: `${by}-normalized error EDF`,
    subtitle: `${normalize.bins} ${normalize.scale === 'linear' ? 'linear' : 'log'}-spaced ${by} bins over [${formatAmount(range[0])}, ${formatAmount(range[1])}], equal weight per bin`,
    errorLabel: errorLabel(kind),
  });
}

/** The complexity range every population covers; a UserError when they do not overlap. */
function sharedRange(values: readonly number[][], by: string): [number, number] {
  const lo = Math.max(...values.map((v) => Math.min(...v)));
  const hi = Math.min(...values.map((v) => Math.max(...v)));
  if (!(lo <= hi)) throw new UserError(`normalized EDF: the sweeps' ${by} ranges do not overlap; pass --range lo:hi`);
  return [lo, hi];
}

export function efficiencyFigure(pops: readonly Population[], kind: ErrorKind, replacement = false): TopLevelSpec {
  requireTrained(pops);
  return efficiencyChart(
    pops.map((p) => ({ name: p.label, points: efficiencyCurve(p.models.map((m) => m.error), undefined, { replacement }) })),
    {
      title: 'random search efficiency',
      subtitle: `expected best error among k models drawn ${replacement ? 'with' : 'without'} replacement (exact)`,
      errorLabel: errorLabel(kind),
    },
  );
}

/** Error vs a metric with the bootstrap band, one panel per sweep that has the metric; null when none has it. */
export function scatterFigure(pops: readonly Population[], metricName: string, kind: ErrorKind, bootstrap: BootstrapOptions): TopLevelSpec | null {
  const m = metric(metricName);
  const panels: ScatterPanel[] = [];
  pops.forEach((p, i) => {
    const points = p.models.flatMap((s) => {
      const x = m.value(s.trial);
      return x === null ? [] : [{ x, error: s.error }];
    });
    if (points.length === 0 || new Set(points.map((q) => q.x)).size < 2) return;
    // Models lacking the metric leave a smaller population, which needs its own draws.
    const winners = points.length === p.models.length ? winnersOf(p.models, bootstrap) : bootstrapWinners(points.map((q) => q.error), bootstrap);
    const result = summarizeBest(points.map((q) => q.x), winners, bootstrap);
    panels.push({ name: p.label, colorIndex: i, points: thin(points, MAX_SCATTER_POINTS), bootstrap: result });
  });
  if (panels.length === 0) return null;
  return bootstrapScatterChart(m, panels, { errorLabel: errorLabel(kind) });
}

/** At most `max` of the points, an evenly spaced deterministic subset (the points are in error order). */
function thin<T>(points: T[], max: number): T[] {
  if (points.length <= max) return points;
  return Array.from({ length: max }, (_, i) => points[Math.floor((i * points.length) / max)]);
}

/** Stored fits, with the missing ones computed (not stored) for the given trials, on the default grid; many run on all cores. */
export async function fitsOf(trials: readonly TrialRecord[], opts: FitPoolOptions = {}): Promise<Map<number, WidthFit>> {
  const missing = trials.filter((t) => !t.fit);
  const computed = await fitWidthRules(missing.map((t) => blockWidths(t.spec)), DEFAULT_FIT_GRID, opts);
  const byId = new Map<number, WidthFit>(missing.map((t, i) => [t.id, computed[i]]));
  return new Map(trials.map((t) => [t.id, t.fit ?? (byId.get(t.id) as WidthFit)]));
}

export function fitFigure(pops: readonly Population[], fits: ReadonlyMap<number, WidthFit>, kind: ErrorKind): TopLevelSpec {
  const points: FitPoint[] = pops.flatMap((p) =>
    p.models.flatMap((s) => {
      const f = fits.get(s.trial.id);
      return f ? [{ sweep: p.label, e_fit: f.e_fit, error: s.error }] : [];
    }),
  );
  if (points.length === 0) throw new UserError('width fit: no trained model has a fit');
  return fitScatterChart(points, { errorLabel: errorLabel(kind), subtitle: `${points.length} models; the width rule fitted to each model's per-block widths` });
}

export function widthProfile(s: Scored, fit: WidthFit | null, rank: string): WidthProfile {
  const stages = stageSummaries(s.trial.spec);
  const starts: number[] = [];
  let at = 0;
  for (const st of stages) {
    starts.push(at);
    at += st.depth;
  }
  return { title: `${rank}: #${s.trial.index}, error ${fmt(s.error)}`, widths: blockWidths(s.trial.spec), stageStarts: starts, fit };
}

/** The best `best` and worst `worst` models of a population, best first, each once. */
export function extremes(p: Population, best: number, worst: number): { rank: string; model: Scored }[] {
  const n = p.models.length;
  const out: { rank: string; model: Scored }[] = [];
  for (let i = 0; i < Math.min(best, n); i++) out.push({ rank: `best ${i + 1}`, model: p.models[i] });
  for (let i = Math.max(Math.min(best, n), n - worst); i < n; i++) out.push({ rank: `worst ${n - i}`, model: p.models[i] });
  return out;
}

export function widthsFigure(p: Population, fits: ReadonlyMap<number, WidthFit>, best: number, worst: number): TopLevelSpec {
  requireTrained([p]);
  const chosen = extremes(p, best, worst);
  return widthsChart(
    chosen.map(({ rank, model }) => widthProfile(model, fits.get(model.trial.id) ?? null, rank)),
    { title: `${p.label}: per-block widths`, subtitle: 'dashed: stage starts; fitted rule in orange, its line u_j in grey' },
  );
}

export function curvesFigure(p: Population, best: number, worst: number, kind: ErrorKind): TopLevelSpec {
  requireTrained([p]);
  const chosen = extremes(p, best, worst);
  const group = (prefix: string) => ({
    title: `${prefix} models`,
    models: chosen.filter((c) => c.rank.startsWith(prefix)).map(({ model }) => ({ label: `#${model.trial.index} (${fmt(model.error)})`, epochs: model.trial.epochs })),
  });
  const groups = [group('best'), group('worst')].filter((g) => g.models.length > 0);
  return curvesChart(groups, { title: `${p.label}: training curves`, subtitle: `train (dashed) and test (solid) error per epoch; legend: sample index (${kind} error)` });
}
