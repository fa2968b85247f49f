/** Error-vs-x scatters: with the bootstrap's best value and band (pycls plot_values), and e_fit vs error. */
import type { TopLevelSpec } from 'vega-lite';
import type { BootstrapResult } from '../bootstrap.js';
import type { Metric } from '../metrics.js';
import { formatAmount } from '../edf.js';
import { colorOf, figure, fmt } from './theme.js';

export interface ScatterPanel {
  /** Sweep name. */
  name: string;
  /** Index of the sweep among those compared, for its colour. */
  colorIndex: number;
  points: readonly { x: number; error: number }[];
  bootstrap: BootstrapResult;
}

/** One panel per sweep, side by side, sharing the error axis: points, the best-x line and its interval band. */
export function bootstrapScatterChart(metric: Metric, panels: readonly ScatterPanel[], opts: { errorLabel: string; title?: string }): TopLevelSpec {
  const allErrors = panels.flatMap((p) => p.points.map((q) => q.error));
  const eMin = Math.min(...allErrors);
  const eMax = Math.max(...allErrors);
  const pad = (eMax - eMin) / 20 || 1;
  const yDomain = [eMin - pad, eMax + pad];
  const xScale = metric.log ? { type: 'log' as const } : { zero: false };
  const show = metric.log ? formatAmount : (v: number) => fmt(v);
  const charts = panels.map((p) => {
    const b = p.bootstrap;
    const pct = Math.round(b.confidence * 100);
    return {
      title: {
        text: p.name,
        subtitle: [
          `best ${show(b.best)}, ${pct}% interval [${show(b.lo)}, ${show(b.hi)}]`,
          `B=${b.samples} draws of ${b.drawSize} of ${b.n} models${p.points.length < b.n ? `; ${p.points.length} shown` : ''}`,
        ],
      },
      width: 300,
      height: 220,
      layer: [
        {
          data: { values: [{ lo: b.lo, hi: b.hi, band: `${pct}% interval` }] },
          mark: { type: 'rect', opacity: 0.15, color: '#0072bd' },
          encoding: { x: { field: 'lo', type: 'quantitative' }, x2: { field: 'hi' } },
        },
        {
          data: { values: p.points },
          mark: { type: 'point', filled: true, size: 22, opacity: 0.75, color: colorOf(p.colorIndex) },
          encoding: {
            x: { field: 'x', type: 'quantitative', title: metric.label, scale: xScale, axis: metric.log ? { format: '~s' } : {} },
            y: { field: 'error', type: 'quantitative', title: opts.errorLabel, scale: { domain: yDomain } },
          },
        },
        {
          data: { values: [{ best: b.best }] },
          mark: { type: 'rule', color: 'black', strokeWidth: 1.5 },
          encoding: { x: { field: 'best', type: 'quantitative' } },
        },
      ],
    };
  });
  return figure({ hconcat: charts, resolve: { scale: { y: 'shared' } } }, opts.title ?? `error vs ${metric.label}`);
}

export interface FitPoint {
  sweep: string;
  e_fit: number;
  error: number;
}

/** e_fit against error, one colour per sweep (RegNet paper, Fig. 9 style). */
export function fitScatterChart(points: readonly FitPoint[], opts: { errorLabel: string; title?: string; subtitle?: string }): TopLevelSpec {
  const names = [...new Set(points.map((p) => p.sweep))];
  return figure(
    {
      width: 420,
      height: 300,
      data: { values: points },
      mark: { type: 'point', filled: true, size: 22, opacity: 0.7 },
      encoding: {
        x: { field: 'e_fit', type: 'quantitative', title: 'e_fit = mean |log(w_hat / w)|' },
        y: { field: 'error', type: 'quantitative', title: opts.errorLabel, scale: { zero: false } },
        color: { field: 'sweep', type: 'nominal', title: 'sweep', scale: { domain: names, range: names.map((_, i) => colorOf(i)) } },
      },
    },
    opts.title ?? 'width-rule fit vs error',
    opts.subtitle,
  );
}
