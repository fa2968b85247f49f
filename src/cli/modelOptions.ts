/**
 * The flags that describe one model on the command line (`dse cx`, `dse train`), and their
 * translation into a ModelSpec. Every problem becomes a one-line UserError naming the flag.
 *
 *   structure  --model regnet: --depth --w0 --wa --wm;  --model anynet: --depths --widths [--strides]
 *   network    --block --stem --stem-w --head-w --resolution --classes --channels --stride --first-stride
 *   parameters --param name=value for any parameter of the block type, from the registry (a comma
 *              list gives one value per stage of an anynet); --group-width, --bot-mul, --se and the
 *              per-stage --group-widths, --bot-muls are shorthands for group_w, bot_mul and se_r.
 *
 * Options carry no commander defaults: the defaults live here (DEFAULTS) so that a caller such as
 * `dse train` can substitute its own (the dataset's resolution and classes) where the user gave none.
 */
import type { Command } from 'commander';
import {
  type ModelSpec,
  NETWORK_DEFAULTS,
  type NetworkConfig,
  type ParamDef,
  type ParamValue,
  type RegnetParams,
  type RegnetStages,
  STRUCTURAL_BLOCK_PARAMS,
  SpecError,
  buildAnyNetSpec,
  checkValue,
  nodeType,
  nodeTypeNames,
  parseParamText,
  regnetSpec,
  regnetStages,
  suggest,
  stageBlockProblem,
  unknownNodeType,
} from '../space/index.js';
import { UserError } from '../util/errors.js';

/** The option values commander hands over (camel-cased flag names; strings as typed). */
export interface ModelOptionValues {
  model?: string;
  depth?: string;
  w0?: string;
  wa?: string;
  wm?: string;
  groupWidth?: string;
  botMul?: string;
  se?: string | boolean;
  depths?: string;
  widths?: string;
  strides?: string;
  botMuls?: string;
  groupWidths?: string;
  param?: string[];
  block?: string;
  stem?: string;
  stemW?: string;
  resolution?: string;
  classes?: string;
  channels?: string;
  headW?: string;
  stride?: string;
  firstStride?: string;
}

/** Values used for flags the user did not give; a caller may override any of them. */
export interface ModelDefaults {
  resolution: number;
  numClasses: number;
  inputChannels: number;
  stem: string;
  stemW: number;
  blockType: string;
  stride: number;
  headW: number;
  /** What a bare `--se` means: the RegNetY ratio. */
  seRatio: number;
}

export const DEFAULTS: ModelDefaults = {
  ...NETWORK_DEFAULTS,
  resolution: 224,
  numClasses: 1000,
  inputChannels: 3,
  seRatio: 0.25,
};

/** Shorthand flags for block parameters: flag, parameter, whether it is a per-stage list (anynet). */
const SHORTHANDS: Array<{ key: 'groupWidth' | 'botMul' | 'se' | 'groupWidths' | 'botMuls'; flag: string; param: string; perStage: boolean }> = [
  { key: 'groupWidth', flag: '--group-width', param: 'group_w', perStage: false },
  { key: 'botMul', flag: '--bot-mul', param: 'bot_mul', perStage: false },
  { key: 'se', flag: '--se', param: 'se_r', perStage: false },
  { key: 'groupWidths', flag: '--group-widths', param: 'group_w', perStage: true },
  { key: 'botMuls', flag: '--bot-muls', param: 'bot_mul', perStage: true },
];
const REGNET_FLAGS = ['depth', 'w0', 'wa', 'wm', 'stride', 'firstStride'] as const;
const ANYNET_FLAGS = ['depths', 'widths', 'strides'] as const;

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function addModelOptions(cmd: Command): Command {
  return cmd
    .option('--model <kind>', 'regnet (from --depth --w0 --wa --wm) or anynet (from per-stage lists)', 'regnet')
    .option('--depth <d>', 'regnet: number of blocks d')
    .option('--w0 <w0>', 'regnet: initial width w0 (a multiple of 8)')
    .option('--wa <wa>', 'regnet: width slope wa (>= 0)')
    .option('--wm <wm>', 'regnet: width multiplier wm (> 1)')
    .option('--stride <s>', 'regnet: stride of each stage\'s first block (default 2)')
    .option('--first-stride <s>', 'regnet: stride of stage 1\'s first block (default: --stride)')
    .option('--depths <list>', 'anynet: blocks per stage, e.g. 9,9,9')
    .option('--widths <list>', 'anynet: width per stage, e.g. 16,32,64')
    .option('--strides <list>', 'anynet: stride per stage (default 2 for every stage)')
    .option('--param <name=value>', 'a parameter of the block type (repeatable), e.g. group_w=8, act=silu; anynet: a comma list gives one value per stage', collect)
    .option('--group-width <g>', 'shorthand for --param group_w=<g> (the group width of the 3x3 convs)')
    .option('--bot-mul <b>', 'shorthand for --param bot_mul=<b>')
    .option('--group-widths <list>', 'anynet: shorthand for --param group_w=<list>')
    .option('--bot-muls <list>', 'anynet: shorthand for --param bot_mul=<list>')
    .option('--se [ratio]', 'shorthand for --param se_r=<ratio> (bare --se: 0.25, RegNetY)')
    .option('--block <type>', `block type: ${nodeTypeNames('block').join(', ')} (default ${DEFAULTS.blockType})`)
    .option('--stem <type>', `stem type: ${nodeTypeNames('stem').join(', ')} (default ${DEFAULTS.stem})`)
    .option('--stem-w <w>', `stem output width (default ${DEFAULTS.stemW})`)
    .option('--head-w <w>', 'width of a 1x1 conv before pooling in the head; 0 for none (default 0)')
    .option('--resolution <px>', `input resolution (default ${DEFAULTS.resolution})`)
    .option('--classes <n>', `number of classes (default ${DEFAULTS.numClasses})`)
    .option('--channels <c>', `input channels (default ${DEFAULTS.inputChannels})`);
}

