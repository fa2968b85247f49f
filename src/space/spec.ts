/**
 * The model spec, version 2: the one JSON contract between the rooms of dse. The sampler writes it,
 * the store keeps it, the counter costs it and both engines build it.
 *
 * A network is a list of nodes in topological order. Each node names a registered type
 * (src/space/registry.ts), carries that type's own `params`, and takes its `inputs` from earlier
 * nodes by id ("input" is the network input; the default is the previous node, so a chain needs no
 * inputs at all). `output` names the node whose result is the logits (default: the last). Shapes are
 * never stored: the registry derives every node's channels and resolution from the input.
 *
 *   { "version": 2, "input": { "channels": 3, "resolution": 32 },
 *     "nodes": [
 *       { "id": "stem", "type": "res_stem_cifar", "params": { "w_out": 16 } },
 *       { "id": "s1.b1", "type": "res_bottleneck_block", "stage": "s1", "params": { "w_out": 24, "stride": 2, "group_w": 8 } },
 *       { "id": "head", "type": "anynet_head", "params": { "num_classes": 10 } } ] }
 *
 * Ids are pycls's module names where pycls has them (stem, s1.b1, head), and the ops inside a node are
 * named below it (s1.b1.f.a). `stage` labels the blocks of one stage for analysis.
 *
 * Version 1 specs (a stem, a flat block list with w_in/w_out, a head) upgrade mechanically
 * (upgradeSpec), so every database written by dse 0.1 keeps working.
 */
import type { ParamValue } from './params.js';

export const SPEC_VERSION = 2;

export interface InputSpec {
  channels: number;
  /** Square input resolution the model is trained (and costed) at. */
  resolution: number;
}

export interface NodeSpec {
  id: string;
  type: string;
  params?: Record<string, ParamValue>;
  /** Ids of the nodes feeding this one, or "input"; default: the previous node (the input for the first). */
  inputs?: string[];
  /** Stage (or stream) label for analysis, e.g. "s1". */
  stage?: string;
}

export interface ModelSpec {
  version: number;
  input: InputSpec;
  nodes: NodeSpec[];
  /** Id of the output node; default: the last node. */
  output?: string;
}

// ---------------------------------------------------------------- version 1

export interface SpecV1 {
  version: 1;
  input: InputSpec;
  stem: { type: string; w_out: number };
  blocks: Array<{ type: string; w_in: number; w_out: number; stride: number; stage: number; [param: string]: number | string }>;
  head: { num_classes: number; head_w: number };
}

export class SpecUpgradeError extends Error {}

/** A v1 spec as v2: stem, s{k}.b{j} blocks labelled s{k}, and an anynet_head; anything v2 is returned as it is. */
export function upgradeSpec(spec: unknown): ModelSpec {
  const s = spec as Partial<SpecV1> & { version?: unknown };
  if (!s || typeof s !== 'object' || s.version !== 1) return spec as ModelSpec;
  if (!s.stem || !Array.isArray(s.blocks) || !s.head || !s.input) throw new SpecUpgradeError('a version 1 spec needs input, stem, blocks and head');
  const nodes: NodeSpec[] = [{ id: 'stem', type: s.stem.type, params: { w_out: s.stem.w_out } }];
  let stageLabel = '';
  let stageCount = 0;
  let lastStage: number | null = null;
  let inStage = 0;
  let wIn = s.stem.w_out;
  s.blocks.forEach((b, i) => {
    if (b.w_in !== wIn) throw new SpecUpgradeError(`blocks[${i}].w_in is ${b.w_in} but the previous layer outputs ${wIn}`);
    if (b.stage !== lastStage) {
      lastStage = b.stage;
      stageLabel = `s${++stageCount}`;
      inStage = 0;
    }
    const { type, w_in: _wIn, w_out, stride, stage: _stage, ...rest } = b;
    nodes.push({ id: `${stageLabel}.b${++inStage}`, type, stage: stageLabel, params: { w_out, stride, ...rest } });
    wIn = w_out;
  });
  nodes.push({ id: 'head', type: 'anynet_head', params: { num_classes: s.head.num_classes, head_w: s.head.head_w } });
  return { version: SPEC_VERSION, input: { channels: s.input.channels, resolution: s.input.resolution }, nodes };
}
