/**
 * The per-stage view of a spec that the analysis, the store's columns and the tables print: the
 * block nodes grouped by their stage label, with widths taken from the derived shapes.
 */
import { analyzeSpec, type SpecAnalysis } from './graph.js';
import type { ParamValue } from './params.js';
import type { ModelSpec } from './spec.js';

export interface StageSummary {
  /** 0-based position of the stage. */
  stage: number;
  /** The stage label in the spec, e.g. "s1". */
  label: string;
  type: string;
  /** Output width of the stage's first block. */
  width: number;
  depth: number;
  /** Stride of the stage's first block (1 when its type has none). */
  stride: number;
  /** Resolved parameters of the stage's first block, less w_out and stride. */
  params: Record<string, ParamValue>;
}

const cache = new WeakMap<object, SpecAnalysis>();

/** analyzeSpec, remembered per spec object (analysis reads many metrics off one trial). */
export function analyzed(spec: ModelSpec): SpecAnalysis {
  let a = cache.get(spec);
  if (!a) {
    a = analyzeSpec(spec);
    cache.set(spec, a);
  }
  return a;
}

/** Consecutive block nodes with one stage label form a stage; unlabelled blocks are one stage each. */
export function stageSummaries(spec: ModelSpec): StageSummary[] {
  const stages: StageSummary[] = [];
  let lastLabel: string | undefined;
  for (const n of analyzed(spec).nodes) {
    if (n.type.kind !== 'block') continue;
    const label = n.spec.stage;
    const last = stages[stages.length - 1];
    if (last && label !== undefined && label === lastLabel) {
      last.depth += 1;
      continue;
    }
    const { w_out: _w, stride, ...params } = n.params;
    stages.push({ stage: stages.length, label: label ?? n.spec.id, type: n.type.name, width: n.shape.c, depth: 1, stride: typeof stride === 'number' ? stride : 1, params });
    lastLabel = label;
  }
  return stages;
}

/** Per-block output widths in order: the quantity the RegNet width rule is fitted to. */
export function blockWidths(spec: ModelSpec): number[] {
  return analyzed(spec).nodes.filter((n) => n.type.kind === 'block').map((n) => n.shape.c);
}

/** Number of block nodes. */
export function blockCount(spec: ModelSpec): number {
  return analyzed(spec).nodes.filter((n) => n.type.kind === 'block').length;
}

/** Number of classes: the channels of the output node's result. */
export function outputClasses(spec: ModelSpec): number {
  const a = analyzed(spec);
  return a.nodes.find((n) => n.spec.id === a.output)!.shape.c;
}
