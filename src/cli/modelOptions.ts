/**
 * The flags that describe one model on the command line (`dse cx`, `dse train`), and their
 * translation into a ModelSpec. Every problem becomes a one-line UserError naming the flag.
 *
 * Options carry no commander defaults: the defaults live here (DEFAULTS) so that a caller such as
 * `dse train` can substitute its own (the dataset's resolution and classes) where the user gave none.
 */
import type { Command } from 'commander';
import { BLOCK_TYPES, STEM_TYPES, bottleneckWidth } from '../space/blocks.js';
import { type NetworkConfig, SpecError, buildAnyNetSpec } from '../space/build.js';
import { type RegnetParams, type RegnetStages, regnetStages, regnetSpec } from '../space/regnet.js';
import type { ModelSpec, StemType } from '../space/spec.js';
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
  stem: StemType;
  stemW: number;
  blockType: string;
  stride: number;
  headW: number;
  botMul: number;
  seRatio: number;
}

export const DEFAULTS: ModelDefaults = {
  resolution: 224,
  numClasses: 1000,
  inputChannels: 3,
  stem: 'simple_stem_in',
  stemW: 32,
  blockType: 'res_bottleneck_block',
  stride: 2,
  headW: 0,
  botMul: 1,
  /** What a bare `--se` means: the RegNetY ratio. */
  seRatio: 0.25,
};

const REGNET_FLAGS = ['depth', 'w0', 'wa', 'wm', 'groupWidth', 'botMul', 'stride', 'firstStride'] as const;
const ANYNET_FLAGS = ['depths', 'widths', 'strides', 'botMuls', 'groupWidths'] as const;

