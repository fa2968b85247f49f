/**
 * The presets are exact to the implementations they reproduce. test/fixtures/reference-counts.json
 * holds what each reference gave when it was built and counted by forward hooks (its `_about` says
 * how, with the commits); the torchvision presets are also compared live with the installed
 * torchvision, counted by dse's own forward-hook counter.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { complexity, presetSpec, presets, preset } from '../src/space/index.js';
import { packageRoot } from '../src/util/paths.js';
import { findTorchPython } from '../src/workers/torch/python.js';

interface Ref {
  reference: string;
  resolution: number;
  params: number;
  /** Parameters the reference builds but never runs (its _about says which); dse has no such modules. */
  unused_params?: number;
  flops: number;
  acts: number;
}
const REFERENCE = JSON.parse(readFileSync(join(packageRoot(), 'test', 'fixtures', 'reference-counts.json'), 'utf8')) as { presets: Record<string, Ref> };
const CLI = join(packageRoot(), 'dist', 'src', 'cli', 'index.js');

test('every preset has a reference measurement at its native resolution, and equals it exactly', () => {
  const all = presets();
  assert.ok(all.length >= 133, `${all.length} presets`);
  for (const p of all) {
    const ref = REFERENCE.presets[p.name];
    assert.ok(ref, `${p.name} has a reference measurement`);
    assert.equal(p.resolution, ref.resolution, `${p.name}: native resolution`);
    assert.deepEqual(complexity(presetSpec(p.name)), { flops: ref.flops, params: ref.params - (ref.unused_params ?? 0), acts: ref.acts }, `${p.name} vs ${ref.reference}`);
  }
});

test('presets at other resolutions are exact too (torchvision B2 at the paper\'s 260, V2-S and FBNetV2 at 224)', () => {
  const extra = Object.entries(REFERENCE.presets).filter(([k]) => k.includes('@'));
  assert.ok(extra.length >= 6);
  for (const [key, ref] of extra) {
    const [name, res] = key.split('@');
    assert.equal(Number(res), ref.resolution);
    assert.deepEqual(complexity(presetSpec(name, { resolution: ref.resolution })), { flops: ref.flops, params: ref.params, acts: ref.acts }, key);
  }
});

test('the counts the issue lists', () => {
  const rows: Array<[string, number, number, number, number]> = [
    ['mobilenetv2_100', 224, 3_504_872, 300_775_272, 6_679_112],
    ['mobilenetv3_large_100', 224, 5_483_032, 216_597_120, 4_407_168],
    ['efficientnet_b0', 224, 5_288_548, 385_825_092, 6_748_036],
    ['efficientnet_b2', 260, 9_109_994, 993_578_282, 13_832_834],
    ['fbnet_c', 224, 5_592_784, 384_297_896, 6_161_672],
    ['pplcnet_x1_0', 224, 2_952_520, 155_702_440, 2_524_584],
    ['lcnet_100', 224, 2_953_800, 155_703_720, 2_524_584],
    ['shufflenet_v2_x1_0', 224, 2_278_604, 144_908_992, 2_026_464],
    ['shufflenetv1_g3_x1_0', 224, 1_864_728, 137_460_672, 3_164_440],
    ['squeezenet1_0', 224, 1_248_424, 823_270_824, 4_899_336],
    ['ghostnet_100', 224, 5_182_508, 141_157_716, 3_545_396],
    ['igcv3_w1', 224, 3_491_688, 312_971_176, 11_707_688],
    ['condensenet74_c4_g4', 224, 4_773_944, 516_641_576, 5_988_408],
    ['parnet_s', 224, 20_930_936, 5_259_502_056, 8_449_332],
    ['ghostnetv2_100', 224, 6_156_908, 167_055_492, 4_636_796],
    ['weightnet_shufflenetv2_x1_0', 224, 2_435_832, 138_897_832, 2_695_336],
    ['micronet_m0', 224, 1_019_590, 3_455_812, 466_356],
  ];
  for (const [name, res, params, flops, acts] of rows) assert.deepEqual(complexity(presetSpec(name, { resolution: res })), { params, flops, acts }, name);
  // EdgeNets' ESPNetv2 builds 3,130 parameters its forward never runs at s = 1 (the fixture's _about says which)
  const espnet = complexity(presetSpec('espnetv2_w1'));
  assert.deepEqual({ params: espnet.params + 3_130, flops: espnet.flops }, { params: 1_670_072, flops: 86_745_404 });
});

