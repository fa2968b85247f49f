/**
 * The tfjs engine builds AnyNet networks with exactly the parameter count of the registry (pycls),
 * initialized like pycls and reproducibly from its seed. (Every node type's example is held to the
 * analytic count and to the torch engine's logits in guards.test.ts.)
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { buildTfjsModel } from '../src/models/tfjs/model.js';
import { type ModelSpec, type NetworkOptions, SpecError, type StageLists, buildAnyNetSpec, complexity, nodeTypeNames, outputClasses } from '../src/space/index.js';
import { initBackend } from '../src/workers/tfjs/backend.js';

before(async () => {
  await initBackend('cpu');
});

function spec(stages: StageLists, opts: Partial<NetworkOptions> = {}): ModelSpec {
  return buildAnyNetSpec(stages, { stem: 'res_stem_cifar', stemW: 8, blockType: 'res_bottleneck_block', resolution: 16, numClasses: 5, ...opts });
}

const bottleneck = (groupW: number, seR: number, botMul = 1, widths = [8, 16], strides = [1, 2]) =>
  spec({ depths: [1, 2], widths, strides, params: { bot_mul: [botMul, botMul], group_w: [groupW, groupW], se_r: [seR, seR] } });

const CASES: [string, ModelSpec][] = [
  ...nodeTypeNames('stem').flatMap((stem): [string, ModelSpec][] => [
    [`${stem}, head_w 0`, spec({ depths: [1], widths: [8], strides: [1] }, { stem, blockType: 'res_basic_block', resolution: 32 })],
    [`${stem}, head_w 24`, spec({ depths: [1], widths: [8], strides: [1] }, { stem, blockType: 'res_basic_block', resolution: 32, headW: 24 })],
  ]),
  ['vanilla_block', spec({ depths: [2, 1], widths: [8, 12], strides: [1, 2] }, { blockType: 'vanilla_block' })],
  ['res_basic_block without projection', spec({ depths: [2], widths: [8], strides: [1] }, { blockType: 'res_basic_block' })],
  ['res_basic_block with projection (width and stride)', spec({ depths: [1, 1], widths: [12, 12], strides: [1, 2] }, { blockType: 'res_basic_block' })],
  ['bottleneck, groups 1 (group_w = width)', bottleneck(16, 0, 1, [16, 16], [1, 1])],
  ['bottleneck, depthwise (group_w 1)', bottleneck(1, 0)],
  ['bottleneck, 2 and 4 groups (group_w 4)', bottleneck(4, 0)],
  ['bottleneck with SE 0.25', bottleneck(4, 0.25)],
  ['bottleneck with SE, depthwise, bot_mul 0.5', bottleneck(1, 0.25, 0.5)],
  ['bottleneck, bot_mul 2, head_w', spec({ depths: [1], widths: [8], strides: [2], params: { bot_mul: [2], group_w: [8], se_r: [0] } }, { headW: 16 })],
  ['SiLU everywhere', spec({ depths: [1, 1], widths: [8, 16], strides: [1, 2], params: { group_w: [8, 8], act: ['silu', 'silu'] } })],
  ['stem and head only', { ...spec({ depths: [1], widths: [8], strides: [1] }), nodes: spec({ depths: [1], widths: [8], strides: [1] }).nodes.filter((n) => !n.stage) }],
];

describe('tfjs builders', () => {
  for (const [name, s] of CASES) {
    test(`parameter count equals complexity(spec).params: ${name}`, () => {
      const model = buildTfjsModel(s, 1);
      try {
        assert.equal(model.params, complexity(s).params);
        assert.equal(model.params, model.parameters.reduce((n, p) => n + p.variable.size, 0));
        const logits = tf.tidy(() => model.forward(tf.randomNormal([2, s.input.resolution, s.input.resolution, s.input.channels]), true));
        assert.deepEqual(logits.shape, [2, outputClasses(s)]);
        logits.dispose();
      } finally {
        model.dispose();
      }
    });
  }

  test('pycls module names and BN parameters are marked for weight-decay exemption', () => {
    const model = buildTfjsModel(bottleneck(4, 0.25), 0);
    try {
      const names = model.parameters.map((p) => p.name);
      for (const n of ['stem.conv.weight', 'stem.bn.weight', 's2.b1.proj.weight', 's2.b1.bn.bias', 's1.b1.f.b.weight', 's1.b1.f.se.f_ex.0.bias', 's2.b2.f.c_bn.weight', 'head.fc.weight', 'head.fc.bias']) {
        assert.ok(names.includes(n), `missing ${n} in ${names.join(', ')}`);
      }
      assert.ok(!names.includes('s1.b1.proj.weight'), 'same width, stride 1: no projection');
      assert.ok(!names.includes('s2.b2.proj.weight'), 'the second block of a stage has no projection');
      for (const p of model.parameters) assert.equal(p.isBn, /(^|\.)(bn|[abc]_bn)\.(weight|bias)$/.test(p.name), p.name);
      // Two running statistics per BN, outside the parameters.
      assert.equal(model.buffers.length, model.parameters.filter((p) => p.isBn).length);
    } finally {
      model.dispose();
    }
  });

  test('initialization follows pycls and is reproducible from the seed', () => {
    const s = spec({ depths: [1], widths: [64], strides: [1], params: { bot_mul: [1], group_w: [64], se_r: [0.25] } }, { stemW: 64 });
    const a = buildTfjsModel(s, 7);
    const b = buildTfjsModel(s, 7);
    const c = buildTfjsModel(s, 8);
    try {
      const values = (m: typeof a, name: string) => m.parameters.find((p) => p.name === name)!.variable.dataSync() as Float32Array;
      for (const p of a.parameters) assert.deepEqual(values(b, p.name), values(a, p.name), p.name);
      assert.notDeepEqual(values(c, 'stem.conv.weight'), values(a, 'stem.conv.weight'));

      const stats = (v: Float32Array) => {
        const mean = v.reduce((x, y) => x + y, 0) / v.length;
        return { mean, std: Math.sqrt(v.reduce((x, y) => x + (y - mean) ** 2, 0) / v.length) };
      };
      const conv = stats(values(a, 's1.b1.f.b.weight')); // 3x3, 64 -> 64: std sqrt(2 / (9 * 64))
      assert.ok(Math.abs(conv.mean) < 0.005 && Math.abs(conv.std / Math.sqrt(2 / (9 * 64)) - 1) < 0.03, JSON.stringify(conv));
      const fc = stats(values(a, 'head.fc.weight'));
      assert.ok(Math.abs(fc.std / 0.01 - 1) < 0.1, JSON.stringify(fc));
      assert.ok(values(a, 'head.fc.bias').every((v) => v === 0));
      assert.ok(values(a, 's1.b1.f.a_bn.weight').every((v) => v === 1));
      assert.ok(values(a, 's1.b1.f.a_bn.bias').every((v) => v === 0));
      // SE conv biases keep PyTorch's default U(-1/sqrt(fan_in), 1/sqrt(fan_in)); fan_in = 64 for the first.
      const seBias = values(a, 's1.b1.f.se.f_ex.0.bias');
      assert.ok(seBias.every((v) => Math.abs(v) <= 1 / 8) && seBias.some((v) => v !== 0));
      const zeroInit = buildTfjsModel(s, 7, { zeroInitFinalGamma: true });
      assert.ok((zeroInit.parameters.find((p) => p.name === 's1.b1.f.c_bn.weight')!.variable.dataSync() as Float32Array).every((v) => v === 0));
      zeroInit.dispose();
    } finally {
      a.dispose();
      b.dispose();
      c.dispose();
    }
  });

  test('models coexist in one thread and dispose frees every tensor', () => {
    const before = tf.memory().numTensors;
    const a = buildTfjsModel(bottleneck(4, 0.25), 0);
    const b = buildTfjsModel(bottleneck(4, 0.25), 0);
    tf.tidy(() => {
      a.forward(tf.ones([2, 16, 16, 3]), true);
      b.forward(tf.ones([2, 16, 16, 3]), false);
    });
    a.dispose();
    b.dispose();
    assert.equal(tf.memory().numTensors, before);
  });

  test('a bad spec is refused with the spec error, and nothing is left allocated', () => {
    const before = tf.memory().numTensors;
    const bad = bottleneck(4, 0);
    bad.nodes[2] = { ...bad.nodes[2], inputs: ['nowhere'] };
    assert.throws(() => buildTfjsModel(bad, 0), (e: Error) => e instanceof SpecError && /^nodes\[2\] \(s2\.b1\)\.inputs: "nowhere" is not the input or an earlier node/.test(e.message));
    const odd = bottleneck(4, 0);
    odd.nodes[1] = { ...odd.nodes[1], params: { ...odd.nodes[1].params, group_w: 3 } };
    assert.throws(() => buildTfjsModel(odd, 0), /nodes\[1\] \(s1\.b1\)\.params\.group_w: group width 3 does not divide the bottleneck width 8/);
    assert.equal(tf.memory().numTensors, before);
  });
});
