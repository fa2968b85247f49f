/**
 * RegNet quantization against pycls (generate_regnet, adjust_block_compatibility) and the published
 * RegNetX/RegNetY models: stage widths and depths as listed for the paper's models (Keras
 * applications MODEL_CONFIGS), complexity as in pycls's MODEL_ZOO.md (0.1 precision).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { SpecError, adjustBlockCompatibility, complexity, generateRegnet, regnetSpec, regnetStageCount, regnetStages } from '../src/space/index.js';
import { blocks } from './helpers/spec.js';
import { roundHalfEven } from '../src/util/round.js';
import { Rng } from '../src/sampler/rng.js';

const IMAGENET = { stem: 'simple_stem_in', stemW: 32, blockType: 'res_bottleneck_block', resolution: 224, numClasses: 1000 };

test('the issue\'s check: wa=8, w0=8, wm=2.5, d=10 -> widths [8,16,48,128], depths [1,2,6,1]', () => {
  const r = generateRegnet(8, 8, 2.5, 10);
  assert.deepEqual(r.ws, [8, 16, 48, 128]);
  assert.deepEqual(r.ds, [1, 2, 6, 1]);
  assert.deepEqual(r.widthsAll, [8, 16, 16, 48, 48, 48, 48, 48, 48, 128]);
  assert.deepEqual(r.widthsCont, [8, 16, 24, 32, 40, 48, 56, 64, 72, 80]);
  assert.equal(r.numStages, 4);
  assert.equal(r.totalStages, 4);
});

test('rounding is half to even at exact ties (numpy), not half up', () => {
  assert.deepEqual([0.5, 1.5, 2.5, 3.5, -2.5, 2.4, 2.6].map(roundHalfEven), [0, 2, 2, 4, -2, 2, 3]);
  // Level 1 of wm=2.5 from w0=8 is 20 = 2.5 * q: half to even gives 16 (Math.round would give 24).
  assert.deepEqual(generateRegnet(8, 8, 2.5, 2).ws, [8, 16]);
  // Bottleneck compatibility: v = 40*0.25 = 10, m = 4, round(10/4 = 2.5) = 2 -> v = 8 -> w = 32 (half up: 48).
  assert.deepEqual(adjustBlockCompatibility([40], [0.25], [4]).ws, [32]);
});

// [wa, w0, wm, d] -> ws, ds, num_stages, total_stages as numpy computes them (pycls generate_regnet).
const NUMPY_ROWS: Array<[[number, number, number, number], number[], number[], number, number]> = [
  [[0, 8, 2.0, 5], [8], [5], 1, 1],
  [[36.44, 24, 2.49, 13], [24, 56, 152, 368], [1, 1, 4, 7], 4, 4],
  [[12.5, 16, 2.0, 20], [16, 32, 64, 128, 256], [1, 2, 3, 8, 6], 5, 5],
  [[1, 8, 1.05, 3], [8], [3], 1, 6],
  [[0.1, 8, 1.001, 30], [8], [30], 1, 310],
  [[255.9, 256, 3.0, 28], [256, 768, 2304, 6912], [1, 4, 10, 13], 4, 4],
  [[8.0, 8, 2.0, 28], [8, 16, 32, 64, 128, 256], [1, 1, 3, 6, 11, 6], 6, 6],
  [[33.3, 40, 2.718, 21], [40, 112, 296, 800], [1, 4, 9, 7], 4, 4],
  [[100, 8, 1.5, 12], [8, 88, 208, 304, 464, 688, 1040], [1, 1, 1, 1, 2, 3, 3], 7, 13],
];

test('generateRegnet and regnetStageCount reproduce numpy\'s generate_regnet, including skipped levels', () => {
  for (const [[wa, w0, wm, d], ws, ds, numStages, totalStages] of NUMPY_ROWS) {
    const r = generateRegnet(wa, w0, wm, d);
    assert.deepEqual([r.ws, r.ds, r.numStages, r.totalStages], [ws, ds, numStages, totalStages], `wa=${wa} w0=${w0} wm=${wm} d=${d}`);
    assert.deepEqual(regnetStageCount(wa, w0, wm, d), { numStages, totalStages });
  }
});

// [ws, bs, gs] -> adjusted ws, gs as pycls computes them.
const ADJUST_ROWS: Array<[number[], number[], number[], number[], number[]]> = [
  [[24], [1], [32], [24], [24]], // g = min(g, w*b)
  [[20], [2], [3], [21], [3]], // b > 1: multiple of lcm(g, b) = 6: round(40/6) = 7 -> 42 -> 21
  [[80, 240, 720, 1920], [1, 1, 1, 1], [120, 120, 120, 120], [80, 240, 720, 1920], [80, 120, 120, 120]], // RegNetX-8.0GF
  [[8, 48, 1016], [0.25, 0.5, 1], [32, 8, 16], [8, 48, 1024], [2, 8, 16]],
  [[56], [4], [24], [54], [24]],
];

test('adjustBlockCompatibility reproduces pycls', () => {
  for (const [ws, bs, gs, outW, outG] of ADJUST_ROWS) {
    const r = adjustBlockCompatibility(ws, bs, gs);
    assert.deepEqual([r.ws, r.gs, r.bs], [outW, outG, bs], `ws=${ws} bs=${bs} gs=${gs}`);
  }
});

test('invalid RegNet parameters are rejected with an error naming the parameter', () => {
  const cases: Array<[() => unknown, string, RegExp]> = [
    [() => generateRegnet(8, 8, 1, 10), 'wm', /must be > 1, got 1/],
    [() => generateRegnet(8, 8, 0.9, 10), 'wm', /must be > 1, got 0\.9/],
    [() => generateRegnet(8, 20, 2, 10), 'w0', /multiple of 8, got 20/],
    [() => generateRegnet(8, 0, 2, 10), 'w0', /must be > 0/],
    [() => generateRegnet(-1, 8, 2, 10), 'wa', /must be >= 0, got -1/],
    [() => generateRegnet(8, 8, 2, 0), 'depth', /positive integer, got 0/],
    [() => generateRegnet(8, 8, 2, 2.5), 'depth', /positive integer, got 2\.5/],
    [() => generateRegnet(NaN, 8, 2, 3), 'wa', /got NaN/],
    [() => adjustBlockCompatibility([16], [1.5], [1]), 'bot_mul', /integer when > 1/],
    [() => adjustBlockCompatibility([16, 32], [1], [1, 1]), 'bot_mul', /1 entries but there are 2 stages/],
    [() => adjustBlockCompatibility([16], [1], [0]), 'group_w', /must be > 0/],
  ];
  for (const [f, param, message] of cases) {
    assert.throws(f, (e: unknown) => e instanceof SpecError && e.param === param && message.test(e.message), `${param} ${message}`);
  }
});

// Published models: [name, d, w0, wa, wm, g, stage depths, stage widths, MODEL_ZOO flops (B), params (M), acts (M)].
const ZOO: Array<[string, number, number, number, number, number, number[], number[], [number, number, number]]> = [
  ['RegNetX-200MF', 13, 24, 36.44, 2.49, 8, [1, 1, 4, 7], [24, 56, 152, 368], [0.2, 2.7, 2.2]],
  ['RegNetX-400MF', 22, 24, 24.48, 2.54, 16, [1, 2, 7, 12], [32, 64, 160, 384], [0.4, 5.2, 3.1]],
  ['RegNetX-600MF', 16, 48, 36.97, 2.24, 24, [1, 3, 5, 7], [48, 96, 240, 528], [0.6, 6.2, 4.0]],
  ['RegNetX-800MF', 16, 56, 35.73, 2.28, 16, [1, 3, 7, 5], [64, 128, 288, 672], [0.8, 7.3, 5.1]],
  ['RegNetX-1.6GF', 18, 80, 34.01, 2.25, 24, [2, 4, 10, 2], [72, 168, 408, 912], [1.6, 9.2, 7.9]],
  ['RegNetX-3.2GF', 25, 88, 26.31, 2.25, 48, [2, 6, 15, 2], [96, 192, 432, 1008], [3.2, 15.3, 11.4]],
  ['RegNetX-4.0GF', 23, 96, 38.65, 2.43, 40, [2, 5, 14, 2], [80, 240, 560, 1360], [4.0, 22.1, 12.2]],
  ['RegNetX-6.4GF', 17, 184, 60.83, 2.07, 56, [2, 4, 10, 1], [168, 392, 784, 1624], [6.5, 26.2, 16.4]],
  ['RegNetX-8.0GF', 23, 80, 49.56, 2.88, 120, [2, 5, 15, 1], [80, 240, 720, 1920], [8.0, 39.6, 14.1]],
  ['RegNetX-12GF', 19, 168, 73.36, 2.37, 112, [2, 5, 11, 1], [224, 448, 896, 2240], [12.1, 46.1, 21.4]],
  ['RegNetX-16GF', 22, 216, 55.59, 2.1, 128, [2, 6, 13, 1], [256, 512, 896, 2048], [15.9, 54.3, 25.5]],
  ['RegNetX-32GF', 23, 320, 69.86, 2.0, 168, [2, 7, 13, 1], [336, 672, 1344, 2520], [31.7, 107.8, 36.3]],
  ['RegNetY-200MF', 13, 24, 36.44, 2.49, 8, [1, 1, 4, 7], [24, 56, 152, 368], [0.2, 3.2, 2.2]],
  ['RegNetY-400MF', 16, 48, 27.89, 2.09, 8, [1, 3, 6, 6], [48, 104, 208, 440], [0.4, 4.3, 3.9]],
  ['RegNetY-600MF', 15, 48, 32.54, 2.32, 16, [1, 3, 7, 4], [48, 112, 256, 608], [0.6, 6.1, 4.3]],
  ['RegNetY-800MF', 14, 56, 38.84, 2.4, 16, [1, 3, 8, 2], [64, 128, 320, 768], [0.8, 6.3, 5.2]],
  ['RegNetY-1.6GF', 27, 48, 20.71, 2.65, 24, [2, 6, 17, 2], [48, 120, 336, 888], [1.6, 11.2, 8.0]],
  ['RegNetY-3.2GF', 21, 80, 42.63, 2.66, 24, [2, 5, 13, 1], [72, 216, 576, 1512], [3.2, 19.4, 11.3]],
  ['RegNetY-4.0GF', 22, 96, 31.41, 2.24, 64, [2, 6, 12, 2], [128, 192, 512, 1088], [4.0, 20.6, 12.3]],
  ['RegNetY-6.4GF', 25, 112, 33.22, 2.27, 72, [2, 7, 14, 2], [144, 288, 576, 1296], [6.4, 30.6, 16.4]],
  ['RegNetY-8.0GF', 17, 192, 76.82, 2.19, 56, [2, 4, 10, 1], [168, 448, 896, 2016], [8.0, 39.2, 18.0]],
  ['RegNetY-12GF', 19, 168, 73.36, 2.37, 112, [2, 5, 11, 1], [224, 448, 896, 2240], [12.1, 51.8, 21.4]],
  ['RegNetY-16GF', 18, 200, 106.23, 2.48, 112, [2, 4, 11, 1], [224, 448, 1232, 3024], [15.9, 83.6, 23.0]],
  ['RegNetY-32GF', 20, 232, 115.89, 2.53, 232, [2, 5, 12, 1], [232, 696, 1392, 3712], [32.3, 145.0, 30.3]],
];

test('published RegNetX/RegNetY models: stage widths/depths and pycls MODEL_ZOO complexity', () => {
  const tenth = (v: number) => Math.round(v * 10) / 10;
  for (const [name, depth, w0, wa, wm, group_w, ds, ws, [gf, mParams, mActs]] of ZOO) {
    const p = { depth, w0, wa, wm, group_w, se_r: name.startsWith('RegNetY') ? 0.25 : 0 };
    const st = regnetStages(p);
    assert.deepEqual([st.ds, st.ws], [ds, ws], name);
    const cx = complexity(regnetSpec(p, IMAGENET));
    assert.deepEqual([tenth(cx.flops / 1e9), tenth(cx.params / 1e6), tenth(cx.acts / 1e6)], [gf, mParams, mActs], name);
  }
  // The example row, exactly: RegNetX-400MF is 0.40 GF and 5.2M params.
  assert.deepEqual(complexity(regnetSpec({ depth: 22, w0: 24, wa: 24.48, wm: 2.54, group_w: 16 }, IMAGENET)), { flops: 397_678_568, params: 5_157_512, acts: 3_143_272 });
});

test('regnetSpec: strides, first stride, block parameters and SE per stage', () => {
  const spec = regnetSpec({ depth: 10, w0: 8, wa: 8, wm: 2.5, group_w: 8, se_r: 0.25 }, { ...IMAGENET, stem: 'res_stem_cifar', resolution: 32, numClasses: 10, stride: 2, firstStride: 1 });
  const bs = blocks(spec);
  assert.equal(bs.length, 10);
  assert.deepEqual(bs.filter((b) => b.id.endsWith('.b1')).map((b) => [b.stage, b.params!.stride]), [['s1', 1], ['s2', 2], ['s3', 2], ['s4', 2]]);
  assert.ok(bs.every((b) => b.params!.se_r === 0.25 && b.params!.bot_mul === 1 && b.params!.group_w === 8));
  const basic = regnetSpec({ depth: 10, w0: 8, wa: 8, wm: 2.5, group_w: 8 }, { ...IMAGENET, blockType: 'res_basic_block' });
  assert.ok(blocks(basic).every((b) => !('group_w' in b.params!) && !('bot_mul' in b.params!)));
});

test('on random parameters, the stage count fast path agrees with generateRegnet', () => {
  const rng = new Rng('stage-count');
  for (let i = 0; i < 2000; i++) {
    const [wa, w0, wm, d] = [Math.round(rng.uniform(0, 256) * 10) / 10, 8 * (1 + rng.int(32)), 1 + Math.ceil(rng.uniform(0.001, 2) * 1000) / 1000, 1 + rng.int(40)];
    const r = generateRegnet(wa, w0, wm, d);
    assert.deepEqual(regnetStageCount(wa, w0, wm, d), { numStages: r.numStages, totalStages: r.totalStages });
    assert.equal(r.ds.reduce((a, b) => a + b, 0), d);
  }
});

// Cross-check against numpy itself where Debian's python3 with numpy is installed (skipped elsewhere).
const PYTHON = '/usr/bin/python3';
const hasNumpy = spawnSync(PYTHON, ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0;

test('2,000 random parameter sets match numpy exactly (generate_regnet + adjust_block_compatibility)', { skip: !hasNumpy && `${PYTHON} with numpy not available` }, () => {
  const rng = new Rng('numpy');
  const rows = Array.from({ length: 2000 }, () => {
    const wa = rng.next() < 0.3 ? rng.int(100) / 2 : Math.round(rng.uniform(0, 300) * 10) / 10;
    const wm = rng.next() < 0.3 ? [1.5, 2, 2.5, 3, 4][rng.int(5)] : Math.round(rng.uniform(1.001, 4) * 1000) / 1000;
    return [wa, 8 * (1 + rng.int(40)), wm, 1 + rng.int(40), [1, 0.5, 0.25, 2, 4][rng.int(5)], [1, 3, 8, 16, 24, 48][rng.int(6)]];
  });
  const script = `
import json, sys, numpy as np
out = []
for wa, w0, wm, d, b, g in json.load(sys.stdin):
    ws_cont = np.arange(d) * wa + w0
    ks = np.round(np.log(ws_cont / w0) / np.log(wm))
    ws_all = np.round(np.divide(w0 * np.power(wm, ks), 8)).astype(int) * 8
    ws, ds = np.unique(ws_all, return_counts=True)
    ws, ds = ws.tolist(), ds.tolist()
    vs = [int(max(1, w * b)) for w in ws]
    gs = [int(min(g, v)) for v in vs]
    ms = [int(np.lcm(gg, int(b))) if b > 1 else gg for gg in gs]
    vs = [max(m, int(round(v / m) * m)) for v, m in zip(vs, ms)]
    out.append([ws, ds, int(ks.max()) + 1, [int(v / b) for v in vs], gs])
json.dump(out, sys.stdout)
`;
  const r = spawnSync(PYTHON, ['-c', script], { input: JSON.stringify(rows), encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, r.stderr);
  const expected = JSON.parse(r.stdout) as Array<[number[], number[], number, number[], number[]]>;
  rows.forEach(([wa, w0, wm, d, b, g], i) => {
    const gen = generateRegnet(wa, w0, wm, d);
    const adj = adjustBlockCompatibility(gen.ws, gen.ws.map(() => b), gen.ws.map(() => g));
    assert.deepEqual([gen.ws, gen.ds, gen.totalStages, adj.ws, adj.gs], expected[i], `row ${i}: ${rows[i]}`);
  });
});
