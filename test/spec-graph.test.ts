/**
 * Spec v2 as a graph: a hand-written two-stream network (a stem forking into a stride-2 branch and a
 * full-resolution branch, joined by a two-input concat) is costed exactly, built identically by both
 * engines and trains an epoch in each; every malformed spec is one line naming the node and key; and a
 * version 1 spec upgrades mechanically.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ModelSpec, SpecError, analyzeSpec, buildAnyNetSpec, complexity, lowerSpec, nodeTypeNames, stageSummaries, upgradeSpec, validateSpec } from '../src/space/index.js';
import { packageRoot } from '../src/util/paths.js';
import { initBackend } from '../src/workers/tfjs/backend.js';
import { type TorchSlot, createTorchSlot } from '../src/workers/torch/slot.js';
import { agrees, hookCount, parity } from './helpers/parity.js';

const CLI = join(packageRoot(), 'dist', 'src', 'cli', 'index.js');
const TWO_STREAM_FILE = join(packageRoot(), 'test', 'fixtures', 'specs', 'two-stream.json');
const TWO_STREAM = JSON.parse(readFileSync(TWO_STREAM_FILE, 'utf8')) as ModelSpec;
const DIR = mkdtempSync(join(tmpdir(), 'dse-graph-'));

let slot: TorchSlot;
before(async () => {
  await initBackend('cpu');
  slot = await createTorchSlot({ name: 'torch:graph', cudaDevice: null, threads: 1 });
});
after(async () => {
  await slot?.close();
  rmSync(DIR, { recursive: true, force: true });
});

function dse(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, DSE_CACHE_DIR: join(DIR, 'cache'), DSE_TEST_FAULT: '' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('the two-stream network is costed exactly, node by node', () => {
  const a = analyzeSpec(TWO_STREAM);
  const byId = Object.fromEntries(a.nodes.map((n) => [n.spec.id, n]));
  // stem: 3x3 conv 3->8 at 16x16 = 9*3*8*256 = 55,296 MACs; 216 + BN 16 params; 2,048 acts.
  assert.deepEqual(byId.stem.cost, { flops: 55_296, params: 232, acts: 2_048 });
  // low.b1, 8->16 stride 2: proj 1x1 8*16*64 = 8,192; 3x3 s2 9*8*16*64 = 73,728; 3x3 9*16*16*64 = 147,456.
  assert.deepEqual(byId['low.b1'].cost, { flops: 229_376, params: 160 + 1_184 + 2_336, acts: 3 * 1_024 });
  assert.deepEqual([byId['low.b1'].shape, byId['high.b1'].shape], [{ c: 16, h: 8, w: 8 }, { c: 8, h: 16, w: 16 }]);
  // high.b1, 8->8 at full resolution: two 3x3 convs of 9*8*8*256 = 147,456 each, no projection.
  assert.deepEqual(byId['high.b1'].cost, { flops: 294_912, params: 2 * 592, acts: 2 * 2_048 });
  // high.down: 3x3 stride 2, 8->16 to 8x8: 73,728; 1,152 + 32; 1,024.
  assert.deepEqual(byId['high.down'].cost, { flops: 73_728, params: 1_184, acts: 1_024 });
  // join: concat is free, 16 + 16 channels.
  assert.deepEqual([byId.join.shape, byId.join.cost], [{ c: 32, h: 8, w: 8 }, { flops: 0, params: 0, acts: 0 }]);
  // fuse.b1, X block 32->32 g=8 (4 groups): 1x1 32*32*64 = 65,536 twice, 3x3 9*32*32*64/4 = 147,456.
  assert.deepEqual(byId['fuse.b1'].cost, { flops: 278_528, params: 1_088 + 2_368 + 1_088, acts: 3 * 2_048 });
  assert.deepEqual(byId.head.cost, { flops: 132, params: 132, acts: 4 });
  assert.deepEqual(a.cost, { flops: 931_972, params: 10_956, acts: 16_388 });
  assert.deepEqual(stageSummaries(TWO_STREAM).map((s) => [s.label, s.width]), [['low', 16], ['high', 8], ['fuse', 32]]);
});

test('dse cx --spec costs it, listing every node', () => {
  const r = dse('cx', '--spec', TWO_STREAM_FILE, '--nodes');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^flops +931\.97 kF \(931,972\)$/m);
  assert.match(r.stdout, /^params +10\.96 k \(10,956\)$/m);
  assert.match(r.stdout, /^\s+join\s+concat\s+32x8x8\s+0\s+0\s+0$/m);
  const json = JSON.parse(dse('cx', '--spec', TWO_STREAM_FILE, '--json').stdout);
  assert.deepEqual(json.complexity, { flops: 931_972, params: 10_956, acts: 16_388 });
  assert.equal(dse('cx', '--spec', TWO_STREAM_FILE, '--depth', '3').stderr, 'dse: --depth: give either --spec or model flags, not both\n');
});

test('both engines build it identically: forward-hook counts and cross-engine logits', async () => {
  const built = await hookCount(slot, TWO_STREAM);
  assert.deepEqual(built.count, complexity(TWO_STREAM));
  const p = await parity(slot, TWO_STREAM, { batch: 3 });
  assert.ok(agrees(p), `max diff ${p.maxDiff}`);
});

for (const engine of ['torch', 'tfjs']) {
  test(`it trains one epoch with --engine ${engine}`, () => {
    const r = dse('train', '--spec', TWO_STREAM_FILE, '--engine', engine, '--dataset', 'synthetic', '--train-size', '64', '--test-size', '32', '--epochs', '1', '--batch-size', '16', '--json');
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.result.status, 'done');
    assert.equal(out.result.params_built, 10_956);
    assert.equal(out.result.epochs.length, 1);
    assert.ok(Number.isFinite(out.result.epochs[0].train_loss));
  });
}

/** The two-stream spec with one node's fields changed. */
function edited(id: string, change: object): ModelSpec {
  return { ...TWO_STREAM, nodes: TWO_STREAM.nodes.map((n) => (n.id === id ? { ...n, ...change } : n)) };
}

