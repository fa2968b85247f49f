/**
 * Builds a ModelSpec from per-stage lists (the AnyNet description pycls uses): depths, widths,
 * strides, and per-stage block parameters.
 */
import { BLOCK_TYPES, STEM_TYPES } from './blocks.js';
import { type BlockSpec, type ModelSpec, SPEC_VERSION, type StemType } from './spec.js';

export interface StageLists {
  depths: number[];
  widths: number[];
  strides: number[];
  /** Per-stage block-type parameters, e.g. { bot_mul: [1,1,1,1], group_w: [8,8,8,8], se_r: [0.25,...] }. */
  params?: Record<string, number[]>;
}

export interface NetworkOptions {
  stem: StemType;
  stemW: number;
  blockType: string;
  resolution: number;
  numClasses: number;
  inputChannels?: number;
  headW?: number;
}

/** NetworkOptions plus the stage strides used when a sampler or a RegNet decides the stage count. */
export interface NetworkConfig extends NetworkOptions {
  /** Stride of each stage's first block (pycls REGNET.STRIDE); default 2. */
  stride?: number;
  /** Stride of stage 1's first block, when it differs (CIFAR nets keep full resolution in stage 1). */
  firstStride?: number;
}

/** Per-stage strides: firstStride (default: stride) for stage 1, stride (default 2) for the rest. */
export function stageStrides(numStages: number, cfg: Pick<NetworkConfig, 'stride' | 'firstStride'>): number[] {
  const stride = cfg.stride ?? 2;
  const out = new Array<number>(numStages).fill(stride);
  if (numStages > 0) out[0] = cfg.firstStride ?? stride;
  return out;
}

export class SpecError extends Error {
  constructor(
    readonly param: string,
    message: string,
  ) {
    super(`${param}: ${message}`);
  }
}

export function buildAnyNetSpec(stages: StageLists, opts: NetworkOptions): ModelSpec {
  const n = stages.depths.length;
  if (n === 0) throw new SpecError('depths', 'at least one stage is needed');
  for (const [key, list] of [['widths', stages.widths], ['strides', stages.strides]] as const) {
    if (list.length !== n) throw new SpecError(key, `has ${list.length} entries but depths has ${n}`);
  }
  const blockType = BLOCK_TYPES[opts.blockType];
  if (!blockType) throw new SpecError('block', `unknown block type "${opts.blockType}" (known: ${Object.keys(BLOCK_TYPES).join(', ')})`);
  if (!STEM_TYPES[opts.stem]) throw new SpecError('stem', `unknown stem type "${opts.stem}" (known: ${Object.keys(STEM_TYPES).join(', ')})`);
  positiveInt('stem-w', opts.stemW);
  positiveInt('resolution', opts.resolution);
  positiveInt('classes', opts.numClasses);
  stages.depths.forEach((d) => positiveInt('depths', d));
  stages.widths.forEach((w) => positiveInt('widths', w));
  stages.strides.forEach((s) => positiveInt('strides', s));

  const params = stages.params ?? {};
  for (const key of Object.keys(params)) {
    if (!blockType.params[key]) throw new SpecError(key, `is not a parameter of ${opts.blockType} (it takes: ${Object.keys(blockType.params).join(', ') || 'none'})`);
    if (params[key].length !== n) throw new SpecError(key, `has ${params[key].length} entries but depths has ${n}`);
  }

  const blocks: BlockSpec[] = [];
  let wIn = opts.stemW;
  for (let s = 0; s < n; s++) {
    for (let i = 0; i < stages.depths[s]; i++) {
      const block: BlockSpec = { type: opts.blockType, w_in: wIn, w_out: stages.widths[s], stride: i === 0 ? stages.strides[s] : 1, stage: s };
      for (const [key, def] of Object.entries(blockType.params)) block[key] = params[key]?.[s] ?? def.default;
      blocks.push(block);
      wIn = stages.widths[s];
    }
  }
  const spec: ModelSpec = {
    version: SPEC_VERSION,
    input: { channels: opts.inputChannels ?? 3, resolution: opts.resolution },
    stem: { type: opts.stem, w_out: opts.stemW },
    blocks,
    head: { num_classes: opts.numClasses, head_w: opts.headW ?? 0 },
  };
  validateSpec(spec);
  return spec;
}

function positiveInt(param: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) throw new SpecError(param, `must be a positive integer, got ${v}`);
}

/** Checks a spec (from any source: a file, the store) against the registry; throws SpecError. */
export function validateSpec(spec: ModelSpec): void {
  if (!spec || typeof spec !== 'object') throw new SpecError('spec', 'is not an object');
  if (spec.version !== SPEC_VERSION) throw new SpecError('version', `must be ${SPEC_VERSION}, got ${spec.version}`);
  positiveInt('input.channels', spec.input?.channels);
  positiveInt('input.resolution', spec.input?.resolution);
  if (!STEM_TYPES[spec.stem?.type]) throw new SpecError('stem.type', `unknown stem type "${spec.stem?.type}"`);
  positiveInt('stem.w_out', spec.stem.w_out);
  positiveInt('head.num_classes', spec.head?.num_classes);
  if (!Number.isInteger(spec.head.head_w) || spec.head.head_w < 0) throw new SpecError('head.head_w', `must be a non-negative integer, got ${spec.head.head_w}`);
  if (!Array.isArray(spec.blocks)) throw new SpecError('blocks', 'must be a list');
  let wIn = spec.stem.w_out;
  spec.blocks.forEach((b, i) => {
    const where = `blocks[${i}]`;
    const def = BLOCK_TYPES[b.type];
    if (!def) throw new SpecError(`${where}.type`, `unknown block type "${b.type}" (known: ${Object.keys(BLOCK_TYPES).join(', ')})`);
    positiveInt(`${where}.w_in`, b.w_in);
    positiveInt(`${where}.w_out`, b.w_out);
    positiveInt(`${where}.stride`, b.stride);
    if (b.w_in !== wIn) throw new SpecError(`${where}.w_in`, `is ${b.w_in} but the previous layer outputs ${wIn}`);
    for (const [key, p] of Object.entries(def.params)) {
      const v = b[key] ?? p.default;
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new SpecError(`${where}.${key}`, `must be a number, got ${JSON.stringify(v)}`);
      if (p.kind === 'int' && !Number.isInteger(v)) throw new SpecError(`${where}.${key}`, `must be an integer, got ${v}`);
      if (v < p.min || (p.max !== undefined && v > p.max)) {
        throw new SpecError(`${where}.${key}`, `must be in [${p.min}, ${p.max ?? 'inf'}], got ${v}`);
      }
    }
    const problem = def.check?.(b);
    if (problem) throw new SpecError(where, problem);
    wIn = b.w_out;
  });
}
