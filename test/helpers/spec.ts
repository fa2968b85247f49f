// Small views of a v2 spec for tests: its block nodes, with their parameters.
import { type ModelSpec, type NodeSpec, nodeType } from '../../src/space/index.js';

/** The block nodes of a spec, in order. */
export function blocks(spec: ModelSpec): NodeSpec[] {
  return spec.nodes.filter((n) => nodeType(n.type)?.kind === 'block');
}

/** A block's parameter (resolved specs carry every one). */
export function param(node: NodeSpec, key: string): unknown {
  return node.params?.[key];
}