test('every malformed spec is one error naming the node and key, and saying what is wrong', () => {
  const fuse = TWO_STREAM.nodes.find((n) => n.id === 'fuse.b1')!;
  const cases: Array<[unknown, string]> = [
    [edited('fuse.b1', { params: { ...fuse.params, grop_w: 8 } }), 'nodes[5] (fuse.b1).params.grop_w: unknown parameter (did you mean group_w?) (it takes: w_out, stride, bot_mul, group_w, se_r, act)'],
    [edited('fuse.b1', { params: { ...fuse.params, act: 'hswishh' } }), 'nodes[5] (fuse.b1).params.act: must be one of relu, relu6, hswish, hsigmoid, sigmoid, silu, identity, got "hswishh"'],
    [edited('fuse.b1', { params: { ...fuse.params, group_w: 1.5 } }), 'nodes[5] (fuse.b1).params.group_w: must be a positive integer, got 1.5'],
    [edited('fuse.b1', { params: { group_w: 8 } }), 'nodes[5] (fuse.b1).params.w_out: is required (output channels)'],
    [edited('fuse.b1', { params: { ...fuse.params, group_w: 12 } }), 'nodes[5] (fuse.b1).params.group_w: group width 12 does not divide the bottleneck width 32 (= 32 * 1); pick a divisor of 32'],
    [edited('join', { inputs: ['low.b1', 'stem'] }), 'nodes[4] (join): concat needs inputs of one resolution, got 16x8x8 and 8x16x16 (input 16x8x8, 8x16x16)'],
    [edited('join', { inputs: ['low.b1', 'hihg.down'] }), 'nodes[4] (join).inputs: "hihg.down" is not the input or an earlier node (did you mean high.down?)'],
    [edited('join', { inputs: ['low.b1', 'fuse.b1'] }), 'nodes[4] (join).inputs: "fuse.b1" is not the input or an earlier node'],
    [edited('join', { type: 'add', inputs: ['low.b1'] }), 'nodes[4] (join).inputs: add takes 2 or more inputs, got 1'],
    [edited('join', { type: 'cat' }), `nodes[4] (join).type: unknown node type "cat" (known: ${nodeTypeNames().join(', ')})`],
    [edited('high.down', { inputs: ['stem'] }), 'node high.b1: does not feed the output (head); remove it or use it as an input'],
    [edited('join', { stride: 2 }), 'nodes[4] (join).stride: unknown key (a node has id, type, params, inputs, stage)'],
    [{ ...TWO_STREAM, output: 'join' }, 'node fuse.b1: does not feed the output (join); remove it or use it as an input'],
    [{ ...TWO_STREAM, nodes: TWO_STREAM.nodes.slice(0, -1) }, 'output: node fuse.b1 gives a 32x8x8 map, not logits; end the network with a head (e.g. anynet_head)'],
    [{ ...TWO_STREAM, version: 3 }, 'version: must be 2 (or 1, which is upgraded), got 3'],
    [{ ...TWO_STREAM, nodez: [] }, 'nodez: unknown key (did you mean nodes?) (a spec has version, input, nodes, output)'],
    [edited('low.b1', { id: 'stem' }), 'nodes[1] (stem).id: is used by an earlier node'],
  ];
  for (const [spec, message] of cases) {
    assert.throws(() => validateSpec(spec), (e: Error) => {
      assert.ok(e instanceof SpecError, String(e));
      assert.equal(e.message, message);
      return true;
    });
  }
});