export function addModelOptions(cmd: Command): Command {
  return cmd
    .option('--model <kind>', 'regnet (from --depth --w0 --wa --wm --group-width) or anynet (from per-stage lists)', 'regnet')
    .option('--depth <d>', 'regnet: number of blocks d')
    .option('--w0 <w0>', 'regnet: initial width w0 (a multiple of 8)')
    .option('--wa <wa>', 'regnet: width slope wa (>= 0)')
    .option('--wm <wm>', 'regnet: width multiplier wm (> 1)')
    .option('--group-width <g>', 'regnet: group width g of the 3x3 convs')
    .option('--bot-mul <b>', 'regnet: bottleneck multiplier b (default 1)')
    .option('--stride <s>', 'regnet: stride of each stage\'s first block (default 2)')
    .option('--first-stride <s>', 'regnet: stride of stage 1\'s first block (default: --stride)')
    .option('--depths <list>', 'anynet: blocks per stage, e.g. 9,9,9')
    .option('--widths <list>', 'anynet: width per stage, e.g. 16,32,64')
    .option('--strides <list>', 'anynet: stride per stage (default 2 for every stage)')
    .option('--bot-muls <list>', 'anynet: bottleneck multiplier per stage')
    .option('--group-widths <list>', 'anynet: group width per stage')
    .option('--se [ratio]', 'squeeze-excitation with this ratio (bare --se: 0.25, RegNetY)')
    .option('--block <type>', `block type: ${Object.keys(BLOCK_TYPES).join(', ')} (default res_bottleneck_block)`)
    .option('--stem <type>', `stem type: ${Object.keys(STEM_TYPES).join(', ')} (default simple_stem_in)`)
    .option('--stem-w <w>', 'stem output width (default 32)')
    .option('--head-w <w>', 'width of a 1x1 conv before pooling in the head; 0 for none (default 0)')
    .option('--resolution <px>', 'input resolution (default 224)')
    .option('--classes <n>', 'number of classes (default 1000)')
    .option('--channels <c>', 'input channels (default 3)');
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

export function modelFromOptions(opts: ModelOptionValues, defaults: Partial<ModelDefaults> = {}): ModelFromOptions {
  const d = { ...DEFAULTS, ...defaults };
  const kind = opts.model ?? 'regnet';
  if (kind !== 'regnet' && kind !== 'anynet') throw new UserError(`--model: must be regnet or anynet, got "${kind}"`);

  const blockType = opts.block ?? d.blockType;
  const block = BLOCK_TYPES[blockType];
  if (!block) throw new UserError(`--block: unknown block type "${blockType}" (known: ${Object.keys(BLOCK_TYPES).join(', ')})`);
  const stem = (opts.stem ?? d.stem) as StemType;
  if (!STEM_TYPES[stem]) throw new UserError(`--stem: unknown stem type "${stem}" (known: ${Object.keys(STEM_TYPES).join(', ')})`);
  const network: NetworkConfig = {
    stem,
    stemW: opt(opts.stemW, '--stem-w', d.stemW, 'positiveInt'),
    blockType,
    resolution: opt(opts.resolution, '--resolution', d.resolution, 'positiveInt'),
    numClasses: opt(opts.classes, '--classes', d.numClasses, 'positiveInt'),
    inputChannels: opt(opts.channels, '--channels', d.inputChannels, 'positiveInt'),
    headW: opt(opts.headW, '--head-w', d.headW, 'nonNegativeInt'),
  };
  const seRatio = opts.se === undefined ? undefined : opts.se === true ? d.seRatio : parseNumber(String(opts.se), '--se', 'ratio');
  requireBlockParam(block.params, 'se_r', seRatio, '--se', blockType);

  if (kind === 'regnet') {
    for (const flag of ANYNET_FLAGS) if (opts[flag] !== undefined) throw new UserError(`${flagName(flag)}: belongs to --model anynet; a regnet takes --depth --w0 --wa --wm --group-width`);
    return regnetFromOptions(opts, network, d, block.params, seRatio);
  }
  for (const flag of REGNET_FLAGS) if (opts[flag] !== undefined) throw new UserError(`${flagName(flag)}: belongs to --model regnet; an anynet takes --depths --widths [--strides --bot-muls --group-widths]`);
  return anynetFromOptions(opts, network, block.params, seRatio);
}

function regnetFromOptions(opts: ModelOptionValues, network: NetworkConfig, d: ModelDefaults, taken: object, seRatio: number | undefined): ModelFromOptions {
  const hasGroups = 'group_w' in taken;
  const params: RegnetParams = {
    depth: required(opts.depth, '--depth', 'positiveInt'),
    w0: required(opts.w0, '--w0', 'number'),
    wa: required(opts.wa, '--wa', 'number'),
    wm: required(opts.wm, '--wm', 'number'),
    group_w: hasGroups ? required(opts.groupWidth, '--group-width', 'positiveInt') : 1,
    bot_mul: opt(opts.botMul, '--bot-mul', d.botMul, 'positive'),
    se_r: seRatio ?? 0,
  };
  requireBlockParam(taken, 'group_w', opts.groupWidth, '--group-width', network.blockType);
  requireBlockParam(taken, 'bot_mul', opts.botMul, '--bot-mul', network.blockType);
  network.stride = opt(opts.stride, '--stride', d.stride, 'positiveInt');
  network.firstStride = opt(opts.firstStride, '--first-stride', network.stride, 'positiveInt');
  const flags: Record<string, string> = { depth: '--depth', w0: '--w0', wa: '--wa', wm: '--wm', group_w: '--group-width', bot_mul: '--bot-mul', width: '--w0', se_r: '--se' };
  return withFlags(flags, () => {
    const stages = regnetStages(params);
    return { kind: 'regnet', spec: regnetSpec(params, network, stages), regnet: { params, stages } };
  });
}

function anynetFromOptions(opts: ModelOptionValues, network: NetworkConfig, taken: object, seRatio: number | undefined): ModelFromOptions {
  const depths = requiredList(opts.depths, '--depths', 'positiveInt');
  const n = depths.length;
  const widths = requiredList(opts.widths, '--widths', 'positiveInt');
  const strides = opts.strides === undefined ? new Array<number>(n).fill(DEFAULTS.stride) : parseList(opts.strides, '--strides', 'positiveInt');
  const lists: Array<[string, number[]]> = [['--widths', widths], ['--strides', strides]];
  const params: Record<string, number[]> = {};
  if (opts.botMuls !== undefined) lists.push(['--bot-muls', (params.bot_mul = parseList(opts.botMuls, '--bot-muls', 'positive'))]);
  if (opts.groupWidths !== undefined) lists.push(['--group-widths', (params.group_w = parseList(opts.groupWidths, '--group-widths', 'positiveInt'))]);
  for (const [flag, list] of lists) if (list.length !== n) throw new UserError(`${flag}: has ${list.length} entries but --depths has ${n} stages`);
  requireBlockParam(taken, 'bot_mul', opts.botMuls, '--bot-muls', network.blockType);
  requireBlockParam(taken, 'group_w', opts.groupWidths, '--group-widths', network.blockType);
  if (seRatio !== undefined) params.se_r = new Array<number>(n).fill(seRatio);
  if ('group_w' in taken) checkGroups(widths, params.bot_mul, params.group_w);
  const flags: Record<string, string> = { depths: '--depths', widths: '--widths', strides: '--strides', bot_mul: '--bot-muls', group_w: '--group-widths', se_r: '--se' };
  return withFlags(flags, () => ({ kind: 'anynet', spec: buildAnyNetSpec({ depths, widths, strides, params }, network) }));
}

/** The bottleneck of every stage must split into whole groups; say which stage does not. */
function checkGroups(widths: number[], botMuls: number[] | undefined, groupWidths: number[] | undefined): void {
  widths.forEach((w, s) => {
    const b = botMuls?.[s] ?? 1;
    const g = groupWidths?.[s] ?? 1;
    const wB = bottleneckWidth({ type: 'res_bottleneck_block', w_in: w, w_out: w, stride: 1, stage: s, bot_mul: b, group_w: g });
    if (wB < 1) throw new UserError(`--bot-muls: stage ${s + 1}: bottleneck width round(${w} * ${b}) is 0; use a larger multiplier`);
    if (wB % g !== 0) throw new UserError(`--group-widths: stage ${s + 1}: group width ${g} does not divide the bottleneck width ${wB} (= ${w} * ${b}); pick a divisor of ${wB}`);
  });
}

/** Runs a spec builder and turns its SpecError into a UserError naming the flag. */
function withFlags<T>(flags: Record<string, string>, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (!(e instanceof SpecError)) throw e;
    const common: Record<string, string> = { block: '--block', stem: '--stem', 'stem-w': '--stem-w', resolution: '--resolution', classes: '--classes', 'head.head_w': '--head-w' };
    const flag = flags[e.param] ?? common[e.param];
    throw new UserError(flag ? `${flag}: ${e.message.slice(e.param.length + 2)}` : `the model is invalid: ${e.message}`);
  }
}

function requireBlockParam(taken: object, param: string, value: unknown, flag: string, blockType: string): void {
  if (value !== undefined && !(param in taken)) throw new UserError(`${flag}: ${blockType} has no ${param} parameter; use --block res_bottleneck_block or drop ${flag}`);
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

export function parseNumber(text: string, flag: string, kind: NumberKind): number {
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
