/**
 * Presets: published networks as specs, named as in the implementation they reproduce, each built by
 * that implementation's own rules (width multipliers, rounding, depth scaling) from its own
 * architecture definition, never from a table of results. `dse cx --preset`, `dse presets` and `dse
 * train --preset` read them from here; the tests hold each to the counts of its reference.
 */
import { resolvedNode } from '../build.js';
import { P, type ParamSchema, type ParamValue } from '../params.js';
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

  /** Adds a node fed by `inputs` (default: the node added before it). */
  add(id: string, type: string, params: Record<string, ParamValue | undefined>, stage?: string, inputs?: string[]): this {
    const given = Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined)) as Record<string, ParamValue>;
    this.nodes.push(resolvedNode(id, type, given, id, { ...(stage ? { stage } : {}), ...(inputs ? { inputs } : {}) }));
    return this;
  }

  spec(input: PresetInput): ModelSpec {
    return { version: SPEC_VERSION, input: { channels: input.channels, resolution: input.resolution }, nodes: this.nodes };
  }
}

// ---------------------------------------------------------------- families: presets with their knobs

/**
 * A family: a reference's network generator with its knobs (width and depth multipliers, per-block
 * choices) as parameters, so a design space can sample them. Presets are families at fixed values.
 */
export interface Family {
  name: string;
  doc: string;
  source: string;
  /** The generator's parameters; the ones listed in `units` take one value per unit (block, layer). */
  params: ParamSchema;
  units?: { count: number; params: string[] };
  /** Why a space may not set these parameters together (names it samples or fixes), or null. */
  check?(given: string[]): string | null;
  build(values: Record<string, ParamValue | ParamValue[]>, input: PresetInput): ModelSpec;
}

const FAMILIES = new Map<string, Family>();

export function defineFamily(f: Family): Family {
  if (FAMILIES.has(f.name)) throw new Error(`family ${f.name} is defined twice`);
  FAMILIES.set(f.name, f);
  return f;
}

export function family(name: string): Family | undefined {
  return FAMILIES.get(name);
}

export function families(): Family[] {
  return [...FAMILIES.values()];
}

/** The CIFAR adaptation of a mobile family: 32px inputs keep full resolution through the stem and the first strided stage. */
export const CIFAR = P.bool({ default: false, doc: 'adapt to 32px inputs: stride 1 in the stem and in the first strided stage, so the network downsamples 8x, not 32x' });
