/**
 * The registry of stems, block types and the head, each with its parameters and its complexity
 * counter side by side (as pycls keeps `complexity` beside each module), so the two cannot drift.
 *
 * The engines keep builder registries under the same names: src/models/tfjs/blocks.ts and
 * src/models/torch/builders.py. A test asserts that every name here has a builder in both and that the
 * built networks have exactly the parameter count computed here.
 *
 * To add a block family (MBConv, ShuffleNet unit, ...), add a BlockType here, a tfjs builder and a
 * torch builder; nothing else in dse changes.
 */
import { roundHalfEven } from '../util/round.js';
import type { BlockSpec, HeadSpec, ModelSpec, StemSpec, StemType } from './spec.js';
import { type Cx, conv2dCx, emptyCx, gap2dCx, linearCx, norm2dCx, parallelBranch, pool2dCx } from './layers.js';

export interface ParamDef {
  kind: 'int' | 'float';
  /** Value used when a block omits the parameter. */
  default: number;
  /** Inclusive lower bound. */
  min: number;
  /** Inclusive upper bound, if any. */
  max?: number;
  doc: string;
}

export interface BlockType {
  name: string;
  doc: string;
  params: Record<string, ParamDef>;
  complexity(cx: Cx, block: BlockSpec): Cx;
  /** Extra, cross-parameter validity rules beyond each ParamDef's bounds; returns an error or null. */
  check?(block: BlockSpec): string | null;
}

export interface StemTypeDef {
  name: StemType;
  doc: string;
  complexity(cx: Cx, wIn: number, wOut: number): Cx;
}

// ---------------------------------------------------------------- derived widths (shared with engines)

/** Bottleneck width: round(w_out * bot_mul), half to even as pycls. */
export function bottleneckWidth(block: BlockSpec): number {
  return roundHalfEven(block.w_out * num(block, 'bot_mul'));
}

/** Groups of the 3x3 conv of a bottleneck block: bottleneck width / group width. */
export function bottleneckGroups(block: BlockSpec): number {
  return Math.floor(bottleneckWidth(block) / num(block, 'group_w'));
}

/** Squeeze width of the SE module: round(se_r * w_in of the block); 0 means no SE. */
export function seWidth(block: BlockSpec): number {
  return roundHalfEven(block.w_in * num(block, 'se_r'));
}

/** A projection shortcut (1x1 conv + BN) is used when the width or the resolution changes. */
export function hasProjection(block: BlockSpec): boolean {
  return block.w_in !== block.w_out || block.stride !== 1;
}

function num(block: BlockSpec, key: string): number {
  const v = block[key];
  if (typeof v === 'number') return v;
  const def = BLOCK_TYPES[block.type]?.params[key];
  if (def) return def.default;
  throw new Error(`block ${block.type} has no numeric parameter ${key}`);
}

// ---------------------------------------------------------------- module counters

function seCx(cx: Cx, wIn: number, wSe: number): Cx {
  return parallelBranch(cx, (c) => {
    c = gap2dCx(c);
    c = conv2dCx(c, wIn, wSe, 1, { bias: true });
    return conv2dCx(c, wSe, wIn, 1, { bias: true });
  });
}

function projectionCx(cx: Cx, block: BlockSpec): Cx {
  if (!hasProjection(block)) return cx;
  return parallelBranch(cx, (c) => norm2dCx(conv2dCx(c, block.w_in, block.w_out, 1, { stride: block.stride }), block.w_out));
}

function basicTransformCx(cx: Cx, block: BlockSpec): Cx {
  cx = conv2dCx(cx, block.w_in, block.w_out, 3, { stride: block.stride });
  cx = norm2dCx(cx, block.w_out);
  cx = conv2dCx(cx, block.w_out, block.w_out, 3);
  return norm2dCx(cx, block.w_out);
}

function bottleneckTransformCx(cx: Cx, block: BlockSpec): Cx {
  const wB = bottleneckWidth(block);
  const wSe = seWidth(block);
  cx = conv2dCx(cx, block.w_in, wB, 1);
  cx = norm2dCx(cx, wB);
  cx = conv2dCx(cx, wB, wB, 3, { stride: block.stride, groups: bottleneckGroups(block) });
  cx = norm2dCx(cx, wB);
  if (wSe) cx = seCx(cx, wB, wSe);
  cx = conv2dCx(cx, wB, block.w_out, 1);
  return norm2dCx(cx, block.w_out);
}

// ---------------------------------------------------------------- registries

