/**
 * Gradients and kernels of the tfjs engine:
 *   - the wasm kernels dse registers match the cpu backend's kernels (shapes, strides 1/2, paddings);
 *   - dse's channel kernels match tf.sum / tf.split / tf.concat on cpu and wasm;
 *   - every gradient dse registers, BN's and the loss's closed-form backward passes match numeric
 *     (central difference) directional derivatives;
 *   - grouped convolution equals a dense conv with a block-diagonal kernel, forward and backward;
 *   - a whole network's gradients on wasm match the cpu backend's.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import { gaussian, rngFor } from '../src/models/data/rng.js';
import { channelSums, concatChannels, splitChannels, TRANSPOSE_2D } from '../src/models/tfjs/channelOps.js';
import { batchNormTraining } from '../src/models/tfjs/batchNorm.js';
import { conv2d, LayerFactory } from '../src/models/tfjs/layers.js';
import { crossEntropy } from '../src/models/tfjs/loss.js';
import { buildTfjsModel } from '../src/models/tfjs/model.js';
import { OP_BUILDERS } from '../src/models/tfjs/ops.js';
import { buildAnyNetSpec } from '../src/space/build.js';
import { initBackend } from '../src/workers/tfjs/backend.js';
import { WASM_GRADIENT_KERNELS } from '../src/workers/tfjs/kernels.js';

before(async () => {
  await initBackend('wasm');
  await initBackend('cpu');
});

let seedCounter = 0;
/** Deterministic N(0, 1) values (a new stream per call). */
function randn(shape: number[]): Float32Array {
  const next = gaussian(rngFor(++seedCounter, 'tfjs-gradients-test'));
  return Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, next);
}

/** Runs f on a backend and returns plain arrays (tensors made inside are disposed). */
async function on<T>(backend: 'cpu' | 'wasm', f: () => T): Promise<T> {
  await tf.setBackend(backend);
  return f();
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let scale = 0;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]));
  for (let i = 0; i < expected.length; i++) {
    const diff = Math.abs(actual[i] - expected[i]);
    if (!(diff <= rtol * (1 + scale))) assert.fail(`${what}: element ${i} is ${actual[i]}, expected ${expected[i]} (|diff| ${diff}, scale ${scale})`);
  }
}

// ---------------------------------------------------------------- wasm kernels vs cpu kernels

type Pad = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];

interface ConvCase {
  x: [number, number, number, number];
  filter: [number, number, number, number];
  strides: number | [number, number];
  pad: Pad;
  dataFormat?: 'NHWC' | 'NCHW';
}

const CONV_CASES: ConvCase[] = [
  { x: [2, 7, 7, 3], filter: [3, 3, 3, 4], strides: 1, pad: 'same' },
  { x: [2, 8, 8, 3], filter: [3, 3, 3, 5], strides: 2, pad: 'same' },
  { x: [1, 9, 9, 2], filter: [3, 3, 2, 3], strides: 2, pad: 1 },
  { x: [2, 8, 8, 4], filter: [1, 1, 4, 6], strides: 2, pad: 0 },
  { x: [2, 5, 5, 6], filter: [1, 1, 6, 4], strides: 1, pad: 0 },
  { x: [2, 5, 5, 3], filter: [1, 1, 3, 7], strides: 1, pad: 'valid' },
  { x: [2, 6, 6, 4], filter: [1, 1, 4, 2], strides: [3, 2], pad: 0 },
  { x: [2, 6, 4, 4], filter: [1, 1, 4, 2], strides: [3, 2], pad: 'valid' },
  { x: [1, 7, 7, 2], filter: [1, 1, 2, 3], strides: 2, pad: 0 },
  { x: [1, 10, 10, 2], filter: [5, 5, 2, 3], strides: 2, pad: 'valid' },
  { x: [3, 6, 5, 3], filter: [3, 3, 3, 2], strides: [2, 1], pad: [[0, 0], [1, 2], [0, 1], [0, 0]] },
  { x: [2, 7, 7, 3], filter: [7, 7, 3, 4], strides: 2, pad: 3 },
  { x: [2, 3, 6, 6], filter: [3, 3, 3, 2], strides: 2, pad: 1, dataFormat: 'NCHW' },
];

