// The bad-input corpus: every way a user's input can be wrong that dse must answer with one line,
// exit 2 and nothing written. Each case is data -- the command line, the files in the folder it runs
// in, and words its message must hold -- and test/bad-inputs.test.ts runs each through the real CLI.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { packageRoot } from '../../src/util/paths.js';

/** What a case's folder holds before the command runs. */
export type FileContent =
  | string
  | Buffer
  | { fifo: true }
  | { dir: true }
  /** A file of this many bytes that holds nothing (sparse): size checks must refuse it unread. */
  | { sparse: number }
  /** A copy of a fixture database the test builds: a dse db with sweep tiny-test, a foreign SQLite file, a db of a newer dse. */
  | { db: 'dse' | 'foreign' | 'newer' };

export interface BadInputCase {
  name: string;
  args: string[];
  files?: Record<string, FileContent>;
  /** Each must occur in the message (strings) or match it (patterns). */
  words: (string | RegExp)[];
}

const BASE = readFileSync(join(packageRoot(), 'test', 'fixtures', 'experiments', 'tiny-test.yaml'), 'utf8');
/** The base experiment trains on tfjs: no case gets as far as training, and tfjs needs no python probe. */
export const BASE_EXPERIMENT = BASE.replace('engine: torch', 'engine: tfjs');
const DELETE = Symbol('delete');

/** The base experiment with one value set (or deleted) at a path. */
export function mutate(path: (string | number)[], value: unknown): string {
  const doc = parseDocument(BASE_EXPERIMENT);
  if (value === DELETE) doc.deleteIn(path);
  else doc.setIn(path, value);
  return doc.toString();
}

const at = /^dse: exp\.yaml:\d+:\d+: /;

/** `dse run exp.yaml` with exp.yaml's value at `path` replaced; the message names the path. */
function yamlValue(path: (string | number)[], value: unknown, ...words: (string | RegExp)[]): BadInputCase {
  const shown = path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('').replace(/^\./, '');
  const label = value === DELETE ? 'deleted' : JSON.stringify(value)?.slice(0, 40);
  return { name: `yaml ${shown} = ${label}`, args: ['run', 'exp.yaml'], files: { 'exp.yaml': mutate(path, value) }, words: [at, shown, ...words] };
}

function yamlText(name: string, text: string | Buffer, ...words: (string | RegExp)[]): BadInputCase {
  return { name: `yaml text: ${name}`, args: ['run', 'exp.yaml'], files: { 'exp.yaml': text }, words };
}

function cli(name: string, args: string[], words: (string | RegExp)[], files: Record<string, FileContent> = {}): BadInputCase {
  return { name, args, files, words };
}

const withExp = (extra: Record<string, FileContent> = {}) => ({ 'exp.yaml': BASE_EXPERIMENT, ...extra });
const withDb = (extra: Record<string, FileContent> = {}): Record<string, FileContent> => ({ 'db/tiny-test.sqlite': { db: 'dse' }, ...extra });

const POSITIVE_INT = 'expected a positive integer';
const NON_NEGATIVE_INT = 'expected a non-negative integer';

// ------------------------------------------------------------------ experiment values

