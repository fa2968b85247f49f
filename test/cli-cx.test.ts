/**
 * `dse cx` and `dse sample` through the real CLI (node dist/src/cli/index.js): output, and bad
 * input as one line `dse: <flag>: ...` with exit status 2 and no stack trace.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { type ModelOptionValues, addModelOptions, modelFromOptions, specFromOptions } from '../src/cli/modelOptions.js';
import { isUserError } from '../src/util/errors.js';
import { nodeTypeNames } from '../src/space/index.js';
import { describeStats, networkConfig, resolveSpace, sampleModels } from '../src/sampler/index.js';
import { packageRoot } from '../src/util/paths.js';

const CLI = join(packageRoot(), 'dist', 'src', 'cli', 'index.js');

function dse(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function failsWith(args: string[], message: string): void {
  const r = dse(...args);
  assert.equal(r.stderr, `dse: ${message}\n`, `dse ${args.join(' ')}`);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, '');
}

const REGNETX_200MF = ['--depth', '13', '--w0', '24', '--wa', '36.44', '--wm', '2.49', '--group-width', '8'];

test('dse cx prints the stages and exact complexity of a RegNet', () => {
  const r = dse('cx', ...REGNETX_200MF);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.split('\n');
  assert.equal(lines[0], 'RegNet d=13 w0=24 wa=36.44 wm=2.49 g=8 b=1');
  assert.equal(lines[1], '3x224x224 input, simple_stem_in w=32, res_bottleneck_block, 1000 classes');
  assert.deepEqual(lines.slice(3, 8).map((l) => l.trim().split(/\s+/)), [
    ['stage', 'width', 'depth', 'stride', 'bot_mul', 'group_w', 'se_r', 'act'],
    ['1', '24', '1', '2', '1', '8', '0', 'relu'],
    ['2', '56', '1', '2', '1', '8', '0', 'relu'],
    ['3', '152', '4', '2', '1', '8', '0', 'relu'],
    ['4', '368', '7', '2', '1', '8', '0', 'relu'],
  ]);
  assert.match(r.stdout, /^flops +199\.04 MF \(199,040,872\)$/m);
  assert.match(r.stdout, /^params +2\.68 M \(2,684,792\)$/m);
  assert.match(r.stdout, /^acts +2\.16 M \(2,164,056\)$/m);
});

test('dse cx --se and --json (RegNetY-200MF)', () => {
  const r = dse('cx', ...REGNETX_200MF, '--se', '--json');
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.model, 'regnet');
  assert.deepEqual(out.complexity, { flops: 199_519_076, params: 3_162_996, acts: 2_168_052 });
  assert.deepEqual(out.stages.map((s: { width: number }) => s.width), [24, 56, 152, 368]);
  assert.equal(out.stages[0].se_r, 0.25);
  assert.equal(out.regnet.num_stages, 4);
  assert.equal(out.spec.version, 2);
  assert.equal(out.nodes.filter((n: { type: string }) => n.type === 'res_bottleneck_block').length, 13);
  assert.deepEqual(out.nodes[0], { id: 'stem', type: 'simple_stem_in', shape: [32, 112, 112], flops: 10_838_016, params: 928, acts: 401_408 });
});

test('dse cx --model anynet: CIFAR ResNet-56', () => {
  const r = dse('cx', '--model', 'anynet', '--depths', '9,9,9', '--widths', '16,32,64', '--strides', '1,2,2', '--block', 'res_basic_block', '--stem', 'res_stem_cifar', '--stem-w', '16', '--resolution', '32', '--classes', '10', '--json');
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.deepEqual(out.complexity, { flops: 125_747_850, params: 855_770, acts: 544_778 });
  assert.deepEqual(out.stages.map((s: { depth: number; stride: number }) => [s.depth, s.stride]), [[9, 1], [9, 2], [9, 2]]);
});

test('dse cx notes a RegNet whose quantization skips a level', () => {
  const r = dse('cx', '--depth', '3', '--w0', '8', '--wa', '1', '--wm', '1.05', '--group-width', '8');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /note: the quantization skips a level \(1 stages of 6\)/);
});

test('dse cx: bad flags are one line naming the flag, exit 2, no stack trace', () => {
  failsWith(['cx', '--depth', '13', '--w0', '24', '--wa', '36.44', '--wm', '0.9', '--group-width', '8'], '--wm: must be > 1, got 0.9');
  failsWith(['cx', '--depth', '13', '--w0', '20', '--wa', '36.44', '--wm', '2.49', '--group-width', '8'], '--w0: must be a multiple of 8, got 20');
  failsWith(['cx', '--depth', 'ten', '--w0', '24', '--wa', '36', '--wm', '2.49', '--group-width', '8'], '--depth: must be a positive integer, got "ten"');
  failsWith(['cx', '--model', 'anynet', '--depths', '2,2', '--widths', '16,32', '--group-widths', '16,12'], '--group-widths: stage 2: group width 12 does not divide the bottleneck width 32 (= 32 * 1); pick a divisor of 32');
});

/** The same messages without a process per case: `dse cx` prints exactly `dse: <message>`. */
function rejects(args: string[], message: string): void {
  const program = new Command().exitOverride();
  let thrown: unknown;
  addModelOptions(program.command('cx')).action((opts: ModelOptionValues) => void modelFromOptions(opts));
  try {
    program.parse(args, { from: 'user' });
  } catch (e) {
    thrown = e;
  }
  assert.ok(isUserError(thrown), `${args.join(' ')}: expected a UserError, got ${String(thrown)}`);
  assert.equal((thrown as Error).message, message, args.join(' '));
}

