/**
 * The manifest of primitive ops that TypeScript emits for the Python engine (dist/manifest.json, and
 * inline in every build request): op names, their arity and attribute kinds, and the activations. The
 * Python side holds no copy of any of this; it checks that it implements every op listed and that
 * every op it is asked to build carries exactly the attributes listed.
 */
import { ACTIVATIONS, type AttrKind, OP_NAMES, OPS } from './ops.js';

export interface OpManifest {
  version: 1;
  ops: Record<string, { arity: [number, number | null]; attrs: Record<string, AttrKind>; doc: string }>;
  activations: string[];
}

export function opManifest(): OpManifest {
  const ops: OpManifest['ops'] = {};
  for (const name of OP_NAMES) {
    const def = OPS[name];
    ops[name] = { arity: [def.arity[0], Number.isFinite(def.arity[1]) ? def.arity[1] : null], attrs: def.attrs as Record<string, AttrKind>, doc: def.doc };
  }
  return { version: 1, ops, activations: [...ACTIVATIONS] };
}