const valueCases: BadInputCase[] = [
  // top level
  yamlValue(['name'], '', 'expected a name'),
  yamlValue(['name'], 'has space', 'letters, digits'),
  yamlValue(['name'], '-leading-dash', 'starting with a letter or digit'),
  yamlValue(['name'], 'a/b', 'letters, digits'),
  yamlValue(['name'], 'x'.repeat(100_000), 'at most 128 characters'),
  yamlValue(['name'], 5, 'expected a sweep name'),
  yamlValue(['name'], DELETE, 'missing'),
  yamlValue(['description'], 5, 'expected text'),
  yamlValue(['n'], 0, POSITIVE_INT),
  yamlValue(['n'], -1, POSITIVE_INT),
  yamlValue(['n'], 1.5, POSITIVE_INT),
  yamlValue(['n'], '8', POSITIVE_INT),
  yamlValue(['n'], 1e12, 'at most 1000000 models'),
  yamlValue(['n'], DELETE, 'missing'),
  yamlValue(['seed'], -1, NON_NEGATIVE_INT),
  yamlValue(['seed'], 0.5, NON_NEGATIVE_INT),
  yamlValue(['seed'], 1e20, 'expected a non-negative integer'),
  yamlValue(['seed'], 2 ** 40, 'at most 4294967295'),
  yamlValue(['max_retries'], -1, NON_NEGATIVE_INT),
  yamlValue(['max_retries'], 1000, 'at most 100 retries'),
  yamlValue(['repeats'], 0, 'expected a positive integer'),
  yamlValue(['repeats'], 101, 'at most 100 trainings per model'),
  yamlValue(['resources', 'threads_per_worker'], 0, 'expected a positive integer'),
  yamlValue(['engine'], 'caffe', 'expected one of torch, tfjs'),
  yamlValue(['engine'], 3, 'expected one of torch, tfjs'),
  yamlValue(['db'], '', 'expected a database file path'),
  yamlValue(['db'], 7, 'expected a database file path'),
  yamlValue(['epochs'], 3, 'unknown key'),
  yamlValue(['recpie'], { epochs: 1 }, 'did you mean recipe?'),
  // space
  yamlValue(['space'], 'regnetz', 'unknown space "regnetz"'),
  yamlValue(['space'], 5, 'expected a built-in space name'),
  yamlValue(['space'], [1, 2], 'expected a built-in space name'),
  yamlValue(['space'], DELETE, 'missing'),
  yamlValue(['space', 'base'], 'nope', 'unknown space "nope"'),
  yamlValue(['space', 'base'], 3, 'expected'),
  yamlValue(['space', 'params', 'depth', 'dist'], 'foo', 'expected one of uniform, log_uniform'),
  yamlValue(['space', 'params', 'depth', 'dist'], DELETE, 'expected'),
  yamlValue(['space', 'params', 'depth', 'low'], DELETE, 'missing'),
  yamlValue(['space', 'params', 'depth', 'low'], 'one', 'expected a number'),
  yamlValue(['space', 'params', 'depth', 'high'], 'three', 'expected a number'),
  yamlValue(['space', 'params', 'depth', 'q'], 'x', 'expected a number'),
  yamlValue(['space', 'params', 'depth', 'lo'], 1, 'unknown key', 'did you mean low?'),
  yamlValue(['space', 'params', 'depth', 'hgih'], 1, 'unknown key', 'did you mean high?'),
  yamlValue(['space', 'params', 'depth', 'extra'], 1, 'unknown key'),
  yamlValue(['space', 'params', 'depth'], 3, 'expected'),
  yamlValue(['space', 'params', 'depth'], 'uniform', 'expected'),
  yamlValue(['space', 'params', 'group_w', 'values'], [], 'expected at least 1 entries'),
  yamlValue(['space', 'params', 'group_w', 'values'], 8, 'expected a list'),
  yamlValue(['space', 'params', 'group_w', 'dist'], 'choose', 'expected one of'),
  yamlValue(['space', 'params', 'not_a_param'], { dist: 'uniform', low: 1, high: 2, q: 1 }, 'not_a_param'),
  yamlValue(['space', 'params', 'depth', 'per_stage'], 'yes', 'expected'),
  yamlValue(['space', 'fixed'], 5, 'expected'),
  yamlValue(['space', 'fixed', 'not_a_param'], 3, 'not_a_param'),
  yamlValue(['space', 'stages'], 0, 'space.stages'),
  yamlValue(['space', 'order'], 'width', 'expected'),
  yamlValue(['space', 'block'], 'nope_block', 'nope_block'),
  // sampler and constraints
  yamlValue(['sampler'], 5, 'expected'),
  yamlValue(['sampler', 'max_draws'], 0, 'sampler.max_draws'),
  yamlValue(['sampler', 'unknown'], 1, 'unknown key'),
  yamlValue(['constraints', 'stages'], 'two', 'expected'),
  yamlValue(['constraints', 'flops'], [null, '4 lots'], '4 lots'),
  yamlValue(['constraints', 'flops'], 'many', 'expected'),
  yamlValue(['constraints', 'params'], [null, -5], 'constraints.params'),
  yamlValue(['constraints', 'nope'], 1, 'unknown key'),
  // network
  yamlValue(['network', 'stem'], 'no_stem', 'no_stem'),
  yamlValue(['network', 'stem_w'], 0, 'network.stem_w'),
  yamlValue(['network', 'stem_w'], 'wide', 'network.stem_w'),
  yamlValue(['network', 'first_stride'], 0, 'network.first_stride'),
  yamlValue(['network', 'stride'], -2, 'network.stride'),
  yamlValue(['network', 'strides'], [1, 2], 'network.strides'),
  yamlValue(['network', 'block'], 'no_block', 'no_block'),
  yamlValue(['network', 'nope'], 1, 'unknown key'),
  // dataset
  yamlValue(['dataset', 'name'], 'imagenet', 'expected one of'),
  yamlValue(['dataset', 'name'], DELETE, 'missing'),
  yamlValue(['dataset'], DELETE, 'missing'),
  yamlValue(['dataset', 'train_size'], 0, POSITIVE_INT),
  yamlValue(['dataset', 'train_size'], 1e15, 'at most 10000000 images'),
  yamlValue(['dataset', 'train_size'], 1.5, POSITIVE_INT),
  yamlValue(['dataset', 'train_size'], 'all', POSITIVE_INT),
  yamlValue(['dataset', 'test_size'], -1, POSITIVE_INT),
  yamlValue(['dataset', 'test_size'], 1e9, 'at most 10000000 images'),
  yamlValue(['dataset', 'val_size'], -1, NON_NEGATIVE_INT),
  yamlValue(['dataset', 'val_size'], 1.5, NON_NEGATIVE_INT),
  yamlValue(['dataset', 'resolution'], 0, POSITIVE_INT),
  yamlValue(['dataset', 'resolution'], 100_000, 'at most 4096 pixels'),
  yamlValue(['dataset', 'channels'], 0, POSITIVE_INT),
  yamlValue(['dataset', 'channels'], 1000, 'at most 64 channels'),
  yamlValue(['dataset', 'num_classes'], 1, 'expected an integer in [2, 256]'),
  yamlValue(['dataset', 'num_classes'], 300, 'expected an integer in [2, 256]'),
  yamlValue(['dataset', 'resize'], 'nearest', 'expected bilinear or pad'),
  yamlValue(['dataset', 'data_dir'], '', 'expected a directory path'),
  yamlValue(['dataset', 'nope'], 1, 'unknown key'),
  // recipe
  yamlValue(['recipe', 'epochs'], 0, POSITIVE_INT),
  yamlValue(['recipe', 'epochs'], 1e6, 'at most 10000 epochs'),
  yamlValue(['recipe', 'epochs'], 'ten', POSITIVE_INT),
  yamlValue(['recipe', 'batch_size'], 0, POSITIVE_INT),
  yamlValue(['recipe', 'batch_size'], 1e12, 'at most 65536 images per batch'),
  yamlValue(['recipe', 'batch_size'], 2.5, POSITIVE_INT),
  yamlValue(['recipe', 'base_lr'], 0, 'expected a positive number'),
  yamlValue(['recipe', 'base_lr'], -0.1, 'expected a positive number'),
  yamlValue(['recipe', 'base_lr'], 'fast', 'expected a positive number'),
  yamlValue(['recipe', 'momentum'], 2, 'expected a number in [0, 1]'),
  yamlValue(['recipe', 'momentum'], -0.5, 'expected a non-negative number'),
  yamlValue(['recipe', 'nesterov'], 'yes', 'expected true or false'),
  yamlValue(['recipe', 'weight_decay'], -1, 'expected a non-negative number'),
  yamlValue(['recipe', 'bn_weight_decay'], 1, 'expected true or false'),
  yamlValue(['recipe', 'warmup_epochs'], -1, 'expected a non-negative number'),
  yamlValue(['recipe', 'warmup_factor'], 0, 'expected a positive number'),
  yamlValue(['recipe', 'warmup_factor'], 2, 'expected a number in (0, 1]'),
  yamlValue(['recipe', 'label_smoothing'], 1, 'expected a number in [0, 1)'),
  yamlValue(['recipe', 'augment_pad'], -1, NON_NEGATIVE_INT),
  yamlValue(['recipe', 'precise_bn'], -1, NON_NEGATIVE_INT),
  yamlValue(['recipe', 'precise_bn'], 1e9, 'at most 10000000 images'),
  yamlValue(['recipe', 'augment_flip'], 'no', 'expected true or false'),
  yamlValue(['recipe', 'seed'], -3, NON_NEGATIVE_INT),
  yamlValue(['recipe', 'max_minutes'], 0, 'expected a positive number'),
  yamlValue(['recipe', 'max_minutes'], -5, 'expected a positive number'),
  yamlValue(['recipe', 'max_minutes'], 1e9, 'at most 34560 minutes'),
  yamlValue(['recipe', 'max_minutes'], 'an hour', 'expected a positive number'),
  yamlValue(['recipe', 'lr'], 0.1, 'unknown key'),
  yamlValue(['recipe', 'epoch'], 2, 'did you mean epochs?'),
  // resources
  yamlValue(['resources', 'gpus'], 'all', 'expected a list of GPU indices'),
  yamlValue(['resources', 'gpus'], [-1], NON_NEGATIVE_INT),
  yamlValue(['resources', 'gpus'], [2000], 'at most 1023'),
  yamlValue(['resources', 'trials_per_gpu'], 0, POSITIVE_INT),
  yamlValue(['resources', 'trials_per_gpu'], 1000, 'at most 64 trainings per GPU'),
  yamlValue(['resources', 'cpu_workers'], 0, POSITIVE_INT),
  yamlValue(['resources', 'cpu_workers'], 1e8, 'at most 256 worker slots'),
  yamlValue(['resources', 'cpu_workers'], 'two', POSITIVE_INT),
  yamlValue(['resources', 'backend'], '', 'expected a tfjs backend name'),
  yamlValue(['resources', 'cores'], 4, 'unknown key'),
];