const DEPTHWISE_CASES: ConvCase[] = [
  { x: [2, 7, 7, 3], filter: [3, 3, 3, 1], strides: 1, pad: 'same' },
  { x: [2, 8, 8, 3], filter: [3, 3, 3, 2], strides: 2, pad: 'same' },
  { x: [1, 9, 9, 4], filter: [3, 3, 4, 1], strides: 2, pad: 1 },
  { x: [1, 10, 10, 2], filter: [5, 5, 2, 1], strides: 2, pad: 'valid' },
  { x: [3, 6, 5, 2], filter: [3, 3, 2, 3], strides: [1, 2], pad: 0 },
];

function outShape(c: ConvCase, depthwise: boolean): number[] {
  const nchw = c.dataFormat === 'NCHW';
  const nhwc = (nchw ? [c.x[0], c.x[2], c.x[3], c.x[1]] : c.x) as [number, number, number, number];
  const info = tf.backend_util.computeConv2DInfo(nhwc, c.filter, c.strides, 1, c.pad, undefined, depthwise);
  return nchw ? [info.batchSize, info.outChannels, info.outHeight, info.outWidth] : info.outShape;
}

/** Runs a kernel on both backends from the same input values; returns [wasm, cpu] outputs. */
async function bothBackends(kernel: string, inputs: Record<string, { shape: number[]; values: Float32Array }>, attrs: object) {
  const run = () =>
    tf.tidy(() => {
      const ts = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, tf.tensor(v.values, v.shape)]));
      const out = tf.engine().runKernel(kernel, ts, attrs as tf.NamedAttrMap) as tf.Tensor;
      return { shape: out.shape, values: out.dataSync() as Float32Array };
    });
  const wasm = await on('wasm', run);
  const cpu = await on('cpu', run);
  return { wasm, cpu };
}

