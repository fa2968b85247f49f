/**
 * Builds a ModelSpec from per-stage lists (the AnyNet description pycls uses): a stem, stages of one
 * block type with per-stage depths, widths, strides and block parameters, and a head. Every node's
 * parameters are written out in full (the registry's defaults filled in), so a stored spec never
 * depends on a default that a later version might change.
 */
import { type ParamValue, resolveParams } from './params.js';
import { nodeType, stageBlockProblem, unknownNodeType } from './registry.js';
import { type ModelSpec, type NodeSpec, SPEC_VERSION } from './spec.js';
import { MAX_SPEC_NODES, analyzeSpec, SpecError } from './graph.js';

export { SpecError } from './graph.js';

/** The per-stage parameters of a block type that are not its structure (w_out and stride come from the stage lists). */
export const STRUCTURAL_BLOCK_PARAMS = new Set(['w_out', 'stride']);

export interface StageLists {
  depths: number[];
  widths: number[];
  strides: number[];
  /** Per-stage block-type parameters, e.g. { bot_mul: [1,1,1,1], group_w: [8,8,8,8], act: ['relu', ...] }. */
  params?: Record<string, ParamValue[]>;
}

export interface NetworkOptions {
  stem: string;
  stemW: number;
  /** The stem's other parameters (its act, stride, ...); the registry's defaults otherwise. */
  stemParams?: Record<string, ParamValue>;
  blockType: string;
  resolution: number;
  numClasses: number;
  inputChannels?: number;
  /** Head node type; default anynet_head. */
  head?: string;
  /** The head's width (head_w); the head type's default when absent. */
  headW?: number;
  /** The head's other parameters (act, dropout, ...). */
  headParams?: Record<string, ParamValue>;
}

/** NetworkOptions plus the stage strides used when a sampler or a RegNet decides the stage count. */
export interface NetworkConfig extends NetworkOptions {
  /** Stride of each stage's first block (pycls REGNET.STRIDE); default 2. */
  stride?: number;
  /** Stride of stage 1's first block, when it differs (CIFAR nets keep full resolution in stage 1). */
  firstStride?: number;
  /** Every stage's first-block stride, for a fixed stage count (EfficientNet: 1,2,2,2,1,2,1); overrides stride and firstStride. */
  strides?: number[];
}

/** dse's network defaults (pycls's ImageNet AnyNet): what a sampler or a flag leaves unset. */
export const NETWORK_DEFAULTS = { stem: 'simple_stem_in', stemW: 32, blockType: 'res_bottleneck_block', stride: 2, headW: 0 } as const;

/** Per-stage strides: the strides list, else firstStride (default: stride) for stage 1 and stride (default 2) for the rest. */
export function stageStrides(numStages: number, cfg: Pick<NetworkConfig, 'stride' | 'firstStride' | 'strides'>): number[] {
  if (cfg.strides) {
    if (cfg.strides.length !== numStages) throw new SpecError('strides', `has ${cfg.strides.length} entries but the network has ${numStages} stages`);
    return [...cfg.strides];
  }
  const stride = cfg.stride ?? 2;
  const out = new Array<number>(numStages).fill(stride);
  if (numStages > 0) out[0] = cfg.firstStride ?? stride;
  return out;
}

export const DEFAULT_HEAD = 'anynet_head';

/** The stem node of a network: type and given parameters (w_out from stemW). */
export function stemNode(opts: NetworkOptions): { type: string; params: Record<string, ParamValue> } {
  return { type: opts.stem, params: { ...opts.stemParams, w_out: opts.stemW } };
}

/** The head node of a network: type and given parameters (num_classes from numClasses, head_w from headW). */
export function headNode(opts: NetworkOptions): { type: string; params: Record<string, ParamValue> } {
  const params: Record<string, ParamValue> = { ...opts.headParams, num_classes: opts.numClasses };
  if (opts.headW !== undefined) params.head_w = opts.headW;
  return { type: opts.head ?? DEFAULT_HEAD, params };
}