// ------------------------------------------------------------------ experiment files

/** The text's UTF-8 bytes with `marker` replaced by one raw byte. */
function withByte(text: string, marker: string, byte: number): Buffer {
  const [before, after] = text.split(marker);
  return Buffer.concat([Buffer.from(before), Buffer.from([byte]), Buffer.from(after)]);
}

const textCases: BadInputCase[] = [
  yamlText('unclosed bracket', BASE_EXPERIMENT.replace('n: 4', 'n: [4'), /^dse: exp\.yaml:\d+:\d+: YAML syntax error/),
  yamlText('unclosed quote', BASE_EXPERIMENT.replace('name: tiny-test', 'name: "tiny-test'), /^dse: exp\.yaml:\d+:\d+: YAML syntax error/),
  yamlText('tab indentation', BASE_EXPERIMENT.replace('  name: synthetic', '\tname: synthetic'), /^dse: exp\.yaml:\d+:\d+: /),
  yamlText('bad indentation', BASE_EXPERIMENT.replace('  epochs: 1', '     epochs: 1'), /^dse: exp\.yaml:\d+:\d+: /),
  yamlText('duplicate top-level key', `${BASE_EXPERIMENT}n: 5\n`, /^dse: exp\.yaml:\d+:1: duplicate key "n"/),
  yamlText('duplicate nested key', BASE_EXPERIMENT.replace('  epochs: 1', '  epochs: 1\n  epochs: 2'), /^dse: exp\.yaml:\d+:3: duplicate key "epochs"/),
  yamlText('duplicate quoted key', BASE_EXPERIMENT.replace('n: 4', 'n: 4\n"n": 5'), 'duplicate key "n"'),
  yamlText('empty file', '', 'expected a mapping of experiment settings'),
  yamlText('only comments', '# nothing here\n', 'expected a mapping of experiment settings'),
  yamlText('a scalar document', 'hello\n', 'expected a mapping of experiment settings'),
  yamlText('a list document', '- name: x\n', 'expected a mapping of experiment settings'),
  yamlText('two documents', `${BASE_EXPERIMENT}---\nname: other\n`, /^dse: exp\.yaml:\d+:\d+: /),
  yamlText('invalid UTF-8 in a value', withByte(BASE_EXPERIMENT.replace('  name: synthetic', '  name: synth@tic'), '@', 0xff), /^dse: exp\.yaml:19:14: invalid UTF-8 \(byte 0xff\)/, 'save the file as UTF-8'),
  yamlText('invalid UTF-8 (Latin-1 text)', Buffer.from(BASE_EXPERIMENT.replace('name: tiny-test', 'name: tiny-test\ndescription: caf\u00e9'), 'latin1'), /^dse: exp\.yaml:3:17: invalid UTF-8 \(byte 0xe9\)/),
  yamlText('truncated UTF-8 sequence at the end', Buffer.concat([Buffer.from(BASE_EXPERIMENT), Buffer.from([0xe2, 0x82])]), 'invalid UTF-8'),
  yamlText('binary data', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x00, 0x00, 0xfe, 0xff]), 'invalid UTF-8'),
  yamlText('an alias bomb', 'a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n', /^dse: exp\.yaml/),
  yamlText('a NUL byte', `${BASE_EXPERIMENT}\u0000\n`, /^dse: exp\.yaml:\d+:\d+: /),
  cli('experiment file missing', ['run', 'nope.yaml'], ['nope.yaml', 'no such experiment file']),
  cli('experiment file is a directory', ['run', 'folder'], ['folder', 'is a directory', 'experiment file'], { 'folder/x': 'x' }),
  cli('experiment file is a FIFO', ['run', 'pipe.yaml'], ['pipe.yaml', 'named pipe (FIFO)', 'not a regular file'], { 'pipe.yaml': { fifo: true } }),
  cli('experiment file under a file', ['run', 'afile/exp.yaml'], ['afile/exp.yaml', 'no such experiment file'], { afile: 'x' }),
  cli('experiment file name too long', ['run', `${'e'.repeat(300)}.yaml`], ['too long']),
  cli('experiment file of 100 MiB', ['run', 'huge.yaml'], ['huge.yaml', 'at most 64 MiB'], { 'huge.yaml': { sparse: 100 * 2 ** 20 } }),
  cli('experiment dataset missing on disk', ['run', 'exp.yaml'], ['dataset', 'cifar10'], {
    'exp.yaml': mutate(['dataset'], { name: 'cifar10', data_dir: 'no-such-folder' }).replace('resolution: 8', ''),
  }),
  cli('experiment Fashion-MNIST files missing', ['run', 'exp.yaml'], ['dataset', 'fashion-mnist'], {
    'exp.yaml': mutate(['dataset'], { name: 'fashion-mnist', data_dir: 'no-such-folder', train_size: 96, test_size: 32 }),
  }),
];

