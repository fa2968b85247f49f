/**
 * The tfjs builder of every primitive op of a lowered network (src/space/ops.ts), with PyTorch's
 * semantics (the torch engine's src/models/torch/dse_torch/ops.py is the other half; a test runs both
 * on the same weights and compares their logits). Tensors are NHWC.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Activation, IrOp, OpAttrs, OpName, PoolAttrs } from '../../space/index.js';
import { outSize } from '../../space/index.js';
import { concatChannels, permuteChannels, shufflePermutation } from './channelOps.js';
import { type LayerFactory, conv2d, symmetricPad } from './layers.js';

/** An op ready to run: its inputs' values in, its value out. */
export type OpForward = (inputs: tf.Tensor4D[], training: boolean) => tf.Tensor4D;
type OpBuilder<K extends OpName> = (f: LayerFactory, id: string, a: OpAttrs[K], op: IrOp) => OpForward;

const hsigmoid = (x: tf.Tensor) => tf.div(tf.relu6(tf.add(x, 3)), 6);

export const ACTIVATION_FNS: Record<Activation, (x: tf.Tensor4D) => tf.Tensor4D> = {
  relu: (x) => tf.relu(x),
  relu6: (x) => tf.relu6(x),
  hswish: (x) => tf.mul(x, hsigmoid(x)),
  hsigmoid: (x) => hsigmoid(x) as tf.Tensor4D,
  sigmoid: (x) => tf.sigmoid(x),
  silu: (x) => tf.mul(x, tf.sigmoid(x)),
  identity: (x) => x,
};

/**
 * The [out, n] 0/1 matrix picking, for output i, input floor(i * (n / out)) in float32 arithmetic, as
 * PyTorch's nearest kernel does (upsample_nearest2d: a float scale, floorf, clamped).
 */
function selectionMatrix(out: number, n: number): tf.Tensor2D {
  const data = new Float32Array(out * n);
  const scale = Math.fround(n / out);
  for (let i = 0; i < out; i++) data[i * n + Math.min(n - 1, Math.floor(Math.fround(i * scale)))] = 1;
  return tf.tensor2d(data, [out, n]);
}

/** Pool padding for PyTorch's output size: symmetric padding plus what ceil mode adds at the end. */
function poolPadding(a: PoolAttrs, h: number, w: number) {
  const oh = outSize(h, a.k[0], a.stride[0], a.pad[0], 1, a.ceil);
  const ow = outSize(w, a.k[1], a.stride[1], a.pad[1], 1, a.ceil);
  const extraH = Math.max(0, (oh - 1) * a.stride[0] + a.k[0] - (h + 2 * a.pad[0]));
  const extraW = Math.max(0, (ow - 1) * a.stride[1] + a.k[1] - (w + 2 * a.pad[1]));
  return { extraH, extraW };
}

/**
 * (k_h * k_w) / PyTorch's divisor at every output position of an average pool, as a [1, oh, ow, 1]
 * tensor, or null where every window is whole (the common case).
 * PyTorch: the window [start, start + k) is clipped to the padded input for count_include_pad, and
 * to the input itself otherwise.
 */
function avgPoolScale(a: PoolAttrs, h: number, w: number): tf.Tensor | null {
  const axis = (n: number, k: number, s: number, p: number): number[][] => {
    const out = outSize(n, k, s, p, 1, a.ceil);
    return Array.from({ length: out }, (_, i) => {
      const start = i * s - p;
      const end = Math.min(start + k, n + p);
      return [end - start, Math.min(end, n) - Math.max(start, 0)];
    });
  };
  const rows = axis(h, a.k[0], a.stride[0], a.pad[0]);
  const cols = axis(w, a.k[1], a.stride[1], a.pad[1]);
  const area = a.k[0] * a.k[1];
  const values = new Float32Array(rows.length * cols.length);
  let whole = true;
  rows.forEach(([padded, inside], i) =>
    cols.forEach(([paddedW, insideW], j) => {
      const divisor = a.count_include_pad ? padded * paddedW : inside * insideW;
      values[i * cols.length + j] = area / divisor;
      if (divisor !== area) whole = false;
    }),
  );
  return whole ? null : tf.tensor4d(values, [1, rows.length, cols.length, 1]);
}

/** A stable 31-bit number from a string (dropout seeds per op). */
function hashString(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 1;
}

