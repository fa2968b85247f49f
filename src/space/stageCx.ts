/**
 * Complexity of a network given as stage lists, without building its spec: the sampler's hot path.
 *
 * All blocks of a stage after the first have the same input width, stride 1 and the same
 * resolution, so they cost the same: each stage is costed with two calls into the block registry
 * (the first block, then one later block times depth-1). The formulas stay in blocks.ts; a test
 * checks this against complexity(spec) on random networks.
 */
import { type Complexity, blockCx, headCx, stemCx } from './blocks.js';
import { emptyCx } from './layers.js';
import type { BlockSpec, HeadSpec, InputSpec, StemSpec } from './spec.js';

export interface StageLayout {
  input: InputSpec;
  stem: StemSpec;
  blockType: string;
  head: HeadSpec;
  depths: ArrayLike<number>;
  widths: ArrayLike<number>;
  strides: ArrayLike<number>;
  /** Per-stage block-type parameters (only those the block type takes). */
  params: Record<string, ArrayLike<number>>;
}

export function stagesComplexity(layout: StageLayout): Complexity {
  let cx = stemCx(emptyCx(layout.input.resolution), layout.input.channels, layout.stem);
  let wIn = layout.stem.w_out;
  const keys = Object.keys(layout.params);
  for (let s = 0; s < layout.depths.length; s++) {
    const w = layout.widths[s];
    const block: BlockSpec = { type: layout.blockType, w_in: wIn, w_out: w, stride: layout.strides[s], stage: s };
    for (const k of keys) block[k] = layout.params[k][s];
    const first = blockCx(cx, block);
    const d = layout.depths[s];
    if (d > 1) {
      block.w_in = w;
      block.stride = 1;
      const next = blockCx(first, block);
      const n = d - 1;
      cx = {
        h: next.h,
        w: next.w,
        flops: first.flops + n * (next.flops - first.flops),
        params: first.params + n * (next.params - first.params),
        acts: first.acts + n * (next.acts - first.acts),
      };
    } else cx = first;
    wIn = w;
  }
  cx = headCx(cx, wIn, layout.head);
  return { flops: cx.flops, params: cx.params, acts: cx.acts };
}