// ------------------------------------------------------------------ dse run flags

const runFlagCases: BadInputCase[] = [
  cli('run --cpu-workers 0', ['run', 'exp.yaml', '--cpu-workers', '0'], ['--cpu-workers', 'expected an integer in [1, 256]'], withExp()),
  cli('run --cpu-workers 100000000', ['run', 'exp.yaml', '--cpu-workers', '100000000'], ['--cpu-workers', '[1, 256]'], withExp()),
  cli('run --cpu-workers two', ['run', 'exp.yaml', '--cpu-workers', 'two'], ['--cpu-workers', '"two"'], withExp()),
  cli('run --cpu-workers 1.5', ['run', 'exp.yaml', '--cpu-workers', '1.5'], ['--cpu-workers'], withExp()),
  cli('run --trials-per-gpu 0', ['run', 'exp.yaml', '--trials-per-gpu', '0'], ['--trials-per-gpu'], withExp()),
  cli('run --trials-per-gpu 1e6', ['run', 'exp.yaml', '--trials-per-gpu', '1e6'], ['--trials-per-gpu', '[1, 64]'], withExp()),
  cli('run --threads-per-worker 0', ['run', 'exp.yaml', '--threads-per-worker', '0'], ['--threads-per-worker', '[1, 1024]'], withExp()),
  cli('run --gpus -1', ['run', 'exp.yaml', '--gpus', '-1'], ['--gpus'], withExp()),
  cli('run --gpus a', ['run', 'exp.yaml', '--gpus', 'a'], ['--gpus', '"a"'], withExp()),
  cli('run --gpus 0,0', ['run', 'exp.yaml', '--gpus', '0,0', '--engine', 'torch'], ['--gpus', 'twice'], withExp()),
  cli('run --gpus 99999', ['run', 'exp.yaml', '--gpus', '99999'], ['--gpus', '[0, 1023]'], withExp()),
  cli('run --gpus with tfjs', ['run', 'exp.yaml', '--gpus', '0'], ['--gpus', 'tfjs engine runs on CPU'], withExp()),
  cli('run --engine caffe', ['run', 'exp.yaml', '--engine', 'caffe'], ['--engine', 'caffe'], withExp()),
  cli('run -n 0', ['run', 'exp.yaml', '-n', '0'], ['-n'], withExp()),
  cli('run -n 1e12', ['run', 'exp.yaml', '-n', '1e12'], ['-n', '1000000'], withExp()),
  cli('run --max-retries -1', ['run', 'exp.yaml', '--max-retries', '-1'], ['--max-retries'], withExp()),
  cli('run --max-retries 1e9', ['run', 'exp.yaml', '--max-retries', '1e9'], ['--max-retries', '[0, 100]'], withExp()),
  cli('run --bogus', ['run', 'exp.yaml', '--bogus'], ["unknown option '--bogus'", 'dse run --help'], withExp()),
  cli('run without a file', ['run'], ["missing required argument 'experiment'", 'dse run --help']),
  cli('run --db without a value', ['run', 'exp.yaml', '--db'], ['--db', 'argument missing'], withExp()),
  cli('run two files', ['run', 'exp.yaml', 'other.yaml'], ['too many arguments'], withExp()),
  cli('run --db into a file as folder', ['run', 'exp.yaml', '--db', 'afile/x.sqlite'], ['afile/x.sqlite'], withExp({ afile: 'x' })),
  cli('run --db a directory', ['run', 'exp.yaml', '--db', 'folder'], ['folder'], withExp({ 'folder/x': 'x' })),
  cli('run --db a long name', ['run', 'exp.yaml', '--db', `${'d'.repeat(300)}.sqlite`], ['too long'], withExp()),
  cli('run --db a foreign SQLite file', ['run', 'exp.yaml', '--db', 'other.sqlite'], ['other.sqlite', 'not a dse database'], withExp({ 'other.sqlite': { db: 'foreign' } })),
  cli('run --db a newer dse database', ['run', 'exp.yaml', '--db', 'newer.sqlite'], ['newer.sqlite', 'newer dse'], withExp({ 'newer.sqlite': { db: 'newer' } })),
  cli('run --db a corrupt file', ['run', 'exp.yaml', '--db', 'bad.sqlite'], ['bad.sqlite', 'not an SQLite database'], withExp({ 'bad.sqlite': 'this is not a database, it is text\n'.repeat(200) })),
  cli('run with a changed config', ['run', 'exp.yaml', '--db', 'db/tiny-test.sqlite'], ['different config', '--force-config'], withDb({ 'exp.yaml': mutate(['recipe', 'epochs'], 2) })),
];