/** A model described by flags: its spec and, for a RegNet, the quantized stages it came from. */
export interface ModelFromOptions {
  kind: 'regnet' | 'anynet';
  spec: ModelSpec;
  regnet?: { params: RegnetParams; stages: RegnetStages };
}

export function specFromOptions(opts: ModelOptionValues, defaults: Partial<ModelDefaults> = {}): ModelSpec {
  return modelFromOptions(opts, defaults).spec;
}

/** A block parameter given on the command line: where it came from and its raw text. */
interface GivenParam {
  flag: string;
  text: string;
  perStage: boolean;
}

export function modelFromOptions(opts: ModelOptionValues, defaults: Partial<ModelDefaults> = {}): ModelFromOptions {
  const d = { ...DEFAULTS, ...defaults };
  const kind = opts.model ?? 'regnet';
  if (kind !== 'regnet' && kind !== 'anynet') throw new UserError(`--model: must be regnet or anynet, got "${kind}"`);

  const blockType = opts.block ?? d.blockType;
  const block = nodeType(blockType);
  const blockProblem = stageBlockProblem(blockType);
  if (!block || blockProblem) throw new UserError(`--block: ${blockProblem ?? unknownNodeType(blockType, 'block')}`);
  const stem = opts.stem ?? d.stem;
  if (nodeType(stem)?.kind !== 'stem') throw new UserError(`--stem: ${unknownNodeType(stem, 'stem')}`);
  const network: NetworkConfig = {
    stem,
    stemW: opt(opts.stemW, '--stem-w', d.stemW, 'positiveInt'),
    blockType,
    resolution: opt(opts.resolution, '--resolution', d.resolution, 'positiveInt'),
    numClasses: opt(opts.classes, '--classes', d.numClasses, 'positiveInt'),
    inputChannels: opt(opts.channels, '--channels', d.inputChannels, 'positiveInt'),
    headW: opt(opts.headW, '--head-w', d.headW, 'nonNegativeInt'),
  };
  const given = givenParams(opts, d, kind === 'anynet');
  const takes = Object.keys(block.params).filter((k) => !STRUCTURAL_BLOCK_PARAMS.has(k));
  for (const [name, g] of given) {
    if (!takes.includes(name)) throw new UserError(`${g.flag}: ${blockType} has no parameter ${name}${suggest(name, takes)} (it takes: ${takes.join(', ') || 'none'}); drop the flag or pick a --block that takes it`);
  }
  if (kind === 'regnet') {
    for (const flag of ANYNET_FLAGS) if (opts[flag] !== undefined) throw new UserError(`${flagName(flag)}: belongs to --model anynet; a regnet takes --depth --w0 --wa --wm`);
    for (const [, g] of given) if (g.perStage) throw new UserError(`${g.flag}: per-stage lists belong to --model anynet; a regnet takes one value`);
    return regnetFromOptions(opts, network, d, block.params, given);
  }
  for (const flag of REGNET_FLAGS) if (opts[flag] !== undefined) throw new UserError(`${flagName(flag)}: belongs to --model regnet; an anynet takes --depths --widths [--strides]`);
  return anynetFromOptions(opts, network, block.params, given);
}

