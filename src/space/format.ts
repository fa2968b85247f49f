/**
 * Human-readable complexity and stage tables, shared by `dse cx` and `dse sample`.
 */
import type { Complexity } from './blocks.js';
import { type ModelSpec, stageSummaries } from './spec.js';

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

/** Right-aligned columns under a header; cells are already strings. */
export function renderTable(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (c ?? '').padStart(widths[i])).join('  ');
  return [line(header), ...rows.map(line)];
}

export interface StageRow {
  stage: number;
  width: number;
  depth: number;
  stride: number;
  group_w?: number;
  bot_mul?: number;
  se_r?: number;
}

/** One row per stage: width, depth, stride and the block parameters of its blocks. */
export function stageRows(spec: ModelSpec): StageRow[] {
  return stageSummaries(spec).map((s) => {
    const row: StageRow = { stage: s.stage + 1, width: s.width, depth: s.depth, stride: s.stride };
    for (const k of ['group_w', 'bot_mul', 'se_r'] as const) if (typeof s.params[k] === 'number') row[k] = s.params[k] as number;
    return row;
  });
}

/** The stage table of a spec, with '-' for parameters its block type does not take. */
export function stageTable(spec: ModelSpec): string[] {
  const rows = stageRows(spec);
  const show = (v: number | undefined) => (v === undefined ? '-' : String(v));
  return renderTable(
    ['stage', 'width', 'depth', 'stride', 'group_w', 'bot_mul', 'se_r'],
    rows.map((r) => [String(r.stage), String(r.width), String(r.depth), String(r.stride), show(r.group_w), show(r.bot_mul), show(r.se_r)]),
  );
}
