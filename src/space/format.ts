/**
 * Human-readable complexity and stage tables, shared by `dse cx`, `dse sample` and `dse presets`.
 */
import type { Complexity } from './graph.js';
import type { ParamValue } from './params.js';
import { nodeType } from './registry.js';
import type { ModelSpec } from './spec.js';
import { stageSummaries } from './stages.js';

/** 199040872 -> "199,040,872". */
export function withCommas(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** 199040872 -> "199.04 M", 1.6e9 -> "1.60 G", 5.3e4 -> "53.00 k". */
export function shortCount(n: number): string {
  const abs = Math.abs(n);
  if (abs >= 1e9) return `${(n / 1e9).toFixed(2)} G`;
  if (abs >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (abs >= 1e3) return `${(n / 1e3).toFixed(2)} k`;
  return String(n);
}

/** The three complexity lines: "flops   199.04 MF (199,040,872)". */
export function complexityLines(cx: Complexity): string[] {
  const rows: Array<[string, string, number]> = [
    ['flops', `${shortCount(cx.flops)}F`, cx.flops],
    ['params', shortCount(cx.params), cx.params],
    ['acts', shortCount(cx.acts), cx.acts],
  ];
  const left = Math.max(...rows.map((r) => r[1].length));
  return rows.map(([name, short, exact]) => `${name.padEnd(7)}${short.padStart(left)} (${withCommas(exact)})`);
}

export type Align = 'left' | 'right';

/** Columns under a header, right-aligned unless `align` says otherwise (a left-aligned last column is not padded); cells are already strings. */
export function renderTable(header: string[], rows: string[][], align: Align[] = []): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const last = header.length - 1;
  const cell = (c: string, i: number) => (align[i] === 'left' ? (i === last ? c : c.padEnd(widths[i])) : c.padStart(widths[i]));
  const line = (cells: string[]) => cells.map((c, i) => cell(c ?? '', i)).join('  ');
  return [line(header), ...rows.map(line)];
}

/** The same table in Markdown (left-aligned unless `align` says right); '|' in a cell is escaped. */
export function markdownTable(header: string[], rows: string[][], align: Align[] = []): string[] {
  const escape = (c: string) => c.replace(/\|/g, '\\|');
  const rule = header.map((_, i) => (align[i] === 'right' ? '---:' : '---'));
  return [`| ${header.join(' | ')} |`, `|${rule.join('|')}|`, ...rows.map((r) => `| ${r.map(escape).join(' | ')} |`)];
}

export type StageRow = { stage: number; type: string; width: number; depth: number; stride: number } & Record<string, ParamValue>;

/** One row per stage: width, depth, stride and the parameters of its first block. */
export function stageRows(spec: ModelSpec): StageRow[] {
  return stageSummaries(spec).map((s) => ({ ...s.params, stage: s.stage + 1, type: s.type, width: s.width, depth: s.depth, stride: s.stride }));
}

/** More parameter columns than this, and the ones every stage leaves at their default are left out. */
const MAX_PARAM_COLUMNS = 6;

/**
 * The stage table of a spec: a column per block parameter ('-' where a stage's type lacks it); for
 * block types with many parameters (MBConv), only those some stage sets to other than the default.
 */
export function stageTable(spec: ModelSpec): string[] {
  const stages = stageSummaries(spec);
  const isDefault = (type: string, key: string, v: ParamValue) => JSON.stringify(nodeType(type)?.params[key]?.default) === JSON.stringify(v);
  const all = [...new Set(stages.flatMap((s) => Object.keys(s.params)))];
  const keys = all.length <= MAX_PARAM_COLUMNS ? all : all.filter((k) => stages.some((s) => k in s.params && !isDefault(s.type, k, s.params[k])));
  const multipleTypes = new Set(stages.map((s) => s.type)).size > 1;
  // pycls's s1, s2, ... go without saying; other labels (streams, branches) are shown.
  const labels = stages.some((s) => s.label !== `s${s.stage + 1}`);
  const header = ['stage', ...(labels ? ['label'] : []), ...(multipleTypes ? ['type'] : []), 'width', 'depth', 'stride', ...keys];
  const show = (v: ParamValue | undefined) => (v === undefined ? '-' : Array.isArray(v) ? v.join(',') : String(v));
  return renderTable(
    header,
    stages.map((s) => [
      String(s.stage + 1),
      ...(labels ? [s.label] : []),
      ...(multipleTypes ? [s.type] : []),
      String(s.width),
      String(s.depth),
      String(s.stride),
      ...keys.map((k) => show(s.params[k])),
    ]),
  );
}