/** The block parameters the flags give, by parameter name (a shorthand and --param for one name conflict). */
function givenParams(opts: ModelOptionValues, d: ModelDefaults, anynet: boolean): Map<string, GivenParam> {
  const out = new Map<string, GivenParam>();
  const add = (name: string, p: GivenParam) => {
    const prior = out.get(name);
    if (prior) throw new UserError(`${p.flag}: ${name} is already given by ${prior.flag}; give it once`);
    out.set(name, p);
  };
  for (const s of SHORTHANDS) {
    const v = opts[s.key];
    if (v === undefined) continue;
    if (s.perStage && !anynet) throw new UserError(`${s.flag}: belongs to --model anynet; a regnet takes ${s.flag.replace(/s$/, '')}`);
    add(s.param, { flag: s.flag, text: v === true ? String(d.seRatio) : String(v), perStage: s.perStage });
  }
  for (const item of opts.param ?? []) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=(.*)$/.exec(item);
    if (!m) throw new UserError(`--param: expected name=value (e.g. group_w=8), got "${item}"`);
    add(m[1], { flag: `--param ${m[1]}`, text: m[2].trim(), perStage: anynet && m[2].includes(',') });
  }
  return out;
}

/** Parses and checks one value of a block parameter against its registry definition. */
function paramValue(def: ParamDef, text: string, flag: string): ParamValue {
  const v = parseParamText(def, text);
  const problem = checkValue(def, v);
  if (problem) throw new UserError(`${flag}: ${problem.replace(/, got .*$/, '')}, got "${text}"`);
  return v as ParamValue;
}

function regnetFromOptions(opts: ModelOptionValues, network: NetworkConfig, d: ModelDefaults, schema: Record<string, ParamDef>, given: Map<string, GivenParam>): ModelFromOptions {
  const values: Record<string, ParamValue> = {};
  for (const [name, g] of given) values[name] = paramValue(schema[name], g.text, g.flag);
  const hasGroups = 'group_w' in schema;
  if (hasGroups && values.group_w === undefined) throw new UserError('--group-width: is required for this model');
  const params: RegnetParams = {
    depth: required(opts.depth, '--depth', 'positiveInt'),
    w0: required(opts.w0, '--w0', 'number'),
    wa: required(opts.wa, '--wa', 'number'),
    wm: required(opts.wm, '--wm', 'number'),
    group_w: hasGroups ? (values.group_w as number) : 1,
    bot_mul: (values.bot_mul as number | undefined) ?? 1,
    se_r: (values.se_r as number | undefined) ?? 0,
  };
  network.stride = opt(opts.stride, '--stride', d.stride, 'positiveInt');
  network.firstStride = opt(opts.firstStride, '--first-stride', network.stride, 'positiveInt');
  const flags: Record<string, string> = { depth: '--depth', w0: '--w0', wa: '--wa', wm: '--wm', width: '--w0', ...flagsOf(given) };
  return withFlags(flags, () => {
    const stages = regnetStages(params);
    // Parameters RegNet's construction does not set itself (act, ...) apply to every block.
    const extra = Object.fromEntries(Object.entries(values).filter(([k]) => !['group_w', 'bot_mul', 'se_r'].includes(k)));
    return { kind: 'regnet', spec: regnetSpec(params, network, stages, extra), regnet: { params, stages } };
  });
}