test('the torchvision presets equal the installed torchvision, counted by dse\'s forward-hook counter', async () => {
  const { python } = await findTorchPython();
  const names = presets().filter((p) => p.source.startsWith('torchvision')).map((p) => p.name);
  assert.ok(names.length >= 16);
  const res = 128;
  const script = [
    'import json, sys, torchvision',
    'from dse_torch import counter',
    'out = {}',
    'for name in json.loads(sys.argv[1]):',
    '    m = getattr(torchvision.models, name)(weights=None)',
    `    c = counter.count(m, (3, ${res}, ${res}))`,
    '    out[name] = {k: c[k] for k in ("flops", "params", "acts")}',
    'print(json.dumps(out))',
  ].join('\n');
  const r = spawnSync(python, ['-c', script, JSON.stringify(names)], { encoding: 'utf8', env: { ...process.env, PYTHONPATH: join(packageRoot(), 'src', 'models', 'torch') }, maxBuffer: 1 << 24 });
  assert.equal(r.status, 0, r.stderr);
  const live = JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, object>;
  for (const name of names) assert.deepEqual(complexity(presetSpec(name, { resolution: res })), live[name], `${name} at ${res}px vs torchvision.models.${name}`);
});

test('every preset names the implementation, file and arguments it reproduces', () => {
  for (const p of presets()) {
    assert.match(p.source, /^(timm @aa4b585|torchvision 0\.14|mobile-vision @bb8465c|PaddleClas @d178931|megvii-model\/ShuffleNet-Series @aa91feb|pytorchcv @47b5422|imankgoyal\/NonDeepNetworks @777b286|sacmehta\/EdgeNets @2b232d3|megvii-model\/WeightNet @669b5f4|liyunsheng13\/micronet @ed89b26) /, p.name);
    assert.ok(preset(p.name) === p);
  }
});

function dse(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('dse presets lists every preset with its counts; --family filters; dse cx --preset prints one', () => {
  const all = JSON.parse(dse('presets', '--json').stdout) as Array<{ name: string; flops: number; resolution: number }>;
  assert.equal(all.length, presets().length);
  assert.equal(all.find((r) => r.name === 'fbnet_c')!.flops, 384_297_896);
  const fam = dse('presets', '--family', 'pplcnet');
  assert.equal(fam.code, 0, fam.stderr);
  assert.equal(fam.stdout.split('\n').filter((l) => l.trimStart().startsWith('pplcnet_x')).length, 8);
  assert.equal(dse('presets', '--family', 'pplcnett').stderr.split('\n')[0], `dse: --family: unknown family "pplcnett" (did you mean pplcnet?) (families: ${[...new Set(presets().map((p) => p.family))].join(', ')})`);
  const cx = JSON.parse(dse('cx', '--preset', 'efficientnet_b2', '--resolution', '260', '--json').stdout);
  assert.deepEqual(cx.complexity, { flops: 993_578_282, params: 9_109_994, acts: 13_832_834 });
  assert.equal(cx.preset.name, 'efficientnet_b2');
  const text = dse('cx', '--preset', 'mobilenetv3_small_100', '--classes', '10', '--resolution', '32');
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^preset mobilenetv3_small_100 \(mobilenetv3\): timm @aa4b585/);
  assert.match(text.stdout, /3x32x32 input, conv_stem w=16, ds_block, mbconv, ops: conv_bn_act, 10 classes, head w=1024/);
  assert.equal(dse('cx', '--preset', 'mobilenetv3_large').stderr, 'dse: --preset: unknown preset "mobilenetv3_large" (did you mean mobilenet_v3_large?); `dse presets` lists them\n');
  assert.equal(dse('cx', '--preset', 'fbnet_c', '--depth', '3').stderr, 'dse: --depth: a preset takes only --resolution, --classes and --channels\n');
  assert.equal(dse('cx', '--preset', 'fbnet_c', '--spec', 'x.json').stderr, 'dse: --preset: give either --spec or --preset, not both\n');
});

for (const engine of ['torch', 'tfjs']) {
  test(`dse train --preset trains a preset at the dataset's resolution with --engine ${engine}`, () => {
    const r = spawnSync(process.execPath, [CLI, 'train', '--preset', 'mobilenetv3_small_050', '--engine', engine, '--dataset', 'synthetic', '--train-size', '64', '--test-size', '32', '--epochs', '1', '--batch-size', '16', '--json'], {
      encoding: 'utf8',
      env: { ...process.env, DSE_TEST_FAULT: '' },
    });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.spec.input.resolution, 32, 'the synthetic dataset\'s 32px');
    assert.equal(out.result.status, 'done');
    assert.equal(out.result.params_built, complexity(presetSpec('mobilenetv3_small_050', { resolution: 32, classes: 10 })).params);
  });
}