describe('wasm gradient kernels match the cpu backend', () => {
  test('the registered kernels are the ones wasm lacks or replaces', () => {
    assert.deepEqual([...WASM_GRADIENT_KERNELS].sort(), ['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'DepthwiseConv2dNativeBackpropFilter', 'DepthwiseConv2dNativeBackpropInput']);
  });

  for (const c of CONV_CASES) {
    const label = `${c.dataFormat ?? 'NHWC'} x ${c.x} filter ${c.filter} strides ${c.strides} pad ${JSON.stringify(c.pad)}`;
    const common = { strides: c.strides, pad: c.pad, dataFormat: c.dataFormat ?? 'NHWC' };
    test(`Conv2DBackpropFilter, ${label}`, async () => {
      const dyShape = outShape(c, false);
      const { wasm, cpu } = await bothBackends('Conv2DBackpropFilter', { x: { shape: c.x, values: randn(c.x) }, dy: { shape: dyShape, values: randn(dyShape) } }, { ...common, filterShape: c.filter });
      assert.deepEqual(wasm.shape, c.filter);
      assertClose(wasm.values, cpu.values, 1e-5, 'dW');
    });
    test(`Conv2DBackpropInput, ${label}`, async () => {
      const dyShape = outShape(c, false);
      const { wasm, cpu } = await bothBackends('Conv2DBackpropInput', { dy: { shape: dyShape, values: randn(dyShape) }, filter: { shape: c.filter, values: randn(c.filter) } }, { ...common, inputShape: c.x });
      assert.deepEqual(wasm.shape, c.x);
      assertClose(wasm.values, cpu.values, 1e-5, 'dx');
    });
  }

  for (const c of DEPTHWISE_CASES) {
    const label = `x ${c.x} filter ${c.filter} strides ${c.strides} pad ${JSON.stringify(c.pad)}`;
    const common = { strides: c.strides, pad: c.pad, dilations: 1 };
    test(`DepthwiseConv2dNativeBackpropFilter, ${label}`, async () => {
      const dyShape = outShape(c, true);
      const { wasm, cpu } = await bothBackends('DepthwiseConv2dNativeBackpropFilter', { x: { shape: c.x, values: randn(c.x) }, dy: { shape: dyShape, values: randn(dyShape) } }, { ...common, filterShape: c.filter });
      assert.deepEqual(wasm.shape, c.filter);
      assertClose(wasm.values, cpu.values, 1e-5, 'dW');
    });
    test(`DepthwiseConv2dNativeBackpropInput, ${label}`, async () => {
      const dyShape = outShape(c, true);
      const { wasm, cpu } = await bothBackends('DepthwiseConv2dNativeBackpropInput', { dy: { shape: dyShape, values: randn(dyShape) }, filter: { shape: c.filter, values: randn(c.filter) } }, { ...common, inputShape: c.x });
      assert.deepEqual(wasm.shape, c.x);
      assertClose(wasm.values, cpu.values, 1e-5, 'dx');
    });
  }

  test('a mismatched dy is refused with a clear error, and nothing leaks', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    assert.throws(
      () => tf.tidy(() => tf.engine().runKernel('Conv2DBackpropFilter', { x: tf.ones([1, 8, 8, 2]), dy: tf.ones([1, 5, 5, 3]) }, { strides: 2, pad: 1, dataFormat: 'NHWC', filterShape: [3, 3, 2, 3] })),
      /dy is 5x5 but the forward op gives 4x4/,
    );
    assert.equal(tf.memory().numTensors, before);
  });
});

describe('channel kernels', () => {
  for (const backend of ['cpu', 'wasm'] as const) {
    test(`channelSums, splitChannels, concatChannels and the 2-D transpose on ${backend}`, async () => {
      const shape = [3, 4, 5, 12];
      const values = randn(shape);
      const got = await on(backend, () =>
        tf.tidy(() => {
          const x = tf.tensor(values, shape);
          const parts = splitChannels(x, 3);
          return {
            sums: channelSums(x).dataSync(),
            refSums: tf.sum(x, [0, 1, 2]).dataSync(),
            parts: parts.map((p) => [...p.dataSync()]),
            refParts: tf.split(x, 3, 3).map((p) => [...p.dataSync()]),
            roundTrip: concatChannels(parts).dataSync(),
            transposed: (tf.engine().runKernel(TRANSPOSE_2D, { x: tf.reshape(x, [60, 12]) }) as tf.Tensor).dataSync(),
            refTransposed: tf.transpose(tf.reshape(x, [60, 12])).dataSync(),
          };
        }),
      );
      assertClose(got.sums, got.refSums, 1e-5, 'sums');
      assert.deepEqual(got.parts, got.refParts);
      assert.deepEqual([...got.roundTrip], [...values]);
      assert.deepEqual([...got.transposed], [...got.refTransposed]);
    });
  }
});

// ---------------------------------------------------------------- numeric gradient checks

/**
 * Checks tf.grads of L = sum(f(inputs) * R) against central differences along random directions:
 * (L(x + eps v) - L(x - eps v)) / 2 eps = sum_i <dL/dx_i, v_i>.
 */
function checkGrad(label: string, f: (...xs: tf.Tensor[]) => tf.Tensor, inputs: { shape: number[]; values?: Float32Array }[], eps = 1e-2, rtol = 2e-3): void {
  const xs = inputs.map((i) => i.values ?? randn(i.shape));
  tf.tidy(() => {
    const tensors = xs.map((v, i) => tf.tensor(v, inputs[i].shape));
    const outShape = f(...tensors).shape;
    const r = tf.tensor(randn(outShape), outShape);
    const loss = (...ts: tf.Tensor[]) => tf.sum(tf.mul(f(...ts), r)) as tf.Scalar;
    const grads = tf.grads(loss)(tensors).map((g) => g.dataSync() as Float32Array);
    for (let trial = 0; trial < 3; trial++) {
      const dirs = inputs.map((i) => randn(i.shape));
      const shifted = (sign: number) => loss(...xs.map((v, i) => tf.tensor(v.map((x, j) => x + sign * eps * dirs[i][j]), inputs[i].shape))).dataSync()[0];
      const numeric = (shifted(1) - shifted(-1)) / (2 * eps);
      const analytic = grads.reduce((sum, g, i) => sum + g.reduce((s, gj, j) => s + gj * dirs[i][j], 0), 0);
      assert.ok(Math.abs(numeric - analytic) <= rtol * (1 + Math.abs(analytic)), `${label}: numeric ${numeric} vs analytic ${analytic}`);
    }
  });
}

/** Values at least 0.1 apart (a shuffled ladder), so that max-pool and ReLU kinks are never crossed. */
function separated(shape: number[]): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const order = randn([n]);
  const ranks = [...order.keys()].sort((a, b) => order[a] - order[b]);
  const out = new Float32Array(n);
  ranks.forEach((idx, rank) => (out[idx] = 0.1 * (rank - Math.floor(n / 2)) + 0.05));
  return out;
}

const positive = (shape: number[]) => randn(shape).map((v) => 1 + Math.abs(v));

