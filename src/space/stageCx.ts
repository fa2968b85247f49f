/**
 * Complexity of a network given as stage lists, without building its spec: the sampler's hot path.
 *
 * All blocks of a stage after the first have the same input width, stride 1 and the same
 * resolution, so they cost the same: each stage is costed with two calls into the registry (the
 * first block, then one later block times depth-1). The structure stays in the node types; a test
 * checks this against complexity(spec) on random networks.
 */
import { type Complexity, nodeCost } from './graph.js';
import type { Shape } from './ops.js';
import { type ParamValue, normalizeValue } from './params.js';
import { type AnyNodeType, nodeType } from './registry.js';
import type { InputSpec } from './spec.js';

export interface StageLayout {
  input: InputSpec;
  /** Stem and head: node type and given parameters (the rest take their defaults). */
  stem: { type: string; params: Record<string, ParamValue> };
  blockType: string;
  head: { type: string; params: Record<string, ParamValue> };
  depths: ArrayLike<number>;
  widths: ArrayLike<number>;
  strides: ArrayLike<number>;
  /** Per-stage block-type parameters (only those the block type takes; the rest take their defaults). */
  params: Record<string, ArrayLike<ParamValue>>;
}

function typeOf(name: string): AnyNodeType {
  const t = nodeType(name);
  if (!t) throw new Error(`unknown node type ${name}`);
  return t;
}

const DEFAULTS = new WeakMap<AnyNodeType, Record<string, ParamValue>>();

/** A node type's default parameters (computed once per type). */
function defaults(t: AnyNodeType): Record<string, ParamValue> {
  let out = DEFAULTS.get(t);
  if (!out) {
    out = {};
    for (const [k, d] of Object.entries(t.params)) if (d.default !== undefined) out[k] = d.default;
    DEFAULTS.set(t, out);
  }
  return out;
}

export function stagesComplexity(layout: StageLayout): Complexity {
  const total = { flops: 0, params: 0, acts: 0 };
  const add = (c: Complexity, times = 1) => {
    total.flops += times * c.flops;
    total.params += times * c.params;
    total.acts += times * c.acts;
  };
  const stem = typeOf(layout.stem.type);
  const stemParams = Object.assign({}, defaults(stem), layout.stem.params);
  let { shape, cost } = nodeCost(stem, stemParams, [{ c: layout.input.channels, h: layout.input.resolution, w: layout.input.resolution }]);
  add(cost);
  const block = typeOf(layout.blockType);
  const keys = Object.keys(layout.params);
  const defs = keys.map((k) => block.params[k]);
  // One parameter object, refilled per stage (nodeCost keeps its own copy of what it remembers).
  const p: Record<string, ParamValue> = Object.assign({ w_out: 0 }, defaults(block));
  for (let s = 0; s < layout.depths.length; s++) {
    p.w_out = layout.widths[s];
    p.stride = layout.strides[s];
    for (let i = 0; i < keys.length; i++) {
      const v = layout.params[keys[i]][s];
      p[keys[i]] = defs[i]?.kind === 'ints' ? normalizeValue(defs[i], v) : v;
    }
    const first = nodeCost(block, p, [shape]);
    add(first.cost);
    shape = first.shape;
    const d = layout.depths[s];
    if (d > 1) {
      p.stride = 1;
      const next = nodeCost(block, p, [shape]);
      add(next.cost, d - 1);
      shape = next.shape as Shape;
    }
  }
  const head = typeOf(layout.head.type);
  const headParams = Object.assign({}, defaults(head), layout.head.params);
  add(nodeCost(head, headParams, [shape]).cost);
  return total;
}