export const OP_BUILDERS: { [K in OpName]: OpBuilder<K> } = {
  conv2d: (f, id, a) => {
    const conv = f.conv(id, a);
    return ([x], training) => conv(x, training);
  },
  bn: (f, id, a) => {
    const bn = f.bn(id, a);
    return ([x], training) => bn(x, training);
  },
  act: (_f, _id, a) => {
    const fn = ACTIVATION_FNS[a.fn];
    if (!fn) throw new Error(`unknown activation ${a.fn}`);
    return ([x]) => fn(x);
  },
  prelu: (f, id, a) => {
    const p = f.prelu(id, a.c);
    return ([x], training) => p(x, training);
  },
  // Out-of-range taps are skipped by tfjs's max pool, as PyTorch pads with -inf.
  maxpool: (_f, _id, a) => ([x]) => {
    const { extraH, extraW } = poolPadding(a, x.shape[1], x.shape[2]);
    return tf.maxPool(x, a.k as [number, number], a.stride as [number, number], symmetricPad(a.pad[0], a.pad[1], extraH, extraW));
  },
  // The mean over full windows of the zero-padded input, rescaled to PyTorch's divisor per output
  // position. (tfjs's own avgPool divides by the in-range taps but its gradient by the whole window,
  // so padded windows would get wrong gradients.)
  avgpool: (f, _id, a) => {
    const scales = new Map<string, tf.Tensor | null>();
    return ([x]) => {
      const [h, w] = [x.shape[1], x.shape[2]];
      const { extraH, extraW } = poolPadding(a, h, w);
      const padded = a.pad[0] || a.pad[1] || extraH || extraW ? tf.pad(x, [[0, 0], [a.pad[0], a.pad[0] + extraH], [a.pad[1], a.pad[1] + extraW], [0, 0]]) : x;
      const mean = tf.avgPool(padded, a.k as [number, number], a.stride as [number, number], 'valid');
      const key = `${h}x${w}`;
      if (!scales.has(key)) {
        const scale = avgPoolScale(a, h, w);
        scales.set(key, scale && f.constant(scale));
      }
      const scale = scales.get(key);
      return scale ? tf.mul(mean, scale) : mean;
    };
  },
  gap: () => ([x]) => tf.mean(x, [1, 2], true),
  linear: (f, id, a) => {
    const fc = f.linear(id, a);
    return ([x], training) => fc(x, training);
  },
  add: () => (xs) => xs.slice(1).reduce((s, x) => tf.add(s, x), xs[0]),
  mul: () => ([x, gate]) => tf.mul(x, gate),
  concat: () => (xs) => (xs.every((x) => x.shape[3] === xs[0].shape[3]) ? (concatChannels(xs) as tf.Tensor4D) : tf.concat(xs, 3)),
  slice: (_f, _id, a) => ([x]) => tf.slice(x, [0, 0, 0, a.start], [-1, -1, -1, a.end - a.start]),
  shuffle: (_f, _id, a, op) => {
    const perm = shufflePermutation(op.shape[0], a.groups);
    return ([x]) => permuteChannels(x, perm) as tf.Tensor4D;
  },
  dropout: (f, id, a) => {
    const base = hashString(`${f.seed}:${id}`);
    let step = 0;
    // Seeded by the model's seed, the op and the call, so a (spec, seed) run is repeatable.
    return ([x], training) => (training ? (tf.dropout(x, a.p, undefined, (base + step++) % 2147483647) as tf.Tensor4D) : x);
  },
  scale: (_f, _id, a) => ([x]) => tf.mul(x, a.factor),
  dynamic_conv: (_f, _id, a) => ([x, kernel]) => {
    // one sample at a time, its kernel from PyTorch's (c_out, c_in/g, kh, kw) order to [kh, kw, c_in/g, c_out]
    const n = x.shape[0];
    const [kh, kw] = a.k;
    const outs: tf.Tensor4D[] = [];
    for (let i = 0; i < n; i++) {
      const flat = tf.slice(kernel, [i, 0, 0, 0], [1, 1, 1, -1]);
      const filter = tf.transpose(tf.reshape(flat, [a.c_out, a.c_in / a.groups, kh, kw]), [2, 3, 1, 0]) as tf.Tensor4D;
      outs.push(conv2d(tf.slice(x, [i, 0, 0, 0], [1, -1, -1, -1]), filter, { stride: a.stride, pad: a.pad, dilation: [1, 1], groups: a.groups }));
    }
    return n === 1 ? outs[0] : tf.concat(outs, 0);
  },
  max: () => ([a, b]) => tf.maximum(a, b),
  offset: (_f, _id, a) => ([x]) => tf.add(x, a.value),
  upsample: (f, _id, a) => {
    // PyTorch's nearest: output i reads input floor(i * in / out); as two matmuls with 0/1 selection
    // matrices (BatchMatMul has gradients on every backend), rows then columns
    const select = (out: number, n: number) => f.constant(selectionMatrix(out, n));
    let rows: { n: number; m: tf.Tensor2D } | null = null;
    let cols: { n: number; m: tf.Tensor2D } | null = null;
    return ([x]) => {
      const [batch, h, w, c] = x.shape;
      const [oh, ow] = a.size;
      if (rows?.n !== h) rows = { n: h, m: select(oh, h) as tf.Tensor2D };
      if (cols?.n !== w) cols = { n: w, m: select(ow, w) as tf.Tensor2D };
      // [oh, h] x [h, n*w*c] (input moved to h-major), then [ow, w] x [w, n*oh*c]
      const byRow = tf.matMul(rows.m, tf.reshape(tf.transpose(x, [1, 0, 2, 3]), [h, batch * w * c]));
      const hMajor = tf.reshape(byRow, [oh, batch, w, c]);
      const wMajor = tf.reshape(tf.transpose(hMajor, [2, 1, 0, 3]), [w, batch * oh * c]);
      const byCol = tf.reshape(tf.matMul(cols.m, wMajor), [ow, batch, oh, c]);
      return tf.transpose(byCol, [1, 2, 0, 3]) as tf.Tensor4D;
    };
  },
};