describe('registered gradients match numeric gradients (cpu)', () => {
  before(async () => {
    await tf.setBackend('cpu');
  });

  test('Add, Sub, Multiply, RealDiv with broadcasting', () => {
    for (const bShape of [[4], [2, 1, 4], [2, 3, 4]]) {
      checkGrad(`add ${bShape}`, (a, b) => tf.add(a, b), [{ shape: [2, 3, 4] }, { shape: bShape }]);
      checkGrad(`sub ${bShape}`, (a, b) => tf.sub(a, b), [{ shape: [2, 3, 4] }, { shape: bShape }]);
      checkGrad(`mul ${bShape}`, (a, b) => tf.mul(a, b), [{ shape: [2, 3, 4] }, { shape: bShape }]);
      checkGrad(`div ${bShape}`, (a, b) => tf.div(a, b), [{ shape: [2, 3, 4] }, { shape: bShape, values: positive(bShape) }], 1e-3);
    }
  });

  test('Relu, Sigmoid, Reshape, Mean, Sum', () => {
    checkGrad('relu', (x) => tf.relu(x), [{ shape: [3, 5], values: separated([3, 5]) }]);
    checkGrad('sigmoid', (x) => tf.sigmoid(x), [{ shape: [3, 5] }]);
    checkGrad('reshape', (x) => tf.mul(tf.reshape(x, [5, 3]), tf.reshape(tf.range(0, 15), [5, 3])), [{ shape: [3, 5] }]);
    checkGrad('mean over H, W', (x) => tf.mean(x, [1, 2]), [{ shape: [2, 3, 4, 5] }]);
    checkGrad('mean over the last axis', (x) => tf.mean(x, -1), [{ shape: [2, 3, 4] }]);
    checkGrad('sum over 0 and 2', (x) => tf.sum(x, [0, 2]), [{ shape: [2, 3, 4] }]);
  });

  test('BatchMatMul with every transpose combination', () => {
    for (const [ta, tb] of [[false, false], [false, true], [true, false], [true, true]]) {
      checkGrad(`matMul ${ta} ${tb}`, (a, b) => tf.matMul(a, b, ta, tb), [{ shape: ta ? [4, 3] : [3, 4] }, { shape: tb ? [5, 4] : [4, 5] }]);
    }
    checkGrad('batched matMul', (a, b) => tf.matMul(a, b), [{ shape: [2, 3, 4] }, { shape: [2, 4, 2] }]);
  });

  test('Conv2D, DepthwiseConv2dNative, MaxPool', () => {
    checkGrad('conv 3x3 s1 p1', (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 1), [{ shape: [2, 5, 5, 3] }, { shape: [3, 3, 3, 4] }]);
    checkGrad('conv 3x3 s2 same', (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 'same'), [{ shape: [2, 6, 6, 2] }, { shape: [3, 3, 2, 3] }]);
    checkGrad('conv 1x1 s2', (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 0), [{ shape: [2, 6, 6, 2] }, { shape: [1, 1, 2, 3] }]);
    checkGrad('depthwise 3x3 s2 p1 x2', (x, w) => tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 1), [{ shape: [2, 6, 6, 3] }, { shape: [3, 3, 3, 2] }]);
    checkGrad('maxPool 3x3 s2 p1', (x) => tf.maxPool(x as tf.Tensor4D, 3, 2, 1), [{ shape: [1, 7, 7, 2], values: separated([1, 7, 7, 2]) }]);
  });

  test('the ops spec v2 added, as the engine builds them: activations, PReLU, pools with padding and ceil mode, slice, shuffle, dilated and non-square convs', () => {
    const op = <K extends keyof typeof OP_BUILDERS>(name: K, attrs: Parameters<(typeof OP_BUILDERS)[K]>[2], c: number) => {
      const f = new LayerFactory(0);
      const run = (OP_BUILDERS[name] as (f: LayerFactory, id: string, a: unknown, op: unknown) => (xs: tf.Tensor4D[], t: boolean) => tf.Tensor4D)(f, 'x', attrs, { shape: [c, 1, 1] });
      return (x: tf.Tensor) => run([x as tf.Tensor4D], true);
    };
    for (const fn of ['relu6', 'hswish', 'hsigmoid', 'silu'] as const) {
      // kinks at -3, 0, 3 and 6 are kept away from by the ladder's 0.05 offset
      checkGrad(fn, op('act', { fn }, 4), [{ shape: [2, 3, 3, 4], values: separated([2, 3, 3, 4]).map((v) => v * 2) }]);
    }
    checkGrad('prelu', (x) => tf.mul(op('prelu', { c: 4 }, 4)(x), 1), [{ shape: [2, 3, 3, 4], values: separated([2, 3, 3, 4]) }]);
    const pool = (k: number, s: number, p: number, ceil: boolean, countIncludePad = true) => ({ k: [k, k] as [number, number], stride: [s, s] as [number, number], pad: [p, p] as [number, number], ceil, count_include_pad: countIncludePad });
    checkGrad('maxpool 3x3 s2 ceil', op('maxpool', pool(3, 2, 0, true), 2), [{ shape: [1, 8, 8, 2], values: separated([1, 8, 8, 2]) }]);
    checkGrad('avgpool 3x3 s2 p1 (count_include_pad)', op('avgpool', pool(3, 2, 1, false), 2), [{ shape: [2, 7, 7, 2] }]);
    checkGrad('avgpool 3x3 s2 p1 ceil, padding excluded', op('avgpool', pool(3, 2, 1, true, false), 2), [{ shape: [2, 8, 8, 2] }]);
    checkGrad('avgpool 2x2', op('avgpool', pool(2, 2, 0, false), 2), [{ shape: [2, 6, 6, 2] }]);
    checkGrad('slice', op('slice', { start: 1, end: 3 }, 4), [{ shape: [2, 3, 3, 4] }]);
    checkGrad('shuffle', (x) => tf.mul(op('shuffle', { groups: 2 }, 6)(x), tf.range(1, 7, 1, 'float32')), [{ shape: [2, 2, 2, 6] }]);
    const convAttrs = { stride: [1, 2] as [number, number], pad: [0, 1] as [number, number], dilation: [1, 1] as [number, number], groups: 1 };
    checkGrad('conv 1x3 stride (1, 2) pad (0, 1)', (x, w) => conv2d(x as tf.Tensor4D, w as tf.Tensor4D, convAttrs), [{ shape: [2, 5, 6, 2] }, { shape: [1, 3, 2, 3] }]);
    const dilated = { stride: [1, 1] as [number, number], pad: [2, 2] as [number, number], dilation: [2, 2] as [number, number], groups: 1 };
    checkGrad('conv 3x3 dilation 2', (x, w) => conv2d(x as tf.Tensor4D, w as tf.Tensor4D, dilated), [{ shape: [2, 6, 6, 2] }, { shape: [3, 3, 2, 3] }]);
    checkGrad('depthwise 3x3 dilation 2 stride 2', (x, w) => conv2d(x as tf.Tensor4D, w as tf.Tensor4D, { ...dilated, stride: [2, 2], groups: 3 }), [{ shape: [2, 7, 7, 3] }, { shape: [3, 3, 1, 3] }]);
    // GhostNetV2's gate: 3x3 to 7x7 (uneven repeats) and 2x (the matmul form's gradient)
    checkGrad('upsample 3x3 -> 7x7', (x) => tf.mul(op('upsample', { size: [7, 7] }, 2)(x), tf.range(1, 3, 1, 'float32')), [{ shape: [2, 3, 3, 2] }]);
    checkGrad('upsample 2x3 -> 4x6', op('upsample', { size: [4, 6] }, 2), [{ shape: [1, 2, 3, 2] }]);
  });

  test('the dynamic ops: per-sample convs (WeightNet; x and the generated kernel), max and offset (MicroNet\'s Shift-Max)', () => {
    const two = <K extends keyof typeof OP_BUILDERS>(name: K, attrs: Parameters<(typeof OP_BUILDERS)[K]>[2]) => {
      const run = (OP_BUILDERS[name] as (f: LayerFactory, id: string, a: unknown, op: unknown) => (xs: tf.Tensor4D[], t: boolean) => tf.Tensor4D)(new LayerFactory(0), 'x', attrs, {});
      return (a: tf.Tensor, b: tf.Tensor) => run([a as tf.Tensor4D, b as tf.Tensor4D], true);
    };
    const dyn = (cIn: number, cOut: number, k: number, stride: number, groups: number) => ({ c_in: cIn, c_out: cOut, k: [k, k] as [number, number], stride: [stride, stride] as [number, number], pad: [(k - 1) / 2, (k - 1) / 2] as [number, number], groups });
    checkGrad('dynamic 1x1 conv, two samples', two('dynamic_conv', dyn(3, 2, 1, 1, 1)), [{ shape: [2, 4, 4, 3] }, { shape: [2, 1, 1, 6] }]);
    checkGrad('dynamic depthwise 3x3 stride 2', two('dynamic_conv', dyn(3, 3, 3, 2, 3)), [{ shape: [2, 5, 5, 3] }, { shape: [2, 1, 1, 27] }]);
    checkGrad('max', two('max', {}), [{ shape: [2, 3, 3, 2], values: separated([2, 3, 3, 2]) }, { shape: [2, 3, 3, 2], values: separated([2, 3, 3, 2]).map((v) => v + 0.05) }]);
    const f = new LayerFactory(0);
    const offset = (OP_BUILDERS.offset as (f: LayerFactory, id: string, a: unknown, op: unknown) => (xs: tf.Tensor4D[], t: boolean) => tf.Tensor4D)(f, 'x', { value: -1.5 }, {});
    checkGrad('offset', (x) => tf.mul(offset([x as tf.Tensor4D], true), x), [{ shape: [1, 2, 2, 3] }]);
  });

  test('upsample picks the input PyTorch\'s nearest mode picks: floor(i * in / out)', () => {
    const f = new LayerFactory(0);
    const up = (OP_BUILDERS.upsample as (f: LayerFactory, id: string, a: unknown, op: unknown) => (xs: tf.Tensor4D[], t: boolean) => tf.Tensor4D)(f, 'x', { size: [7, 5] }, { shape: [1, 1, 1] });
    const x = tf.tensor4d([0, 1, 2, 10, 11, 12, 20, 21, 22], [1, 3, 3, 1]);
    const y = tf.reshape(up([x], false), [7, 5]).arraySync() as number[][];
    // rows: floor(i * 3/7) = 0 0 0 1 1 2 2; columns: floor(j * 3/5) = 0 0 1 1 2
    assert.deepEqual(y.map((r) => r[0]), [0, 0, 0, 10, 10, 20, 20]);
    assert.deepEqual(y[0], [0, 0, 1, 1, 2]);
    f.dispose();
  });

  test('Concat, SplitV and the channel kernels', () => {
    checkGrad('concat', (a, b) => tf.concat([a, b], 1), [{ shape: [2, 2, 3] }, { shape: [2, 3, 3] }]);
    checkGrad('split', (x) => tf.split(x, [2, 3], 1)[1], [{ shape: [2, 5, 3] }]);
    checkGrad('splitChannels', (x) => tf.mul(splitChannels(x, 3)[1], 2), [{ shape: [2, 2, 6] }]);
    checkGrad('concatChannels', (a, b) => concatChannels([a, b]), [{ shape: [2, 3, 2] }, { shape: [2, 3, 2] }]);
    checkGrad('channelSums', (x) => channelSums(x), [{ shape: [2, 3, 4, 5] }]);
  });

  for (const tfReductions of [false, true]) {
    const kind = tfReductions ? 'tf.sum reductions' : 'dse reduction kernels';
    test(`batch norm (training mode) backward pass, ${kind}`, () => {
      const bn = batchNormTraining(undefined, { tfReductions });
      checkGrad('bn', (x, g, b) => bn(x, g, b), [{ shape: [3, 4, 4, 5] }, { shape: [5], values: positive([5]) }, { shape: [5] }], 1e-2, 5e-3);
      // Off-centre activations (mean 50, std 1), where a one-pass variance would lose its digits.
      const shifted = randn([2, 3, 3, 4]).map((v) => 50 + v);
      checkGrad('bn, mean 50', (x, g, b) => bn(x, g, b), [{ shape: [2, 3, 3, 4], values: shifted }, { shape: [4], values: positive([4]) }, { shape: [4] }], 1e-2, 5e-3);
    });

    test(`batch norm normalizes with the biased variance, ${kind}`, () => {
      const seen: number[][] = [];
      const bn = batchNormTraining((mean, variance, count) => seen.push([...mean.dataSync(), ...variance.dataSync(), count]), { tfReductions });
      const x = [1, 2, 4, 9]; // one channel, n = 4: mean 4, biased variance 9.5
      const y = tf.tidy(() => bn(tf.tensor4d(x, [2, 1, 2, 1]), tf.tensor1d([2]), tf.tensor1d([0.5])).dataSync());
      assertClose(y, x.map((v) => (2 * (v - 4)) / Math.sqrt(9.5 + 1e-5) + 0.5), 1e-6, 'y');
      assert.deepEqual(seen, [[4, 9.5, 4]]);
      assert.throws(() => tf.tidy(() => bn(tf.ones([1, 1, 1, 2]), tf.ones([2]), tf.zeros([2]))), /more than one value per channel/);
    });
  }

  test('the batch norm reduction kernels agree with tf.sum on wasm and cpu', async () => {
    const shape = [4, 5, 5, 6];
    const [x, g, b, dy] = [randn(shape), positive([6]), randn([6]), randn(shape)];
    const run = (tfReductions: boolean) =>
      tf.tidy(() => {
        const bn = batchNormTraining(undefined, { tfReductions });
        const xs = [tf.tensor(x, shape), tf.tensor1d(g), tf.tensor1d(b)];
        const grads = tf.grads((a: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor) => tf.sum(tf.mul(bn(a, gamma, beta), tf.tensor(dy, shape))))(xs);
        return [bn(xs[0], xs[1], xs[2]), ...grads].map((t) => t.dataSync());
      });
    const reference = await on('cpu', () => run(true));
    for (const backend of ['cpu', 'wasm'] as const) {
      const got = await on(backend, () => run(false));
      ['y', 'dx', 'dgamma', 'dbeta'].forEach((name, i) => assertClose(got[i], reference[i], 1e-5, `${backend} ${name}`));
    }
    await tf.setBackend('cpu');
  });

  test('a BN layer keeps PyTorch running statistics (momentum 0.1, unbiased variance) for eval mode', () => {
    const f = new LayerFactory(0);
    const bn = f.bn('bn', { c: 1, eps: 1e-5, momentum: 0.1, zero_init: false });
    const x = tf.tensor4d([1, 2, 4, 9], [2, 1, 2, 1]);
    tf.tidy(() => bn(x, true));
    const [runningMean, runningVar] = f.buffers.map((b) => b.variable.dataSync()[0]);
    assert.ok(Math.abs(runningMean - 0.4) < 1e-6, `running mean ${runningMean}`);
    assert.ok(Math.abs(runningVar - (0.9 + (0.1 * 9.5 * 4) / 3)) < 1e-6, `running var ${runningVar}`);
    const y = tf.tidy(() => bn(x, false).dataSync());
    assertClose(y, [1, 2, 4, 9].map((v) => (v - runningMean) / Math.sqrt(runningVar + 1e-5)), 1e-6, 'eval-mode y');
    x.dispose();
    f.dispose();
  });

  test('cross-entropy with label smoothing: value and gradient', () => {
    const logits = [2, 0.5, -1, 0, 1, 3];
    const value = tf.tidy(() => crossEntropy(tf.tensor2d(logits, [2, 3]), tf.tensor1d([0, 2], 'int32'), 0.1).dataSync()[0]);
    const expected = [0, 1].reduce((sum, i) => {
      const z = logits.slice(3 * i, 3 * i + 3);
      const lse = Math.log(z.reduce((s, v) => s + Math.exp(v), 0));
      const q = [0, 1, 2].map((k) => (k === [0, 2][i] ? 0.9 : 0) + 0.1 / 3);
      return sum - q.reduce((s, qk, k) => s + qk * (z[k] - lse), 0);
    }, 0) / 2;
    assert.ok(Math.abs(value - expected) < 1e-6, `${value} vs ${expected}`);
    checkGrad('cross-entropy', (z) => crossEntropy(z as tf.Tensor2D, tf.tensor1d([0, 2, 1], 'int32'), 0.1), [{ shape: [3, 3] }]);
  });
});

