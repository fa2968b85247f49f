/** EDF figures: error EDFs of several sweeps overlaid, and the random-search efficiency curve. */
import type { TopLevelSpec } from 'vega-lite';
import { edfSteps } from '../edf.js';
import type { EfficiencyPoint } from '../efficiency.js';
import { colorOf, figure, fmt } from './theme.js';

export interface EdfSeries {
  name: string;
  errors: readonly number[];
  /** Per-model weights (normalized EDF); plain 1/n when absent. */
  weights?: readonly number[];
}

/** "name  n=500 | min 5.21 | mean 7.90" (pycls's n|min|mean legend); the mean is weighted when weights are. */
export function edfLegend(s: EdfSeries): string {
  let min = Infinity;
  let mean = 0;
  let n = 0;
  s.errors.forEach((e, i) => {
    const w = s.weights ? s.weights[i] : 1 / s.errors.length;
    if (s.weights && w === 0) return;
    n++;
    if (e < min) min = e;
    mean += w * e;
  });
  return `${s.name}  n=${n} | min ${fmt(min)} | mean ${fmt(mean)}`;
}

export function edfChart(series: readonly EdfSeries[], opts: { title: string; subtitle?: string; errorLabel: string; yLabel?: string }): TopLevelSpec {
  const rows: { series: string; error: number; F: number }[] = [];
  const labels = series.map(edfLegend);
  series.forEach((s, i) => {
    const kept = s.weights ? s.errors.filter((_, j) => s.weights![j] > 0) : s.errors;
    const keptWeights = s.weights?.filter((w) => w > 0);
    const steps = edfSteps(kept, keptWeights);
    if (steps.length === 0) return;
    rows.push({ series: labels[i], error: steps[0].error, F: 0 });
    for (const step of steps) rows.push({ series: labels[i], error: step.error, F: step.F });
  });
  return figure(
    {
      width: 420,
      height: 300,
      data: { values: rows },
      mark: { type: 'line', interpolate: 'step-after', strokeWidth: 1.6, opacity: 0.9 },
      encoding: {
        x: { field: 'error', type: 'quantitative', title: opts.errorLabel, scale: { zero: false } },
        y: { field: 'F', type: 'quantitative', title: opts.yLabel ?? 'cumulative prob.', scale: { domain: [0, 1] } },
        color: {
          field: 'series',
          type: 'nominal',
          title: 'n | min | mean',
          sort: labels,
          scale: { domain: labels, range: labels.map((_, i) => colorOf(i)) },
          legend: { orient: 'bottom', direction: 'vertical' },
        },
        order: { field: 'error', type: 'quantitative' },
      },
    },
    opts.title,
    opts.subtitle,
  );
}

export interface EfficiencySeries {
  name: string;
  points: readonly EfficiencyPoint[];
}

export function efficiencyChart(series: readonly EfficiencySeries[], opts: { title: string; subtitle?: string; errorLabel: string }): TopLevelSpec {
  const names = series.map((s) => s.name);
  const rows = series.flatMap((s) => s.points.map((p) => ({ series: s.name, k: p.k, expected: p.expected })));
  return figure(
    {
      width: 420,
      height: 300,
      data: { values: rows },
      mark: { type: 'line', point: { size: 18 }, strokeWidth: 1.6 },
      encoding: {
        x: { field: 'k', type: 'quantitative', title: 'models drawn (k)', scale: { type: 'log', base: 2 }, axis: { tickCount: 8 } },
        y: { field: 'expected', type: 'quantitative', title: `expected min ${opts.errorLabel}`, scale: { zero: false } },
        color: { field: 'series', type: 'nominal', title: 'sweep', scale: { domain: names, range: names.map((_, i) => colorOf(i)) }, legend: { orient: 'top-right', fillColor: 'white' } },
      },
    },
    opts.title,
    opts.subtitle,
  );
}
