/**
 * Per-block width profiles of chosen models (pycls plot_models): the actual widths, stage starts
 * marked, and the fitted width rule drawn over them (its quantized widths and the line u_j).
 */
import type { TopLevelSpec } from 'vega-lite';
import { generateRegnet } from '../../space/index.js';
import type { WidthFit } from '../widthFit.js';
import { figure, fmt } from './theme.js';

export interface WidthProfile {
  title: string;
  widths: readonly number[];
  /** Index of the first block of each stage. */
  stageStarts: readonly number[];
  fit: WidthFit | null;
}

const SERIES = ['actual widths', 'fitted rule (quantized)', 'u_j = w0 + wa*j'];
const COLORS = ['#0072bd', '#d95319', '#999999'];

function panel(p: WidthProfile) {
  const rows: { j: number; width: number; series: string }[] = p.widths.map((w, j) => ({ j, width: w, series: SERIES[0] }));
  let subtitle = `d=${p.widths.length}, stages=${p.stageStarts.length}`;
  if (p.fit) {
    const rule = generateRegnet(p.fit.wa, p.fit.w0, p.fit.wm, p.widths.length);
    rule.widthsAll.forEach((w, j) => rows.push({ j, width: w, series: SERIES[1] }));
    rule.widthsCont.forEach((w, j) => rows.push({ j, width: w, series: SERIES[2] }));
    subtitle += `; fit w0=${p.fit.w0} wa=${fmt(p.fit.wa)} wm=${fmt(p.fit.wm)} e_fit=${fmt(p.fit.e_fit)}`;
  }
  const all = rows.map((r) => r.width);
  const lo = 2 ** Math.floor(Math.log2(Math.min(...all)));
  let hi = 2 ** Math.ceil(Math.log2(Math.max(...all)));
  if (hi === lo) hi *= 2;
  const ticks: number[] = [];
  for (let t = lo; t <= hi; t *= 2) ticks.push(t);
  const legend = { orient: 'bottom', symbolType: 'stroke', symbolStrokeWidth: 2 };
  const color = { field: 'series', type: 'nominal', title: null, scale: { domain: SERIES, range: COLORS }, legend };
  return {
    title: { text: p.title, subtitle, fontSize: 12 },
    width: 280,
    height: 180,
    layer: [
      {
        data: { values: p.stageStarts.slice(1).map((s) => ({ start: s - 0.5 })) },
        mark: { type: 'rule', color: '#bbb', strokeDash: [3, 3] },
        encoding: { x: { field: 'start', type: 'quantitative' } },
      },
      {
        data: { values: rows },
        mark: { type: 'line', point: { size: 16, filled: true }, strokeWidth: 1.4 },
        encoding: {
          x: { field: 'j', type: 'quantitative', title: 'block index j', axis: { tickMinStep: 1 } },
          y: { field: 'width', type: 'quantitative', title: 'width', scale: { type: 'log', base: 2, domain: [lo, hi] }, axis: { values: ticks, format: 'd' } },
          color,
          strokeDash: { field: 'series', type: 'nominal', title: null, scale: { domain: SERIES, range: [[1, 0], [5, 3], [2, 2]] }, legend },
        },
      },
    ],
  };
}

/** Panels in rows of `columns`; the legend (actual / fitted / line) is shared. */
export function widthsChart(profiles: readonly WidthProfile[], opts: { title: string; subtitle?: string; columns?: number }): TopLevelSpec {
  return figure({ concat: profiles.map(panel), columns: opts.columns ?? 3, resolve: { legend: { color: 'shared', strokeDash: 'shared' } } }, opts.title, opts.subtitle);
}