// ---------------------------------------------------------------- grouped convolution

/** The dense [k, k, C, Cout] kernel equal to a grouped one: block-diagonal over the groups. */
function blockDiagonal(w: Float32Array, [k, kw, cg, cout]: number[], groups: number): Float32Array {
  const c = cg * groups;
  const cog = cout / groups;
  const dense = new Float32Array(k * kw * c * cout);
  for (let t = 0; t < k * kw; t++)
    for (let g = 0; g < groups; g++)
      for (let i = 0; i < cg; i++)
        for (let j = 0; j < cog; j++) dense[(t * c + g * cg + i) * cout + g * cog + j] = w[(t * cg + i) * cout + g * cog + j];
  return dense;
}

/** The grouped kernel's share of a dense kernel's gradient (its block-diagonal entries). */
function diagonalBlocks(dense: ArrayLike<number>, [k, kw, cg, cout]: number[], groups: number): Float32Array {
  const c = cg * groups;
  const cog = cout / groups;
  const w = new Float32Array(k * kw * cg * cout);
  for (let t = 0; t < k * kw; t++)
    for (let g = 0; g < groups; g++)
      for (let i = 0; i < cg; i++) for (let j = 0; j < cog; j++) w[(t * cg + i) * cout + g * cog + j] = dense[(t * c + g * cg + i) * cout + g * cog + j];
  return w;
}

