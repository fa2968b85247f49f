/**
 * The deploy form of a network: every node whose type can be structurally reparameterized (it
 * declares a `fused` parameter: ParNet's RepVGG-style blocks) in its folded form, so it is costed and
 * built as it is deployed. The torch engine folds trained weights into it (dse_torch/reparam.py).
 */
import { nodeType } from './registry.js';
import { SpecError } from './graph.js';
import type { ModelSpec } from './spec.js';

export function deployForm(spec: ModelSpec): ModelSpec {
  let folded = 0;
  const nodes = spec.nodes.map((n) => {
    if (!(nodeType(n.type)?.params && 'fused' in nodeType(n.type)!.params)) return n;
    folded++;
    return { ...n, params: { ...n.params, fused: true } };
  });
  if (!folded) throw new SpecError('fused', 'no node of this network has a deploy form (only reparameterizable blocks, such as ParNet\'s, fold)');
  return { ...spec, nodes };
}
