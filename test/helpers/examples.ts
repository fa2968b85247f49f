// A node type's example as a whole network: the example's inputs made from the network input (a 1x1
// conv, strided or pooled to the example's resolution, per extra input), the node under test, and a
// pooled linear classifier unless the node is a head.
import { type AnyNodeType, type ModelSpec, type NodeExample, type NodeSpec, SPEC_VERSION } from '../../src/space/index.js';

export function exampleSpec(t: AnyNodeType, ex: NodeExample): ModelSpec {
  const nodes: NodeSpec[] = [];
  let input: ModelSpec['input'];
  let inputs: string[];
  if (ex.inputs.length === 1 && ex.inputs[0][1] === ex.inputs[0][2]) {
    input = { channels: ex.inputs[0][0], resolution: ex.inputs[0][1] };
    inputs = ['input'];
  } else {
    const r = Math.max(...ex.inputs.map((s) => s[1]));
    input = { channels: 3, resolution: r };
    inputs = ex.inputs.map(([c, h], i) => {
      const id = `in${i}`;
      if (h === 1) {
        nodes.push({ id: `${id}_conv`, type: 'conv', inputs: ['input'], params: { w_out: c, k: 1 } });
        nodes.push({ id, type: 'gap', inputs: [`${id}_conv`] });
      } else {
        if (r % h !== 0) throw new Error(`example input ${h}px cannot be made from ${r}px`);
        nodes.push({ id, type: 'conv', inputs: ['input'], params: { w_out: c, k: 1, stride: r / h } });
      }
      return id;
    });
  }
  nodes.push({ id: 'x', type: t.name, inputs, params: ex.params });
  if (t.kind !== 'head') {
    nodes.push({ id: 'pool', type: 'gap' });
    nodes.push({ id: 'fc', type: 'linear', params: { w_out: 5 } });
  }
  return { version: SPEC_VERSION, input, nodes };
}