describe('grouped convolution equals a dense conv with a block-diagonal kernel', () => {
  const CASES = [
    { groups: 1, c: 4, cout: 6, stride: 1 },
    { groups: 2, c: 8, cout: 8, stride: 1 },
    { groups: 4, c: 8, cout: 8, stride: 2 },
    { groups: 8, c: 8, cout: 8, stride: 2 }, // depthwise
    { groups: 4, c: 4, cout: 8, stride: 1 }, // depthwise with channel multiplier 2
  ];
  for (const { groups, c, cout, stride } of CASES) {
    test(`${c} -> ${cout} channels in ${groups} groups, stride ${stride}`, async () => {
      const xShape = [2, 6, 6, c];
      const wShape = [3, 3, c / groups, cout];
      const x = randn(xShape);
      const w = randn(wShape);
      const dense = blockDiagonal(w, wShape, groups);
      const yShape = [2, stride === 1 ? 6 : 3, stride === 1 ? 6 : 3, cout];
      const r = randn(yShape);
      const lossOf = (y: tf.Tensor) => tf.sum(tf.mul(y, tf.tensor(r, yShape))) as tf.Scalar;

      const reference = await on('cpu', () =>
        tf.tidy(() => {
          const xt = tf.tensor4d(x, xShape as [number, number, number, number]);
          const dt = tf.tensor4d(dense, [3, 3, c, cout]);
          const [dx, dDense] = tf.grads((a: tf.Tensor, b: tf.Tensor) => lossOf(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, 1)))([xt, dt]);
          return { y: tf.conv2d(xt, dt, stride, 1).dataSync(), dx: dx.dataSync(), dw: diagonalBlocks(dDense.dataSync(), wShape, groups) };
        }),
      );
      for (const backend of ['cpu', 'wasm'] as const) {
        const got = await on(backend, () =>
          tf.tidy(() => {
            const xt = tf.tensor4d(x, xShape as [number, number, number, number]);
            const wt = tf.tensor4d(w, wShape as [number, number, number, number]);
            const attrs = { stride: [stride, stride] as [number, number], pad: [1, 1] as [number, number], dilation: [1, 1] as [number, number], groups };
            const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => lossOf(conv2d(a as tf.Tensor4D, b as tf.Tensor4D, attrs)))([xt, wt]);
            return { y: conv2d(xt, wt, attrs).dataSync(), dx: dx.dataSync(), dw: dw.dataSync() };
          }),
        );
        assertClose(got.y, reference.y, 1e-5, `${backend} forward`);
        assertClose(got.dx, reference.dx, 1e-5, `${backend} dx`);
        assertClose(got.dw, reference.dw, 1e-5, `${backend} dw`);
      }
    });
  }
});