// ------------------------------------------------------------------ dse cx, sample, train

const cxBase = ['cx', '--depth', '13', '--w0', '24', '--wa', '36.44', '--wm', '2.49', '--group-width', '8'];
function cxWith(flag: string, value: string): string[] {
  const args = [...cxBase];
  const i = args.indexOf(flag);
  if (i >= 0) args[i + 1] = value;
  else args.push(flag, value);
  return args;
}

const modelCases: BadInputCase[] = [
  cli('cx --depth 1e9', cxWith('--depth', '1e9'), ['--depth', 'at most']),
  cli('cx --depth 0', cxWith('--depth', '0'), ['--depth']),
  cli('cx --depth 2.5', cxWith('--depth', '2.5'), ['--depth']),
  cli('cx --depth x', cxWith('--depth', 'x'), ['--depth', '"x"']),
  cli('cx --w0 7', cxWith('--w0', '7'), ['--w0', 'multiple of 8']),
  cli('cx --w0 0', cxWith('--w0', '0'), ['--w0']),
  cli('cx --wa -1', cxWith('--wa', '-1'), ['--wa']),
  cli('cx --wm 1', cxWith('--wm', '1'), ['--wm']),
  cli('cx --wm nan', cxWith('--wm', 'nan'), ['--wm']),
  cli('cx --group-width 0', cxWith('--group-width', '0'), ['--group-width']),
  cli('cx without --group-width', cxBase.slice(0, -2), ['--group-width', 'required']),
  cli('cx --model foo', [...cxBase, '--model', 'foo'], ['--model', 'foo']),
  cli('cx --resolution 0', [...cxBase, '--resolution', '0'], ['--resolution']),
  cli('cx --classes 0', [...cxBase, '--classes', '0'], ['--classes']),
  cli('cx --stride 0', [...cxBase, '--stride', '0'], ['--stride']),
  cli('cx anynet --depths 1e9', ['cx', '--model', 'anynet', '--depths', '100000000', '--widths', '16', '--strides', '1'], ['--depths', 'at most']),
  cli('cx anynet --depths 9,9,9 --widths 16,32', ['cx', '--model', 'anynet', '--depths', '9,9,9', '--widths', '16,32', '--strides', '1,2,2'], ['--widths', '3 stages']),
  cli('cx anynet --depths 1,,2', ['cx', '--model', 'anynet', '--depths', '1,,2', '--widths', '16,32', '--strides', '1,2'], ['--depths']),
  cli('cx anynet with --depth', ['cx', '--model', 'anynet', '--depth', '3'], ['--depth', 'belongs to --model regnet']),
  cli('cx --preset nope', ['cx', '--preset', 'nope'], ['nope']),
  cli('cx --spec missing', ['cx', '--spec', 'missing.json'], ['--spec', 'missing.json', 'no such']),
  cli('cx --spec a directory', ['cx', '--spec', 'folder'], ['--spec', 'is a directory'], { 'folder/x': 'x' }),
  cli('cx --spec a FIFO', ['cx', '--spec', 'pipe.json'], ['--spec', 'named pipe (FIFO)'], { 'pipe.json': { fifo: true } }),
  cli('cx --spec invalid JSON', ['cx', '--spec', 'bad.json'], ['--spec', 'not valid JSON'], { 'bad.json': '{"version": 2,' }),
  cli('cx --spec invalid UTF-8', ['cx', '--spec', 'bad.json'], ['--spec', 'invalid UTF-8'], { 'bad.json': Buffer.from([0x7b, 0xff, 0x7d]) }),
  cli('cx --spec empty nodes', ['cx', '--spec', 's.json'], ['--spec', 'nodes'], { 's.json': JSON.stringify({ version: 2, input: { channels: 3, resolution: 32 }, nodes: [] }) }),
  cli('cx --spec unknown node type', ['cx', '--spec', 's.json'], ['--spec', 'warp_drive'], { 's.json': JSON.stringify({ version: 2, input: { channels: 3, resolution: 32 }, nodes: [{ id: 'a', type: 'warp_drive' }] }) }),
  cli('cx --spec a bad version', ['cx', '--spec', 's.json'], ['--spec', 'version'], { 's.json': JSON.stringify({ version: 9, input: { channels: 3, resolution: 32 }, nodes: [] }) }),
  cli('cx --spec 20000 nodes', ['cx', '--spec', 's.json'], ['--spec', 'at most 10000'], {
    's.json': JSON.stringify({ version: 2, input: { channels: 3, resolution: 8 }, nodes: Array.from({ length: 20_000 }, (_, i) => ({ id: `n${i}`, type: 'relu' })) }),
  }),
  cli('cx --spec huge file', ['cx', '--spec', 'big.json'], ['--spec', 'at most 64 MiB'], { 'big.json': { sparse: 80 * 2 ** 20 } }),
  cli('cx --bogus', ['cx', '--bogus'], ["unknown option '--bogus'", 'dse cx --help']),
  cli('sample -n 0', ['sample', 'regnetx', '-n', '0'], ['-n']),
  cli('sample -n 1e12', ['sample', 'regnetx', '-n', '1e12'], ['-n', 'at most 1000000']),
  cli('sample --seed -1', ['sample', 'regnetx', '--seed', '-1'], ['--seed']),
  cli('sample an unknown space', ['sample', 'regnetq'], ['regnetq']),
  cli('train --epochs 0', ['train', ...cxBase.slice(1), '--epochs', '0'], ['--epochs', 'expected a positive integer']),
  cli('train --epochs 1e9', ['train', ...cxBase.slice(1), '--epochs', '1e9'], ['--epochs', 'at most 10000']),
  cli('train --batch-size 1e12', ['train', ...cxBase.slice(1), '--batch-size', '1e12'], ['--batch-size', 'at most 65536']),
  cli('train --batch-size x', ['train', ...cxBase.slice(1), '--batch-size', 'x'], ['--batch-size', '"x"']),
  cli('train --lr 0', ['train', ...cxBase.slice(1), '--lr', '0'], ['--lr', 'positive']),
  cli('train --wd -1', ['train', ...cxBase.slice(1), '--wd', '-1'], ['--wd', 'non-negative']),
  cli('train --label-smoothing 1', ['train', ...cxBase.slice(1), '--label-smoothing', '1'], ['--label-smoothing', '[0, 1)']),
  cli('train --warmup-epochs -2', ['train', ...cxBase.slice(1), '--warmup-epochs', '-2'], ['--warmup-epochs']),
  cli('train --precise-bn -1', ['train', ...cxBase.slice(1), '--precise-bn', '-1'], ['--precise-bn']),
  cli('train --train-size 1e15', ['train', ...cxBase.slice(1), '--train-size', '1e15'], ['--train-size', 'at most']),
  cli('train --dataset imagenet', ['train', ...cxBase.slice(1), '--dataset', 'imagenet'], ['--dataset', 'imagenet']),
  cli('train --engine caffe', ['train', ...cxBase.slice(1), '--engine', 'caffe'], ['--engine']),
  cli('train --resize nearest', ['train', ...cxBase.slice(1), '--resize', 'nearest'], ['--resize', 'nearest']),
  cli('train --seed -1', ['train', ...cxBase.slice(1), '--seed', '-1'], ['--seed']),
  cli('unknown command', ['trian'], ["unknown command 'trian'", 'dse --help']),
  cli('data info unknown dataset', ['data', 'info', 'imagenet'], ['imagenet']),
  cli('data info --train-size 1e15', ['data', 'info', 'synthetic', '--train-size', '1e15'], ['--train-size', 'at most']),
];

