/** The shared look of dse's figures: pycls's colour order, light grids, DejaVu Sans. */
import type { TopLevelSpec } from 'vega-lite';
import type { Config } from 'vega-lite/types_unstable/config.js';
import { FONT_FAMILY } from '../render.js';

/** pycls sweep/plotting.py's default colours, in order (one per sweep). */
export const PALETTE = ['#0072bd', '#d95319', '#edb120', '#7e2f8e', '#77ac30', '#4dbeee', '#a2142f', '#4d4d4d', '#999999', '#ff0000'];

export const CONFIG: Config = {
  font: `${FONT_FAMILY}, Verdana, sans-serif`,
  background: 'white',
  view: { stroke: '#777' },
  axis: { grid: true, gridOpacity: 0.4, labelFontSize: 10, titleFontSize: 11, titleFontWeight: 'normal' },
  legend: { labelFontSize: 10, titleFontSize: 10, labelLimit: 520, symbolStrokeWidth: 2 },
  title: { fontSize: 13, anchor: 'start', subtitleFontSize: 11, subtitleColor: '#444' },
  concat: { spacing: 24 },
};

export const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

export function colorOf(i: number): string {
  return PALETTE[i % PALETTE.length];
}

/** Significant-digit formatting for titles and legends: 0.01234 -> "0.0123", 123456 -> "123456". */
export function fmt(v: number, digits = 3): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v) && Math.abs(v) < 1e6) return String(v);
  if (Math.abs(v) >= 1e6) return v.toExponential(digits - 1);
  return String(+v.toPrecision(digits));
}

/** The top-level wrapper every figure shares. */
export function figure(body: Record<string, unknown>, title?: string, subtitle?: string): TopLevelSpec {
  return {
    $schema: SCHEMA,
    ...(title ? { title: subtitle ? { text: title, subtitle } : title } : {}),
    config: CONFIG,
    ...body,
  } as TopLevelSpec;
}

/** The figure with one more subtitle line (e.g. the filter its models passed). */
export function withNote(spec: TopLevelSpec, note: string | null): TopLevelSpec {
  if (!note) return spec;
  const title = (spec as { title?: string | { text: string; subtitle?: string | string[] } }).title;
  if (title === undefined || typeof title === 'string') return { ...spec, title: { text: title ?? '', subtitle: note } } as TopLevelSpec;
  const subtitle = title.subtitle === undefined ? [] : Array.isArray(title.subtitle) ? title.subtitle : [title.subtitle];
  return { ...spec, title: { ...title, subtitle: [...subtitle, note] } } as TopLevelSpec;
}