test('model flags: every bad value is a UserError naming its flag', () => {
  rejects(['cx', '--depth', '13', '--w0', '24', '--wa', '-1', '--wm', '2.49', '--group-width', '8'], '--wa: must be >= 0, got -1');
  rejects(['cx', '--depth', '0', '--w0', '24', '--wa', '36', '--wm', '2.49', '--group-width', '8'], '--depth: must be a positive integer, got "0"');
  rejects(['cx', '--depth', '13', '--w0', '24', '--wm', '2.49', '--group-width', '8'], '--wa: is required for this model');
  rejects(['cx', '--depth', '13', '--w0', '24', '--wa', '36', '--wm', '2.49'], '--group-width: is required for this model');
  rejects(['cx', ...REGNETX_200MF, '--bot-mul', '1.5'], '--bot-mul: must be a number > 0, and an integer when above 1, got "1.5"');
  rejects(['cx', ...REGNETX_200MF, '--se', '2'], '--se: must be a number in [0, 1], got "2"');
  rejects(['cx', ...REGNETX_200MF, '--resolution', '0'], '--resolution: must be a positive integer, got "0"');
  rejects(['cx', ...REGNETX_200MF, '--head-w', '-1'], '--head-w: must be a non-negative integer, got "-1"');
  rejects(['cx', ...REGNETX_200MF, '--stem', 'big'], `--stem: unknown stem type "big" (known: ${nodeTypeNames('stem').join(', ')})`);
  rejects(['cx', ...REGNETX_200MF, '--block', 'mbconvv'], `--block: unknown block type "mbconvv" (did you mean mbconv?) (known: ${nodeTypeNames('block').join(', ')})`);
  rejects(['cx', ...REGNETX_200MF, '--block', 'mbconv'], '--group-width: mbconv has no parameter group_w (it takes: k, exp_r, w_mid, mid_round, mid_div, always_pw, pw_groups, pw_shuffle, pw_act, pwl_groups, dw_pad, act, se_r, se_base, se_round, se_div, se_act, se_gate, bias, skip); drop the flag or pick a --block that takes it');
  rejects(['cx', ...REGNETX_200MF, '--block', 'res_basic_block'], '--group-width: res_basic_block has no parameter group_w (it takes: act); drop the flag or pick a --block that takes it');
  rejects(['cx', ...REGNETX_200MF, '--param', 'grop_w=8'], '--param grop_w: res_bottleneck_block has no parameter grop_w (did you mean group_w?) (it takes: bot_mul, group_w, se_r, act); drop the flag or pick a --block that takes it');
  rejects(['cx', ...REGNETX_200MF, '--param', 'act=hswishh'], '--param act: must be one of relu, relu6, hswish, hsigmoid, sigmoid, silu, identity, got "hswishh"');
  rejects(['cx', ...REGNETX_200MF, '--param', 'act'], '--param: expected name=value (e.g. group_w=8), got "act"');
  rejects(['cx', ...REGNETX_200MF, '--param', 'group_w=4'], '--param group_w: group_w is already given by --group-width; give it once');
  rejects(['cx', ...REGNETX_200MF, '--depths', '1,2'], '--depths: belongs to --model anynet; a regnet takes --depth --w0 --wa --wm');
  rejects(['cx', '--model', 'resnet'], '--model: must be regnet or anynet, got "resnet"');
  const anynet = ['cx', '--model', 'anynet', '--depths', '2,2'];
  rejects([...anynet], '--widths: is required for --model anynet');
  rejects([...anynet, '--widths', '16,32,64'], '--widths: has 3 entries but --depths has 2 stages');
  rejects([...anynet, '--widths', '16,,32'], '--widths: must be a comma-separated list of positive integers (e.g. 1,2,2), got "16,,32"');
  rejects([...anynet, '--widths', '16,32', '--bot-muls', '1,0.01'], '--bot-muls: stage 2: bottleneck width round(32 * 0.01) is 0; use a larger multiplier');
  rejects([...anynet, '--widths', '16,32', '--wm', '2'], '--wm: belongs to --model regnet; an anynet takes --depths --widths [--strides]');
});

