/**
 * Presets: published networks as specs, named as in the implementation they reproduce, each built by
 * that implementation's own rules (width multipliers, rounding, depth scaling) from its own
 * architecture definition, never from a table of results. `dse cx --preset`, `dse presets` and `dse
 * train --preset` read them from here; the tests hold each to the counts of its reference.
 */
import { resolvedNode } from '../build.js';
import type { ParamValue } from '../params.js';
import { type ModelSpec, type NodeSpec, SPEC_VERSION } from '../spec.js';

export interface PresetInput {
  /** Input resolution (default: the preset's native one). */
  resolution: number;
  classes: number;
  channels: number;
}

export interface Preset {
  name: string;
  /** Family for listings: mobilenetv2, efficientnet, fbnet, ... */
  family: string;
  /** The implementation reproduced: project @ commit, file, function and arguments. */
  source: string;
  /** Native input resolution of the reference (its pretrained config). */
  resolution: number;
  build(input: PresetInput): ModelSpec;
}

const PRESETS = new Map<string, Preset>();

export function definePreset(p: Preset): Preset {
  if (PRESETS.has(p.name)) throw new Error(`preset ${p.name} is defined twice`);
  PRESETS.set(p.name, p);
  return p;
}

export function preset(name: string): Preset | undefined {
  return PRESETS.get(name);
}

export function presets(family?: string): Preset[] {
  const all = [...PRESETS.values()];
  return family ? all.filter((p) => p.family === family) : all;
}

/** A preset's spec at its native resolution with 1000 classes and 3 channels unless asked otherwise. */
export function presetSpec(name: string, input: Partial<PresetInput> = {}): ModelSpec {
  const p = PRESETS.get(name);
  if (!p) throw new Error(`unknown preset ${name}`);
  return p.build({ resolution: input.resolution ?? p.resolution, classes: input.classes ?? 1000, channels: input.channels ?? 3 });
}

/** Collects a preset's nodes, each resolved against the registry (defaults filled in, checked). */
export class SpecAssembler {
  readonly nodes: NodeSpec[] = [];

  add(id: string, type: string, params: Record<string, ParamValue | undefined>, stage?: string): this {
    const given = Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined)) as Record<string, ParamValue>;
    this.nodes.push(resolvedNode(id, type, given, id, stage ? { stage } : {}));
    return this;
  }

  spec(input: PresetInput): ModelSpec {
    return { version: SPEC_VERSION, input: { channels: input.channels, resolution: input.resolution }, nodes: this.nodes };
  }
}