test('a spec file with a typo is one line naming the file, the node and the key', () => {
  const file = join(DIR, 'typo.json');
  const fuse = TWO_STREAM.nodes.find((n) => n.id === 'fuse.b1')!;
  writeFileSync(file, JSON.stringify(edited('fuse.b1', { params: { ...fuse.params, grop_w: 8 } })));
  const r = dse('cx', '--spec', file);
  assert.equal(r.code, 2);
  assert.equal(r.stderr, `dse: --spec: ${file}: nodes[5] (fuse.b1).params.grop_w: unknown parameter (did you mean group_w?) (it takes: w_out, stride, bot_mul, group_w, se_r, act)\n`);
});

test('a version 1 spec upgrades mechanically: pycls ids, stage labels, the same exact counts and ops', () => {
  const v1 = {
    version: 1,
    input: { channels: 3, resolution: 32 },
    stem: { type: 'res_stem_cifar', w_out: 16 },
    blocks: [
      { type: 'res_bottleneck_block', w_in: 16, w_out: 24, stride: 1, stage: 0, bot_mul: 1, group_w: 8, se_r: 0.25 },
      { type: 'res_bottleneck_block', w_in: 24, w_out: 24, stride: 1, stage: 0, bot_mul: 1, group_w: 8, se_r: 0.25 },
      { type: 'res_bottleneck_block', w_in: 24, w_out: 56, stride: 2, stage: 1, bot_mul: 1, group_w: 8, se_r: 0.25 },
    ],
    head: { num_classes: 10, head_w: 0 },
  };
  const v2 = upgradeSpec(v1);
  assert.deepEqual(v2.nodes.map((n) => [n.id, n.stage]), [['stem', undefined], ['s1.b1', 's1'], ['s1.b2', 's1'], ['s2.b1', 's2'], ['head', undefined]]);
  const same = buildAnyNetSpec(
    { depths: [2, 1], widths: [24, 56], strides: [1, 2], params: { bot_mul: [1, 1], group_w: [8, 8], se_r: [0.25, 0.25] } },
    { stem: 'res_stem_cifar', stemW: 16, blockType: 'res_bottleneck_block', resolution: 32, numClasses: 10 },
  );
  assert.deepEqual(complexity(v1), complexity(same));
  assert.deepEqual(lowerSpec(v1).ops, lowerSpec(same).ops, 'the same ops, named as pycls names its modules');
  assert.throws(() => validateSpec({ ...v1, blocks: [{ ...v1.blocks[0], w_in: 8 }] }), /spec: version 1 spec cannot be upgraded: blocks\[0\]\.w_in is 8 but the previous layer outputs 16/);
});
