/**
 * The node-type registry: the single source of every node a spec may name (stems, blocks, heads and
 * the primitive ops), each declared once, in one place, by defineNode:
 *
 *   - its parameter schema (kinds, defaults, bounds, docs: src/space/params.ts),
 *   - its checks across parameters and input shapes,
 *   - its structure, written against a Builder (src/space/builder.ts). That one function gives the
 *     node's output shape and its exact cost (counting builder) and the ops both engines build
 *     (recording builder); the ops' own shape rules and counters are in src/space/ops.ts,
 *   - examples, which the tests build in both engines and check against the forward-hook counter.
 *
 * Samplers, space definitions, the CLI's --param flags, the stored columns and the analysis read the
 * parameters from here; nothing else in dse lists them.
 */
import type { Builder, Tensor } from './builder.js';
import type { Shape } from './ops.js';
import { type ParamSchema, type ParamsOf, type ParamValue, suggest } from './params.js';

/** What a node is for: network parts (stem, block, head) or a free-standing primitive op. */
export type NodeKind = 'stem' | 'block' | 'head' | 'op';

export interface NodeExample {
  /** What the example shows, e.g. "projection shortcut, SE". */
  name: string;
  params: Record<string, ParamValue>;
  /** Input shapes [c, h, w], one per input. */
  inputs: [number, number, number][];
}

export interface NodeType<S extends ParamSchema = ParamSchema> {
  name: string;
  kind: NodeKind;
  /** The family it belongs to, for listings: "anynet", "basic", "mobile", ... */
  family: string;
  doc: string;
  params: S;
  /** Number of inputs [min, max]; default [1, 1]. */
  arity: [number, number];
  /** Cross-parameter and shape rules beyond each parameter's bounds: what is wrong (and which key it is about), or null. */
  check?(p: ParamsOf<S>, inputs: readonly Shape[]): CheckResult;
  /** The node's structure; returns its output. */
  build(g: Builder, p: ParamsOf<S>, inputs: Tensor[]): Tensor;
  examples: NodeExample[];
}

export type AnyNodeType = NodeType<ParamSchema>;

/** A check's verdict: null when fine, else the problem, optionally with the parameter it is about. */
export type CheckResult = null | string | { key: string; message: string };

const REGISTRY = new Map<string, AnyNodeType>();

export interface NodeDefinition<S extends ParamSchema> extends Omit<NodeType<S>, 'arity'> {
  arity?: [number, number];
}

/** Declares a node type; its name must be new. */
export function defineNode<const S extends ParamSchema>(def: NodeDefinition<S>): NodeType<S> {
  if (REGISTRY.has(def.name)) throw new Error(`node type ${def.name} is defined twice`);
  const node: NodeType<S> = { arity: [1, 1], ...def };
  REGISTRY.set(def.name, node as unknown as AnyNodeType);
  return node;
}

export function nodeType(name: string): AnyNodeType | undefined {
  return REGISTRY.get(name);
}

/** Every registered node type, in registration order. */
export function nodeTypes(kind?: NodeKind): AnyNodeType[] {
  const all = [...REGISTRY.values()];
  return kind ? all.filter((n) => n.kind === kind) : all;
}

export function nodeTypeNames(kind?: NodeKind): string[] {
  return nodeTypes(kind).map((n) => n.name);
}

/** `unknown node type "x" (did you mean y?; known stems: ...)`. */
export function unknownNodeType(name: string, kind?: NodeKind): string {
  const known = nodeTypeNames(kind);
  return `unknown ${kind ?? 'node'} type "${name}"${suggest(name, known)} (known: ${known.join(', ')})`;
}

/**
 * Why `name` cannot be the block of an AnyNet/RegNet stage (which sets w_out and stride and nothing
 * else), or null: unknown, not a block, or a block that needs other parameters (a dense layer's
 * growth, a Ghost bottleneck's w_mid) and is built by its family's generator instead.
 */
export function stageBlockProblem(name: string): string | null {
  const t = REGISTRY.get(name);
  if (!t || t.kind !== 'block') return unknownNodeType(name, 'block');
  const stageBlocks = nodeTypes('block').filter((b) => !stageBlockNeeds(b).length).map((b) => b.name);
  const needs = stageBlockNeeds(t);
  if (needs.length) return `${name} cannot be a stage block: it needs ${needs.join(', ')}, which the stage does not set (stage blocks: ${stageBlocks.join(', ')}); its family's generator builds it`;
  return null;
}

function stageBlockNeeds(t: AnyNodeType): string[] {
  const missing = ['w_out', 'stride'].filter((k) => !(k in t.params));
  const required = Object.entries(t.params).filter(([k, d]) => k !== 'w_out' && d.default === undefined && !d.optional).map(([k]) => k);
  const inputs = t.arity[0] > 1 ? [`${t.arity[0]} inputs`] : [];
  return [...inputs, ...missing.map((k) => `a ${k} parameter`), ...required];
}