// ---------------------------------------------------------------- a whole network, wasm vs cpu

test('a network with every kind of layer has the same gradients on wasm as on cpu', async () => {
  const spec = buildAnyNetSpec(
    { depths: [1, 2], widths: [8, 16], strides: [1, 2], params: { bot_mul: [1, 0.5], group_w: [2, 1], se_r: [0.25, 0.25] } },
    { stem: 'res_stem_in', stemW: 8, blockType: 'res_bottleneck_block', resolution: 24, numClasses: 5, headW: 12 },
  );
  const xShape: [number, number, number, number] = [4, 24, 24, 3];
  const x = randn(xShape);
  const labels = [0, 3, 1, 4];
  await tf.setBackend('cpu');
  const model = buildTfjsModel(spec, 3);
  try {
    const gradsOn = (backend: 'cpu' | 'wasm') =>
      on(backend, () =>
        tf.tidy(() => {
          const { value, grads } = tf.variableGrads(() => crossEntropy(model.forward(tf.tensor4d(x, xShape), true), tf.tensor1d(labels, 'int32'), 0.1));
          return { loss: value.dataSync()[0], grads: model.parameters.map((p) => grads[p.variable.name].dataSync()) };
        }),
      );
    const cpu = await gradsOn('cpu');
    const wasm = await gradsOn('wasm');
    assert.ok(Math.abs(wasm.loss - cpu.loss) < 1e-4, `loss ${wasm.loss} vs ${cpu.loss}`);
    model.parameters.forEach((p, i) => assertClose(wasm.grads[i], cpu.grads[i], 1e-3, p.name));
  } finally {
    model.dispose();
  }
});
