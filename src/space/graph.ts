/**
 * Reading a spec against the registry: validation (every problem is a SpecError naming the node id
 * and key), shapes, exact complexity, and the lowered network the engines build.
 *
 * One walk does all of it. Nodes are visited in order; each one's parameters are resolved against
 * its type's schema (unknown keys, wrong types, out-of-range values and cross-parameter rules are
 * errors), its inputs are looked up among the earlier nodes, and its type's build function runs on a
 * Builder scoped to the node's id: a counting Builder for complexity, a recording one for lowering.
 */
import { Builder, type IrOp, type Tensor } from './builder.js';
import { type Cost, fmt, OpError, type Shape } from './ops.js';
import { type ParamValue, resolveParams, suggest } from './params.js';
import { type AnyNodeType, nodeType, unknownNodeType } from './registry.js';
import { type ModelSpec, type NodeSpec, SPEC_VERSION, SpecUpgradeError, upgradeSpec } from './spec.js';
import './nodes/index.js';

/**
 * The most nodes a network may have. The deepest networks in the literature have a few hundred
 * blocks (ResNet-1001: 333); the bound keeps a typo like depth 1e9 from exhausting memory.
 */
export const MAX_SPEC_NODES = 10_000;

export class SpecError extends Error {
  constructor(
    /** Where: "nodes[3] (s1.b2).params.group_w", "input.resolution", ... */
    readonly param: string,
    message: string,
  ) {
    super(`${param}: ${message}`);
  }
}

export interface Complexity {
  flops: number;
  params: number;
  acts: number;
}

export interface ResolvedNode {
  spec: NodeSpec;
  type: AnyNodeType;
  /** Parameters with the registry's defaults filled in. */
  params: Record<string, ParamValue>;
  /** Input ids ("input" or earlier node ids). */
  inputs: string[];
  /** Output shape. */
  shape: Shape;
  /** This node's own cost. */
  cost: Complexity;
}

export interface SpecAnalysis {
  spec: ModelSpec;
  nodes: ResolvedNode[];
  output: string;
  cost: Complexity;
}

/** The lowered network: primitive ops in topological order, as both engines build it. */
export interface LoweredNetwork {
  input: { channels: number; height: number; width: number };
  ops: IrOp[];
  /** Id of the op producing the logits. */
  output: string;
  /** The analytic cost, for the engines' build-time checks. */
  cost: Complexity;
}

const ID = /^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$/;

function positiveInt(where: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new SpecError(where, `must be a positive integer, got ${JSON.stringify(v)}`);
  return v;
}

/** Upgrades a v1 spec and checks the top-level shape. */
function readSpec(input: unknown): ModelSpec {
  if (!input || typeof input !== 'object' || Array.isArray(input)) throw new SpecError('spec', 'is not an object');
  let spec: ModelSpec;
  try {
    spec = upgradeSpec(input);
  } catch (e) {
    if (e instanceof SpecUpgradeError) throw new SpecError('spec', `version 1 spec cannot be upgraded: ${e.message}`);
    throw e;
  }
  if (spec.version !== SPEC_VERSION) throw new SpecError('version', `must be ${SPEC_VERSION} (or 1, which is upgraded), got ${JSON.stringify(spec.version)}`);
  const known = new Set(['version', 'input', 'nodes', 'output']);
  for (const k of Object.keys(spec)) if (!known.has(k)) throw new SpecError(k, `unknown key${suggest(k, [...known])} (a spec has version, input, nodes, output)`);
  if (!spec.input || typeof spec.input !== 'object') throw new SpecError('input', 'must be { channels, resolution }');
  for (const k of Object.keys(spec.input)) if (k !== 'channels' && k !== 'resolution') throw new SpecError(`input.${k}`, 'unknown key (input has channels and resolution)');
  positiveInt('input.channels', spec.input.channels);
  positiveInt('input.resolution', spec.input.resolution);
  if (!Array.isArray(spec.nodes) || spec.nodes.length === 0) throw new SpecError('nodes', 'must be a non-empty list');
  if (spec.nodes.length > MAX_SPEC_NODES) throw new SpecError('nodes', `has ${spec.nodes.length} nodes; a spec holds at most ${MAX_SPEC_NODES}`);
  return spec;
}

const NODE_KEYS = ['id', 'type', 'params', 'inputs', 'stage'];