test('specFromOptions: callers (dse train) may substitute their own defaults for flags not given', () => {
  const spec = specFromOptions({ model: 'regnet', depth: '13', w0: '24', wa: '36.44', wm: '2.49', groupWidth: '8' }, { resolution: 32, numClasses: 10, inputChannels: 1, stem: 'res_stem_cifar', stemW: 16 });
  const [stem, head] = [spec.nodes[0], spec.nodes[spec.nodes.length - 1]];
  assert.deepEqual([spec.input, stem.type, stem.params!.w_out, head.params!.num_classes, head.params!.head_w], [{ channels: 1, resolution: 32 }, 'res_stem_cifar', 16, 10, 0]);
  const given = specFromOptions({ model: 'regnet', depth: '13', w0: '24', wa: '36.44', wm: '2.49', groupWidth: '8', resolution: '64' }, { resolution: 32 });
  assert.equal(given.input.resolution, 64);
});

test('dse sample: table, json and csv, with the drawn/rejected/kept report', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dse-cli-sample-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'exp.yaml');
  writeFileSync(
    file,
    ['name: regnetx-band', 'n: 4', 'seed: 1', 'space: regnetx', 'constraints:', '  flops: [360e6, "400M"]', 'network:', '  stem: simple_stem_in', '  stem_w: 32', 'dataset:', '  name: synthetic', '  resolution: 224', '  num_classes: 100', ''].join('\n'),
  );
  const table = dse('sample', file);
  assert.equal(table.code, 0, table.stderr);
  const lines = table.stdout.trim().split('\n');
  assert.deepEqual(lines[0].trim().split(/\s+/), ['#', 'depth', 'w0', 'wa', 'wm', 'group_w', 'ws', 'ds', 'flops', 'params', 'acts']);
  assert.equal(lines.length, 1 + 4 + 2);
  const expected = sampleModels({ space: resolveSpace('regnetx'), network: networkConfig({}, { channels: 3, resolution: 224, num_classes: 100 }), constraints: { flops: [360e6, 400e6] }, n: 4, seed: 1 });
  const m0 = expected.models[0];
  assert.deepEqual(lines[1].trim().split(/\s+/).slice(0, 8), ['0', ...['depth', 'w0', 'wa', 'wm', 'group_w', 'ws', 'ds'].map((k) => String(m0.params[k]))]);
  assert.equal(lines[6], `regnetx: ${describeStats(expected.stats)}`);

  const json = dse('sample', file, '--format', 'json', '-n', '2', '--seed', '1');
  assert.equal(json.code, 0, json.stderr);
  const out = JSON.parse(json.stdout);
  assert.deepEqual(out.models.map((m: { key: string }) => m.key), expected.models.slice(0, 2).map((m) => m.key));
  assert.deepEqual(out.models[0].spec, m0.spec);
  assert.deepEqual(out.models[0].complexity, m0.cx);
  assert.equal(out.stats.kept, 2);
  assert.match(json.stderr, /^regnetx: drawn \d+, kept 2, /);

  const csv = dse('sample', file, '--format', 'csv', '--n', '2', '--seed', '2');
  assert.equal(csv.code, 0, csv.stderr);
  const rows = csv.stdout.trim().split('\n');
  assert.equal(rows[0], 'index,depth,w0,wa,wm,group_w,bot_mul,se_r,ws,ds,ss,gs,bs,flops,params,acts');
  assert.equal(rows.length, 3);
  assert.match(rows[1], /^0,\d+,\d+,[\d.]+,[\d.]+,\d+,1,0,"[\d,]+","[\d,]+","[\d,]+","[\d,]+","[\d,]+",\d+,\d+,\d+$/);
  assert.match(csv.stderr, /kept 2/);
});