export const STEM_TYPES: Record<StemType, StemTypeDef> = {
  simple_stem_in: {
    name: 'simple_stem_in',
    doc: '3x3 conv, stride 2, BN, ReLU (ImageNet stem of RegNet/AnyNet).',
    complexity: (cx, wIn, wOut) => norm2dCx(conv2dCx(cx, wIn, wOut, 3, { stride: 2 }), wOut),
  },
  res_stem_in: {
    name: 'res_stem_in',
    doc: '7x7 conv, stride 2, BN, ReLU, 3x3 max-pool stride 2 (ResNet ImageNet stem).',
    complexity: (cx, wIn, wOut) => pool2dCx(norm2dCx(conv2dCx(cx, wIn, wOut, 7, { stride: 2 }), wOut), wOut, 3, 2),
  },
  res_stem_cifar: {
    name: 'res_stem_cifar',
    doc: '3x3 conv, stride 1, BN, ReLU (CIFAR stem).',
    complexity: (cx, wIn, wOut) => norm2dCx(conv2dCx(cx, wIn, wOut, 3), wOut),
  },
};

const BOTTLENECK_PARAMS: Record<string, ParamDef> = {
  bot_mul: { kind: 'float', default: 1, min: 1 / 128, doc: 'bottleneck multiplier b: the 3x3 conv has round(w_out*b) channels' },
  group_w: { kind: 'int', default: 1, min: 1, doc: 'group width g of the 3x3 conv: groups = bottleneck width / g' },
  se_r: { kind: 'float', default: 0, min: 0, max: 1, doc: 'SE ratio: squeeze width round(se_r*w_in); 0 disables SE' },
};

export const BLOCK_TYPES: Record<string, BlockType> = {
  vanilla_block: {
    name: 'vanilla_block',
    doc: '3x3 conv (stride) + BN + ReLU, 3x3 conv + BN + ReLU; no shortcut.',
    params: {},
    complexity: basicTransformCx,
  },
  res_basic_block: {
    name: 'res_basic_block',
    doc: 'Residual basic block: 3x3 conv (stride) + BN + ReLU, 3x3 conv + BN, add shortcut, ReLU.',
    params: {},
    complexity: (cx, b) => basicTransformCx(projectionCx(cx, b), b),
  },
  res_bottleneck_block: {
    name: 'res_bottleneck_block',
    doc: 'The X block (Y with SE): 1x1, 3x3 grouped conv with stride, optional SE, 1x1; residual add.',
    params: BOTTLENECK_PARAMS,
    complexity: (cx, b) => bottleneckTransformCx(projectionCx(cx, b), b),
    check(b) {
      const wB = bottleneckWidth(b);
      const g = num(b, 'group_w');
      if (wB < 1) return `bottleneck width round(${b.w_out}*${num(b, 'bot_mul')}) is 0`;
      if (wB % g !== 0) return `bottleneck width ${wB} is not a multiple of group_w ${g} (adjust_block_compatibility fixes this)`;
      return null;
    },
  },
};

// ---------------------------------------------------------------- whole-model counting

export interface Complexity {
  flops: number;
  params: number;
  acts: number;
}

export function headCx(cx: Cx, wIn: number, head: HeadSpec): Cx {
  if (head.head_w > 0) {
    cx = norm2dCx(conv2dCx(cx, wIn, head.head_w, 1), head.head_w);
    wIn = head.head_w;
  }
  return linearCx(gap2dCx(cx), wIn, head.num_classes, true);
}

export function stemCx(cx: Cx, inputChannels: number, stem: StemSpec): Cx {
  const def = STEM_TYPES[stem.type];
  if (!def) throw new Error(`unknown stem type "${stem.type}" (known: ${Object.keys(STEM_TYPES).join(', ')})`);
  return def.complexity(cx, inputChannels, stem.w_out);
}

export function blockCx(cx: Cx, block: BlockSpec): Cx {
  const def = BLOCK_TYPES[block.type];
  if (!def) throw new Error(`unknown block type "${block.type}" (known: ${Object.keys(BLOCK_TYPES).join(', ')})`);
  return def.complexity(cx, block);
}

/** Exact flops (multiply-accumulates), params and activations of a spec at its input resolution. */
export function complexity(spec: ModelSpec): Complexity {
  let cx = stemCx(emptyCx(spec.input.resolution), spec.input.channels, spec.stem);
  for (const block of spec.blocks) cx = blockCx(cx, block);
  const last = spec.blocks.length ? spec.blocks[spec.blocks.length - 1].w_out : spec.stem.w_out;
  cx = headCx(cx, last, spec.head);
  return { flops: cx.flops, params: cx.params, acts: cx.acts };
}