function walk(input: unknown, g: Builder): SpecAnalysis & { tensors: Map<string, Tensor> } {
  const spec = readSpec(input);
  const tensors = new Map<string, Tensor>([['input', g.input({ c: spec.input.channels, h: spec.input.resolution, w: spec.input.resolution })]]);
  const nodes: ResolvedNode[] = [];
  let previous = 'input';
  spec.nodes.forEach((node, i) => {
    const at = `nodes[${i}]`;
    if (!node || typeof node !== 'object') throw new SpecError(at, 'must be an object with id, type and params');
    if (typeof node.id !== 'string' || !ID.test(node.id) || node.id === 'input') {
      throw new SpecError(`${at}.id`, `must be a name of letters, digits and _ in dot-separated parts (not "input"), got ${JSON.stringify(node.id)}`);
    }
    const where = `${at} (${node.id})`;
    if (tensors.has(node.id)) throw new SpecError(`${where}.id`, 'is used by an earlier node');
    for (const k of Object.keys(node)) if (!NODE_KEYS.includes(k)) throw new SpecError(`${where}.${k}`, `unknown key${suggest(k, NODE_KEYS)} (a node has ${NODE_KEYS.join(', ')})`);
    const type = typeof node.type === 'string' ? nodeType(node.type) : undefined;
    if (!type) throw new SpecError(`${where}.type`, unknownNodeType(String(node.type)));
    if (node.stage !== undefined && (typeof node.stage !== 'string' || node.stage === '')) throw new SpecError(`${where}.stage`, `must be a label such as "s1", got ${JSON.stringify(node.stage)}`);
    const inputIds = node.inputs ?? [previous];
    if (!Array.isArray(inputIds) || inputIds.some((x) => typeof x !== 'string')) throw new SpecError(`${where}.inputs`, 'must be a list of node ids');
    const [lo, hi] = type.arity;
    if (inputIds.length < lo || inputIds.length > hi) throw new SpecError(`${where}.inputs`, `${type.name} takes ${lo === hi ? lo : hi === Infinity ? `${lo} or more` : `${lo} to ${hi}`} input${hi === 1 ? '' : 's'}, got ${inputIds.length}`);
    const xs = inputIds.map((id) => {
      const t = tensors.get(id);
      if (!t) throw new SpecError(`${where}.inputs`, `"${id}" is not the input or an earlier node${suggest(id, [...tensors.keys()])}`);
      return t;
    });
    const { values, issues } = resolveParams(type.params, node.params);
    if (issues.length) throw new SpecError(`${where}.params${issues[0].key ? `.${issues[0].key}` : ''}`, issues[0].message);
    const shapes = xs.map((x) => x.shape);
    const problem = type.check?.(values as never, shapes);
    if (typeof problem === 'string') throw new SpecError(where, `${problem} (input ${shapes.map(fmt).join(', ')})`);
    if (problem) throw new SpecError(`${where}.params.${problem.key}`, problem.message);
    const before = { ...g.cost };
    let out: Tensor;
    try {
      out = type.build(g.scope(node.id), values as never, xs);
    } catch (e) {
      if (e instanceof OpError) {
        // A node made of one op shares its id: say it once.
        const message = e.opId === node.id ? e.message.slice(node.id.length + 2) : e.message;
        throw new SpecError(where, `${message} (input ${shapes.map(fmt).join(', ')})`);
      }
      throw e;
    }
    const after = g.cost;
    tensors.set(node.id, out);
    nodes.push({
      spec: node,
      type,
      params: values,
      inputs: inputIds,
      shape: out.shape,
      cost: { flops: after.flops - before.flops, params: after.params - before.params, acts: after.acts - before.acts },
    });
    previous = node.id;
  });
  const output = spec.output ?? previous;
  if (typeof output !== 'string' || !tensors.has(output) || output === 'input') throw new SpecError('output', `"${output}" is not a node${suggest(String(output), [...tensors.keys()])}`);
  checkIds(nodes);
  checkReachable(nodes, output);
  const outShape = tensors.get(output)!.shape;
  if (outShape.h !== 1 || outShape.w !== 1) throw new SpecError('output', `node ${output} gives a ${fmt(outShape)} map, not logits; end the network with a head (e.g. anynet_head)`);
  const cost = g.cost;
  return { spec, nodes, output, cost: { flops: cost.flops, params: cost.params, acts: cost.acts }, tensors };
}

/** No node id may be the module path of another node's parent ("s1" beside "s1.b1"). */
function checkIds(nodes: ResolvedNode[]): void {
  const ids = new Set(nodes.map((n) => n.spec.id));
  for (const n of nodes) {
    const parts = n.spec.id.split('.');
    for (let k = 1; k < parts.length; k++) {
      const parent = parts.slice(0, k).join('.');
      if (ids.has(parent)) throw new SpecError(`node ${n.spec.id}`, `its id is inside node ${parent}'s namespace; rename one of them`);
    }
  }
}

/** Every node must feed the output: a dangling branch would be trained for nothing. */
function checkReachable(nodes: ResolvedNode[], output: string): void {
  const used = new Set([output]);
  for (let i = nodes.length - 1; i >= 0; i--) if (used.has(nodes[i].spec.id)) for (const x of nodes[i].inputs) used.add(x);
  const unused = nodes.find((n) => !used.has(n.spec.id));
  if (unused) throw new SpecError(`node ${unused.spec.id}`, `does not feed the output (${output}); remove it or use it as an input`);
}

/** Validates a spec (v1 or v2) and derives every node's shape and cost; throws SpecError. */
export function analyzeSpec(spec: unknown): SpecAnalysis {
  const { tensors: _t, ...analysis } = walk(spec, Builder.counting());
  return analysis;
}

/** Checks a spec (from any source: a file, the store, a sampler) against the registry; throws SpecError. */
export function validateSpec(spec: unknown): void {
  analyzeSpec(spec);
}

/** Exact flops (multiply-accumulates), params and activations of a spec at its input resolution. */
export function complexity(spec: unknown): Complexity {
  return analyzeSpec(spec).cost;
}

/** The network both engines build: the spec's nodes expanded into primitive ops. */
export function lowerSpec(spec: unknown): LoweredNetwork {
  const g = Builder.recording();
  const a = walk(spec, g);
  return {
    input: { channels: a.spec.input.channels, height: a.spec.input.resolution, width: a.spec.input.resolution },
    ops: g.ops,
    output: a.tensors.get(a.output)!.id,
    cost: a.cost,
  };
}

/**
 * Cost and output shape of one node on given input shapes, without validation: the sampler's hot
 * path (the caller passes parameters its space has already checked).
 */
export function nodeCost(type: AnyNodeType, params: Record<string, ParamValue>, inputs: readonly Shape[]): { shape: Shape; cost: Cost } {
  const g = Builder.counting();
  const out = type.build(g, params as never, inputs.map((s) => g.input(s)));
  return { shape: out.shape, cost: g.cost };
}