test('dse sample: bad flags and bad experiment files are one line, exit 2', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dse-cli-sample-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const good = join(dir, 'good.yaml');
  const base = ['name: s', 'n: 2', 'seed: 1', 'network: {}', 'dataset: {name: synthetic}'];
  writeFileSync(good, [...base, 'space: regnetx', ''].join('\n'));
  failsWith(['sample', good, '-n', '0'], '-n: must be a positive integer, got "0"');
  failsWith(['sample', good, '--seed', '-3'], '--seed: must be a non-negative integer, got "-3"');
  failsWith(['sample', good, '--format', 'xml'], '--format: must be one of table, json, csv, got "xml"');
  const impossible = join(dir, 'impossible.yaml');
  writeFileSync(impossible, [...base, 'space: regnetx', 'sampler: {max_draws: 300}', 'constraints: {flops: [1, 2]}', ''].join('\n'));
  const r = dse('sample', impossible);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^dse: sampler: only 0 of 2 models passed after 300 draws \(sampler\.max_draws\) — .*; widen the constraints or raise sampler\.max_draws\n$/);
  const badSpace = join(dir, 'bad-space.yaml');
  writeFileSync(badSpace, [...base, 'space:', '  base: regnetx', '  params:', '    wm: {dist: log_uniform, low: 0.5, high: 3, q: 0.001}', ''].join('\n'));
  const s = dse('sample', badSpace);
  assert.equal(s.code, 2);
  assert.match(s.stderr, /^dse: .*bad-space\.yaml:\d+:\d+: space\.params\.wm: low must make every value a number > 1, got 0\.5/);
  assert.equal(s.stderr.split('\n').length, 2);
});

test('dse cx --preset parnet_s --fused: the deploy form\'s counts (the reference\'s validate.py --fuse); --fused needs a foldable network', () => {
  const json = (args: string[]) => JSON.parse(dse('cx', ...args, '--json').stdout) as { complexity: { flops: number; params: number; acts: number } };
  assert.deepEqual(json(['--preset', 'parnet_s']).complexity, { flops: 5_259_502_056, params: 20_930_936, acts: 8_449_332 });
  assert.deepEqual(json(['--preset', 'parnet_s', '--fused']).complexity, json(['--preset', 'parnet_s_fused']).complexity);
  assert.deepEqual(json(['--preset', 'parnet_s', '--fused']).complexity, { flops: 4_737_822_184, params: 19_128_980, acts: 3_971_124 });
  failsWith(['cx', '--preset', 'ghostnet_100', '--fused'], '--fused: ghostnet_100: no node of this network has a deploy form (only reparameterizable blocks, such as ParNet\'s, fold)');
  failsWith(['cx', '--depth', '13', '--fused'], '--fused: applies to a --spec or --preset network');
});