// ------------------------------------------------------------------ reading commands

const readCases: BadInputCase[] = [
  cli('query --limit 0', ['query', '--sweep', 'tiny-test', '--limit', '0'], ['--limit'], withDb()),
  cli('query --limit x', ['query', '--sweep', 'tiny-test', '--limit', 'x'], ['--limit'], withDb()),
  cli('query --order bogus', ['query', '--sweep', 'tiny-test', '--order', 'bogus'], ['--order', 'unknown column "bogus"'], withDb()),
  cli('query --order with SQL', ['query', '--sweep', 'tiny-test', '--order', 'error; DROP TABLE trials'], ['--order'], withDb()),
  cli('query --columns bogus', ['query', '--sweep', 'tiny-test', '--columns', 'idx,bogus'], ['--columns', 'bogus'], withDb()),
  cli('query --format xml', ['query', '--sweep', 'tiny-test', '--format', 'xml'], ['--format', 'xml'], withDb()),
  cli('query an unknown sweep', ['query', '--sweep', 'nope'], ['nope'], withDb()),
  cli('query --sql DELETE', ['query', '--sql', 'DELETE FROM trials'], ['--sql', 'read-only'], withDb()),
  cli('query --sql DROP', ['query', '--sql', 'DROP TABLE trials'], ['--sql', 'read-only'], withDb()),
  cli('query --sql not SQL', ['query', '--sql', 'give me everything'], ['--sql'], withDb()),
  cli('query --sql with --where', ['query', '--sql', 'SELECT 1', '--where', 'error < 1'], ['--sql'], withDb()),
  cli('query --where escapes the sweep', ['query', '--sweep', 'tiny-test', '--where', '1=1) OR (1=1'], ['--where'], withDb()),
  cli('query --where UNION', ['query', '--sweep', 'tiny-test', '--where', '0) UNION SELECT name, sql FROM sqlite_master --'], ['--where'], withDb()),
  cli('query --where a statement', ['query', '--sweep', 'tiny-test', '--where', '1; DELETE FROM trials'], ['--where'], withDb()),
  cli('query --where a comment', ['query', '--sweep', 'tiny-test', '--where', 'error < 1 -- rest'], ['--where'], withDb()),
  cli('query --where a subquery', ['query', '--sweep', 'tiny-test', '--where', 'idx IN (SELECT id FROM trials)'], ['--where'], withDb()),
  cli('query --where an unknown column', ['query', '--sweep', 'tiny-test', '--where', 'eror < 0.3'], ['--where', 'eror'], withDb()),
  cli('query --where unbalanced', ['query', '--sweep', 'tiny-test', '--where', '(error < 0.3'], ['--where'], withDb()),
  cli('query --where empty operator', ['query', '--sweep', 'tiny-test', '--where', 'error <'], ['--where'], withDb()),
  cli('query --where a function not allowed', ['query', '--sweep', 'tiny-test', '--where', 'load_extension(\'x\') = 1'], ['--where'], withDb()),
  cli('query --db missing', ['query', '--db', 'none.sqlite'], ['none.sqlite', 'no such database']),
  cli('query --db a directory', ['query', '--db', 'folder'], ['folder'], { 'folder/x': 'x' }),
  cli('query --db a corrupt file', ['query', '--db', 'bad.sqlite'], ['bad.sqlite', 'not an SQLite database'], { 'bad.sqlite': 'garbage\n'.repeat(1000) }),
  cli('query --db a foreign SQLite file', ['query', '--db', 'other.sqlite'], ['other.sqlite', 'not a dse database'], { 'other.sqlite': { db: 'foreign' } }),
  cli('query --db a newer dse database', ['query', '--db', 'newer.sqlite'], ['newer.sqlite', 'newer dse'], { 'newer.sqlite': { db: 'newer' } }),
  cli('query --db under a file', ['query', '--db', 'afile/x.sqlite'], ['afile/x.sqlite'], { afile: 'x' }),
  cli('query --db a long name', ['query', '--db', `${'q'.repeat(300)}.sqlite`], ['too long']),
  cli('status an unknown sweep', ['status', 'nope'], ['nope'], withDb()),
  cli('status --db missing', ['status', 'tiny-test', '--db', 'none.sqlite'], ['none.sqlite']),
  cli('ls --db a directory', ['ls', '--db', 'folder'], ['folder'], { 'folder/x': 'x' }),
  cli('export an unknown sweep', ['export', 'nope'], ['nope'], withDb()),
  cli('export --format xml', ['export', 'tiny-test', '--format', 'xml'], ['--format', 'xml'], withDb()),
  cli('export -o into a missing folder', ['export', 'tiny-test', '-o', 'nodir/sub/x.json'], ['-o', 'nodir/sub', 'does not exist'], withDb()),
  cli('export -o a directory', ['export', 'tiny-test', '-o', 'folder'], ['-o', 'is a directory'], withDb({ 'folder/x': 'x' })),
  cli('export -o under a file', ['export', 'tiny-test', '-o', 'afile/x.json'], ['-o', 'afile'], withDb({ afile: 'x' })),
  cli('export -o a long name', ['export', 'tiny-test', '-o', `${'o'.repeat(300)}.json`], ['-o', 'at most 255']),
  cli('export a 100,000-character sweep name', ['export', 'x'.repeat(100_000)], ['x'], withDb()),
  cli('plot edf -o a .txt', ['plot', 'edf', 'tiny-test', '-o', 'x.txt'], ['-o', '.svg, .png, .pdf'], withDb()),
  cli('plot edf -o into a missing folder', ['plot', 'edf', 'tiny-test', '-o', 'nodir/x.svg'], ['-o', 'does not exist'], withDb()),
  cli('plot edf an unknown sweep', ['plot', 'edf', 'nope'], ['nope'], withDb()),
  cli('plot edf --error weird', ['plot', 'edf', 'tiny-test', '--error', 'weird'], ['--error', 'weird'], withDb()),
  cli('plot scatter an unknown metric', ['plot', 'scatter', 'tiny-test', '--x', 'bogus'], ['bogus'], withDb()),
  cli('plot an unknown kind', ['plot', 'pie', 'tiny-test'], ['pie'], withDb()),
  cli('analyze -o a .pdf', ['analyze', 'tiny-test', '-o', 'x.pdf'], ['-o', '.html'], withDb()),
  cli('analyze -o into a missing folder', ['analyze', 'tiny-test', '-o', 'nodir/x.html'], ['-o', 'does not exist'], withDb()),
  cli('analyze --fraction 2', ['analyze', 'tiny-test', '--fraction', '2'], ['--fraction'], withDb()),
  cli('fit --top 0', ['fit', 'tiny-test', '--top', '0'], ['--top'], withDb()),
  cli('fit --wa nonsense', ['fit', 'tiny-test', '--wa', 'a:b:c'], ['--wa'], withDb()),
  cli('fit -o into a missing folder', ['fit', 'tiny-test', '-o', 'nodir/fit.svg'], ['-o', 'does not exist'], withDb()),
  cli('plot edf --filter unfinished', ['plot', 'edf', 'tiny-test', '--filter', 'flops <'], ['--filter', 'column 8', 'flops <'], withDb()),
  cli('plot scatter --filter an unknown column', ['plot', 'scatter', 'tiny-test', '--x', 'flops', '--filter', 'flopz > 1'], ['--filter', 'no such column: flopz'], withDb()),
  cli('analyze --filter keeping nothing', ['analyze', 'tiny-test', '--filter', 'flops < 0'], ['--filter "flops < 0"', 'keeps none'], withDb()),
  cli('fit --filter keeping nothing', ['fit', 'tiny-test', '--filter', 'idx < 0'], ['--filter "idx < 0"', 'keeps none'], withDb()),
  cli('plot edf --split an unknown name', ['plot', 'edf', 'tiny-test', '--split', 'colour'], ['--split', 'colour'], withDb()),
  cli('plot edf --split one bin', ['plot', 'edf', 'tiny-test', '--split', 'flops:1'], ['--split', 'k >= 2'], withDb()),
  cli('plot scatter --split edges not ascending', ['plot', 'scatter', 'tiny-test', '--x', 'flops', '--split', 'flops:400M,200M'], ['--split', 'ascend'], withDb()),
  cli('analyze --split bad bins', ['analyze', 'tiny-test', '--split', 'flops:0,x'], ['--split', 'name:e0,e1'], withDb()),
  cli('plot edf --figure-format gif', ['plot', 'edf', 'tiny-test', '-o', '-', '--figure-format', 'gif'], ['--figure-format', 'gif'], withDb()),
  cli('plot edf --figure-format against the -o extension', ['plot', 'edf', 'tiny-test', '-o', 'x.svg', '--figure-format', 'pdf'], ['--figure-format pdf', '.svg'], withDb()),
  cli('fit --figure-format without -o', ['fit', 'tiny-test', '--figure-format', 'pdf'], ['--figure-format', '-o -'], withDb()),
];

export const BAD_INPUTS: BadInputCase[] = [...valueCases, ...textCases, ...runFlagCases, ...modelCases, ...readCases];