function anynetFromOptions(opts: ModelOptionValues, network: NetworkConfig, schema: Record<string, ParamDef>, given: Map<string, GivenParam>): ModelFromOptions {
  const depths = requiredList(opts.depths, '--depths', 'positiveInt');
  const n = depths.length;
  const widths = requiredList(opts.widths, '--widths', 'positiveInt');
  const strides = opts.strides === undefined ? new Array<number>(n).fill(DEFAULTS.stride) : parseList(opts.strides, '--strides', 'positiveInt');
  for (const [flag, list] of [['--widths', widths], ['--strides', strides]] as const) if (list.length !== n) throw new UserError(`${flag}: has ${list.length} entries but --depths has ${n} stages`);
  const params: Record<string, ParamValue[]> = {};
  for (const [name, g] of given) {
    const parts = g.perStage ? g.text.split(',') : [g.text];
    if (g.perStage && parts.length !== n) throw new UserError(`${g.flag}: has ${parts.length} entries but --depths has ${n} stages`);
    const values = parts.map((t) => paramValue(schema[name], t, g.flag));
    params[name] = g.perStage ? values : new Array<ParamValue>(n).fill(values[0]);
  }
  const flags: Record<string, string> = { depths: '--depths', widths: '--widths', strides: '--strides', ...flagsOf(given) };
  return withFlags(flags, () => ({ kind: 'anynet', spec: buildAnyNetSpec({ depths, widths, strides, params }, network) }));
}

function flagsOf(given: Map<string, GivenParam>): Record<string, string> {
  return Object.fromEntries([...given].map(([name, g]) => [name, g.flag]));
}

/**
 * Runs a spec builder and turns its SpecError into a UserError naming the flag: a structural key
 * (depths, w0, ...) or a block parameter (nodes[k] (s2.b1).params.group_w -> its flag, with the stage).
 */
function withFlags<T>(flags: Record<string, string>, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (!(e instanceof SpecError)) throw e;
    const common: Record<string, string> = { block: '--block', stem: '--stem', 'stem-w': '--stem-w', resolution: '--resolution', classes: '--classes', head_w: '--head-w' };
    const message = e.message.slice(e.param.length + 2);
    const node = /^nodes\[\d+\] \(([^)]+)\)\.params\.(\w+)$/.exec(e.param);
    if (node) {
      const stage = /^s(\d+)\./.exec(node[1]);
      const flag = flags[node[2]] ?? common[node[2]] ?? `--param ${node[2]}`;
      throw new UserError(`${flag}: ${stage ? `stage ${stage[1]}: ` : ''}${message}`);
    }
    const flag = flags[e.param] ?? common[e.param];
    throw new UserError(flag ? `${flag}: ${message}` : `the model is invalid: ${e.message}`);
  }
}

function flagName(camel: string): string {
  return `--${camel.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

// ---------------------------------------------------------------- number parsing

type NumberKind = 'number' | 'positive' | 'positiveInt' | 'nonNegativeInt' | 'ratio';

const KIND_TEXT: Record<NumberKind, string> = {
  number: 'a number',
  positive: 'a number > 0',
  positiveInt: 'a positive integer',
  nonNegativeInt: 'a non-negative integer',
  ratio: 'a number in [0, 1]',
};

/** A number flag of the given kind, at most `max` when given. */
export function parseNumber(text: string, flag: string, kind: NumberKind, max?: number): number {
  const s = text.trim();
  const v = s === '' ? NaN : Number(s);
  const ok =
    Number.isFinite(v) &&
    (kind === 'number' ||
      (kind === 'positive' && v > 0) ||
      (kind === 'positiveInt' && Number.isInteger(v) && v >= 1) ||
      (kind === 'nonNegativeInt' && Number.isInteger(v) && v >= 0) ||
      (kind === 'ratio' && v >= 0 && v <= 1));
  if (!ok) throw new UserError(`${flag}: must be ${KIND_TEXT[kind]}, got "${text}"`);
  if (max !== undefined && v > max) throw new UserError(`${flag}: must be at most ${max}, got "${text}"`);
  return v;
}

function parseList(text: string, flag: string, kind: NumberKind): number[] {
  const parts = text.split(',');
  if (parts.some((p) => p.trim() === '')) throw new UserError(`${flag}: must be a comma-separated list of ${KIND_TEXT[kind].replace(/^an? /, '')}s (e.g. 1,2,2), got "${text}"`);
  return parts.map((p) => parseNumber(p, flag, kind));
}

function required(text: string | undefined, flag: string, kind: NumberKind): number {
  if (text === undefined) throw new UserError(`${flag}: is required for this model`);
  return parseNumber(text, flag, kind);
}

function requiredList(text: string | undefined, flag: string, kind: NumberKind): number[] {
  if (text === undefined) throw new UserError(`${flag}: is required for --model anynet`);
  return parseList(text, flag, kind);
}

function opt(text: string | undefined, flag: string, fallback: number, kind: NumberKind): number {
  return text === undefined ? fallback : parseNumber(text, flag, kind);
}
