/**
 * The model spec: the one JSON contract between the rooms of dse.
 *
 * A spec is plain, JSON-serializable data. It says exactly which network to build: the input, a stem,
 * a flat list of blocks (each naming its block type from the registry and carrying that type's own
 * parameters) and a head. The sampler produces specs, the store keeps them, both engines build them
 * and the complexity counter costs them; none of them needs anything else.
 *
 * Blocks are a flat list rather than nested stages so that a block family with other parameters
 * (MBConv, ShuffleNet units, ...) only adds a registry entry. `stage` records which stage a block
 * belongs to, for analysis and for display.
 */

export const SPEC_VERSION = 1;

export type StemType = 'simple_stem_in' | 'res_stem_in' | 'res_stem_cifar';

export interface StemSpec {
  type: StemType;
  /** Output channels of the stem. */
  w_out: number;
}

/** The parameters every block carries; each block type adds its own on top (see BlockType.params). */
export interface BlockSpec {
  type: string;
  w_in: number;
  w_out: number;
  stride: number;
  /** Index of the stage this block belongs to (0-based). */
  stage: number;
  /** Block-type parameters, e.g. bot_mul, group_w, se_r for res_bottleneck_block. */
  [param: string]: number | string;
}

export interface HeadSpec {
  num_classes: number;
  /** Width of an optional 1x1 conv + BN + ReLU before pooling (pycls AnyHead); 0 for none. */
  head_w: number;
}

export interface InputSpec {
  channels: number;
  /** Square input resolution the model is trained (and costed) at. */
  resolution: number;
}

export interface ModelSpec {
  version: number;
  input: InputSpec;
  stem: StemSpec;
  blocks: BlockSpec[];
  head: HeadSpec;
}

/** Per-stage view of a spec: widths, depths, strides and the per-block parameters of each stage's first block. */
export interface StageSummary {
  stage: number;
  type: string;
  width: number;
  depth: number;
  stride: number;
  params: Record<string, number | string>;
}

const BLOCK_COMMON_KEYS = new Set(['type', 'w_in', 'w_out', 'stride', 'stage']);

/** The block-type parameters of a block (everything but the common keys). */
export function blockParams(block: BlockSpec): Record<string, number | string> {
  const out: Record<string, number | string> = {};
  for (const [k, v] of Object.entries(block)) if (!BLOCK_COMMON_KEYS.has(k)) out[k] = v;
  return out;
}

export function stageSummaries(spec: ModelSpec): StageSummary[] {
  const stages: StageSummary[] = [];
  for (const b of spec.blocks) {
    const last = stages[stages.length - 1];
    if (last && last.stage === b.stage) {
      last.depth += 1;
      continue;
    }
    stages.push({ stage: b.stage, type: b.type, width: b.w_out, depth: 1, stride: b.stride, params: blockParams(b) });
  }
  return stages;
}

/** Per-block output widths, the quantity the RegNet width rule is fitted to. */
export function blockWidths(spec: ModelSpec): number[] {
  return spec.blocks.map((b) => b.w_out);
}
