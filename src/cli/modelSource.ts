/**
 * Where a command's one model comes from: a spec file (--spec), a preset (--preset, with
 * --resolution, --classes and --channels), or the model flags (modelOptions.ts). Shared by `dse cx`
 * and `dse train`; every conflict or unknown name is one line naming the flag.
 */
import { Command } from 'commander';
import { type ModelSpec, SpecError, complexity, deployForm, preset, presetSpec, presets, suggest } from '../space/index.js';
import { UserError } from '../util/errors.js';
import { type ModelDefaults, type ModelFromOptions, type ModelOptionValues, addModelOptions, modelFromOptions, parseNumber } from './modelOptions.js';
import { readSpecFile } from './specFile.js';

export interface ModelSourceValues extends ModelOptionValues {
  spec?: string;
  preset?: string;
  fused?: boolean;
}

/** A model from flags (regnet/anynet), a spec file, or a preset. */
export type ModelSource = ModelFromOptions | { kind: 'spec'; spec: ModelSpec; source: string } | { kind: 'preset'; spec: ModelSpec; source: string };

/** Attribute names and flags of the model flags (--model has a default, so it is never "given"). */
const MODEL_FLAGS = addModelOptions(new Command()).options.filter((o) => o.long !== '--model').map((o) => ({ key: o.attributeName(), flag: o.long! }));
/** The model flags a preset takes: its input shape. */
const PRESET_FLAGS = new Set(['--resolution', '--classes', '--channels']);

export function addModelSourceOptions(cmd: Command): Command {
  cmd
    .option('--spec <file>', 'a model spec JSON file (version 1 or 2, or JSON with a "spec" field such as `dse cx --json`), instead of model flags')
    .option('--preset <name>', 'a published network (`dse presets` lists them), at its native resolution unless --resolution')
    .option('--fused', 'the deploy form of a --spec or --preset network: its reparameterizable blocks (ParNet\'s) folded into one biased 3x3 each');
  return addModelOptions(cmd);
}

/** The one model the flags describe; `defaults` are the caller's (dse train: the dataset's shape). */
export function modelSource(opts: ModelSourceValues, defaults: Partial<ModelDefaults> = {}): ModelSource {
  if (opts.fused && opts.spec === undefined && opts.preset === undefined) throw new UserError('--fused: applies to a --spec or --preset network');
  const source = unfusedSource(opts, defaults);
  if (!opts.fused || (source.kind !== 'spec' && source.kind !== 'preset')) return source;
  try {
    return { ...source, spec: deployForm(source.spec) };
  } catch (e) {
    if (e instanceof SpecError) throw new UserError(`--fused: ${source.source}: ${e.message.replace(/^fused: /, '')}`);
    throw e;
  }
}

function unfusedSource(opts: ModelSourceValues, defaults: Partial<ModelDefaults>): ModelSource {
  const given = MODEL_FLAGS.filter((f) => (opts as unknown as Record<string, unknown>)[f.key] !== undefined);
  if (opts.spec !== undefined && opts.preset !== undefined) throw new UserError('--preset: give either --spec or --preset, not both');
  if (opts.spec !== undefined) {
    if (given.length) throw new UserError(`${given[0].flag}: give either --spec or model flags, not both`);
    return { kind: 'spec', spec: readSpecFile(opts.spec), source: opts.spec };
  }
  if (opts.preset !== undefined) {
    const other = given.find((f) => !PRESET_FLAGS.has(f.flag));
    if (other) throw new UserError(`${other.flag}: a preset takes only --resolution, --classes and --channels`);
    return { kind: 'preset', spec: presetFromOptions(opts, defaults), source: opts.preset };
  }
  return modelFromOptions(opts, defaults);
}

function presetFromOptions(opts: ModelSourceValues, defaults: Partial<ModelDefaults>): ModelSpec {
  const name = opts.preset!;
  const p = preset(name);
  if (!p) throw new UserError(`--preset: unknown preset "${name}"${suggest(name, presets().map((x) => x.name))}; \`dse presets\` lists them`);
  const resolution = opts.resolution === undefined ? (defaults.resolution ?? p.resolution) : parseNumber(opts.resolution, '--resolution', 'positiveInt');
  const classes = opts.classes === undefined ? (defaults.numClasses ?? 1000) : parseNumber(opts.classes, '--classes', 'positiveInt');
  const channels = opts.channels === undefined ? (defaults.inputChannels ?? 3) : parseNumber(opts.channels, '--channels', 'positiveInt');
  try {
    const spec = presetSpec(name, { resolution, classes, channels });
    complexity(spec); // every node's shape checked here, so a size the network cannot take is one line
    return spec;
  } catch (e) {
    throw new UserError(`--preset ${name}: cannot be built at ${resolution}px (${(e as Error).message})`);
  }
}