/** A node with its parameters resolved against the registry (defaults filled); SpecError naming `where` otherwise. */
export function resolvedNode(id: string, type: string, params: Record<string, ParamValue>, where: string, extra: Partial<NodeSpec> = {}): NodeSpec {
  const def = nodeType(type);
  if (!def) throw new SpecError(where, unknownNodeType(type));
  const { values, issues } = resolveParams(def.params, params);
  if (issues.length) throw new SpecError(issues[0].key ?? where, issues[0].message);
  return { id, type, ...extra, params: values };
}

export function buildAnyNetSpec(stages: StageLists, opts: NetworkOptions): ModelSpec {
  const n = stages.depths.length;
  if (n === 0) throw new SpecError('depths', 'at least one stage is needed');
  for (const [key, list] of [['widths', stages.widths], ['strides', stages.strides]] as const) {
    if (list.length !== n) throw new SpecError(key, `has ${list.length} entries but depths has ${n}`);
  }
  const blockType = nodeType(opts.blockType);
  const blockProblem = stageBlockProblem(opts.blockType);
  if (!blockType || blockProblem) throw new SpecError('block', blockProblem ?? unknownNodeType(opts.blockType, 'block'));
  const stem = nodeType(opts.stem);
  if (!stem || stem.kind !== 'stem') throw new SpecError('stem', unknownNodeType(opts.stem, 'stem'));
  const head = headNode(opts);
  if (nodeType(head.type)?.kind !== 'head') throw new SpecError('head', unknownNodeType(head.type, 'head'));
  positiveInt('stem-w', opts.stemW);
  positiveInt('resolution', opts.resolution);
  positiveInt('classes', opts.numClasses);
  stages.depths.forEach((d) => positiveInt('depths', d));
  const blocks = stages.depths.reduce((a, b) => a + b, 0);
  if (blocks + 2 > MAX_SPEC_NODES) throw new SpecError('depths', `add up to ${blocks} blocks; a network holds at most ${MAX_SPEC_NODES - 2} (with its stem and head)`);
  stages.widths.forEach((w) => positiveInt('widths', w));
  stages.strides.forEach((s) => positiveInt('strides', s));

  const params = stages.params ?? {};
  const takes = Object.keys(blockType.params).filter((k) => !STRUCTURAL_BLOCK_PARAMS.has(k));
  for (const key of Object.keys(params)) {
    if (!takes.includes(key)) throw new SpecError(key, `is not a parameter of ${opts.blockType} (it takes: ${takes.join(', ') || 'none'})`);
    if (params[key].length !== n) throw new SpecError(key, `has ${params[key].length} entries but depths has ${n}`);
  }

  const nodes: NodeSpec[] = [resolvedNode('stem', opts.stem, stemNode(opts).params, 'stem')];
  for (let s = 0; s < n; s++) {
    const stage = `s${s + 1}`;
    const given: Record<string, ParamValue> = { w_out: stages.widths[s] };
    for (const key of takes) if (params[key]) given[key] = params[key][s];
    for (let i = 0; i < stages.depths[s]; i++) {
      nodes.push(resolvedNode(`${stage}.b${i + 1}`, opts.blockType, { ...given, stride: i === 0 ? stages.strides[s] : 1 }, 'block', { stage }));
    }
  }
  nodes.push(resolvedNode('head', head.type, head.params, 'head'));
  const spec: ModelSpec = { version: SPEC_VERSION, input: { channels: opts.inputChannels ?? 3, resolution: opts.resolution }, nodes };
  analyzeSpec(spec);
  return spec;
}

function positiveInt(param: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) throw new SpecError(param, `must be a positive integer, got ${v}`);
}

/** A spec with every node's parameters resolved: equal networks give equal canonical specs, whatever their version. */
export function canonicalSpec(spec: unknown): ModelSpec {
  const a = analyzeSpec(spec);
  return {
    version: SPEC_VERSION,
    input: { ...a.spec.input },
    nodes: a.nodes.map((n) => ({ id: n.spec.id, type: n.type.name, ...(n.spec.stage !== undefined ? { stage: n.spec.stage } : {}), inputs: n.inputs, params: n.params })),
    output: a.output,
  };
}
