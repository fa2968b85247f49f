/**
 * The parameterized layers of the tfjs engine, built from tf.* ops on dse's own variables (not
 * tf.layers), so every parameter is explicit, counted and initialized like pycls:
 *   conv     N(0, sqrt(2 / fan_out)), fan_out = k_h * k_w * c_out (groups not divided out, as pycls)
 *   conv bias  U(-1/sqrt(fan_in), 1/sqrt(fan_in)), PyTorch's default, which pycls keeps
 *   BN       gamma 1 (0 for a residual branch's final BN when zero-init is asked), beta 0; the op's
 *            eps and momentum; biased batch variance to normalize, unbiased for the running one
 *   linear   N(0, 0.01), bias 0
 *   PReLU    0.25 per channel (PyTorch's default)
 * Tensors are NHWC. Parameter names are the op ids of the lowered network plus .weight / .bias
 * (s1.b1.f.a.weight), as in the torch engine, so weights move between the engines by name.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { BnAttrs, ConvAttrs, LinearAttrs } from '../../space/index.js';
import { gaussian, rngFor } from '../data/rng.js';
import { batchNormTraining, PooledChannelStats } from './batchNorm.js';
import { concatChannels, splitChannels } from './channelOps.js';

let modelCount = 0;

/** A network piece: NHWC in, NHWC out; `training` picks batch statistics (and updates running ones). */
export type Forward = (x: tf.Tensor4D, training: boolean) => tf.Tensor4D;

export interface ModelParameter {
  /** Module path plus .weight/.bias, e.g. "s1.b1.f.b.weight". */
  name: string;
  variable: tf.Variable;
  /** BN weight or bias: exempt from weight decay when the recipe's bn_weight_decay is false. */
  isBn: boolean;
  /** How the tensor is laid out relative to PyTorch's (for moving weights between the engines). */
  layout: 'conv' | 'linear' | 'vector';
}

export interface ModelBuffer {
  /** e.g. "s1.b1.f.a_bn.running_mean". */
  name: string;
  variable: tf.Variable;
}

/**
 * Creates parameters in construction order from one seeded stream, and the layers that use them.
 * The order of construction fixes the initial values, so a (spec, seed) pair always builds the same net.
 */
export class LayerFactory {
  readonly parameters: ModelParameter[] = [];
  /** BN running means and variances (state, not parameters: no gradient, not counted). */
  readonly buffers: ModelBuffer[] = [];
  /** Each BN's pooled statistics while a precise-BN pass runs (beginPreciseBn..endPreciseBn), else null. */
  private readonly bnLayers: Array<{ channels: number; mean: tf.Variable; variance: tf.Variable; pooled: PooledChannelStats | null }> = [];
  private readonly constants: tf.Tensor[] = [];
  private readonly id = `m${++modelCount}`;
  private readonly uniform: () => number;
  private readonly normal: () => number;

  constructor(
    readonly seed: number,
    readonly zeroInitFinalGamma = false,
    /** false: parameters start at zero (weights will be loaded into them). */
    private readonly initialize = true,
  ) {
    const rng = rngFor(seed, 'tfjs-init');
    this.uniform = rng;
    this.normal = gaussian(rng);
  }

  conv(name: string, a: ConvAttrs): Forward {
    const [kh, kw] = a.k;
    const weight = this.param(`${name}.weight`, [kh, kw, a.c_in / a.groups, a.c_out], this.convNormal(kh * kw, a.c_out), false, 'conv') as tf.Tensor4D;
    const bias = a.bias ? this.param(`${name}.bias`, [a.c_out], this.fanInUniform((a.c_in / a.groups) * kh * kw), false, 'vector') : null;
    const pointwise = kh === 1 && kw === 1 && a.groups === 1 && a.pad[0] === 0 && a.pad[1] === 0 && a.stride[0] === 1 && a.stride[1] === 1;
    return (x) => {
      // A 1x1 conv on a 1x1 map (SE, heads) is a matrix product, much cheaper on tfjs's backends.
      const y = pointwise && x.shape[1] === 1 && x.shape[2] === 1
        ? tf.reshape(tf.matMul(tf.reshape(x, [x.shape[0], a.c_in]), tf.reshape(weight, [a.c_in, a.c_out])), [x.shape[0], 1, 1, a.c_out])
        : conv2d(x, weight, a);
      return (bias ? tf.add(y, bias) : y) as tf.Tensor4D;
    };
  }

  bn(name: string, a: BnAttrs): Forward {
    const w = a.c;
    const gamma = this.param(`${name}.weight`, [w], () => (a.zero_init && this.zeroInitFinalGamma ? 0 : 1), true, 'vector') as tf.Tensor1D;
    const beta = this.param(`${name}.bias`, [w], () => 0, true, 'vector') as tf.Tensor1D;
    const runningMean = this.buffer(`${name}.running_mean`, () => tf.zeros([w]));
    const runningVar = this.buffer(`${name}.running_var`, () => tf.ones([w]));
    const m = a.momentum;
    const layer = { channels: w, mean: runningMean, variance: runningVar, pooled: null as PooledChannelStats | null };
    this.bnLayers.push(layer);
    const train = batchNormTraining((mean, variance, count) => {
      if (layer.pooled) {
        layer.pooled.add(mean.dataSync(), variance.dataSync(), count);
        return;
      }
      runningMean.assign(tf.add(tf.mul(runningMean, 1 - m), tf.mul(mean, m)));
      runningVar.assign(tf.add(tf.mul(runningVar, 1 - m), tf.mul(variance, (m * count) / (count - 1))));
    }, { eps: a.eps });
    return (x, training) => {
      if (training) return train(x, gamma, beta) as tf.Tensor4D;
      const scale = tf.mul(gamma, tf.rsqrt(tf.add(runningVar, a.eps)));
      return tf.add(tf.mul(x, scale), tf.sub(beta, tf.mul(runningMean, scale)));
    };
  }

  /** Fully connected layer on [N, 1, 1, c_in]. */
  linear(name: string, a: LinearAttrs): Forward {
    const weight = this.param(`${name}.weight`, [a.c_in, a.c_out], () => 0.01 * this.normal(), false, 'linear') as tf.Tensor2D;
    const bias = a.bias ? this.param(`${name}.bias`, [a.c_out], () => 0, false, 'vector') : null;
    return (x) => {
      const y = tf.matMul(tf.reshape(x, [x.shape[0], a.c_in]), weight);
      return tf.reshape(bias ? tf.add(y, bias) : y, [x.shape[0], 1, 1, a.c_out]);
    };
  }

  /** PReLU with one slope per channel: max(0, x) + slope * min(0, x). */
  prelu(name: string, c: number): Forward {
    const slope = this.param(`${name}.weight`, [c], () => 0.25, false, 'vector');
    return (x) => {
      const pos = tf.relu(x);
      return tf.add(pos, tf.mul(slope, tf.sub(x, pos)));
    };
  }

  /** From now on training-mode forwards pool their BN inputs' statistics instead of updating the running ones. */
  beginPreciseBn(): void {
    for (const l of this.bnLayers) l.pooled = new PooledChannelStats(l.channels);
  }

  /** Ends the pass; `apply`: sets every BN's running statistics to what was pooled (unchanged where nothing was). */
  endPreciseBn(apply: boolean): void {
    for (const l of this.bnLayers) {
      const pooled = l.pooled;
      l.pooled = null;
      if (!apply || !pooled?.seen) continue;
      const { mean, variance } = pooled.result();
      tf.tidy(() => {
        l.mean.assign(tf.tensor1d(mean));
        l.variance.assign(tf.tensor1d(variance));
      });
    }
  }

  /** Keeps a constant tensor (made inside a forward pass) for the model's life. */
  constant(t: tf.Tensor): tf.Tensor {
    const kept = tf.keep(t);
    this.constants.push(kept);
    return kept;
  }

  /** Frees every variable and constant made here. */
  dispose(): void {
    for (const p of this.parameters) p.variable.dispose();
    for (const b of this.buffers) b.variable.dispose();
    for (const c of this.constants) c.dispose();
  }

  /** pycls conv init: N(0, sqrt(2 / fan_out)), fan_out = k_h * k_w * c_out. */
  private convNormal(kernelArea: number, wOut: number): () => number {
    const std = Math.sqrt(2 / (kernelArea * wOut));
    return () => std * this.normal();
  }

  private fanInUniform(fanIn: number): () => number {
    const bound = 1 / Math.sqrt(fanIn);
    return () => (2 * this.uniform() - 1) * bound;
  }

  private param(name: string, shape: number[], init: () => number, isBn: boolean, layout: ModelParameter['layout']): tf.Variable {
    const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
    if (this.initialize) for (let i = 0; i < values.length; i++) values[i] = init();
    // Variable names are global to the engine: prefix them so that several models can coexist.
    const variable = tf.tidy(() => tf.variable(tf.tensor(values, shape, 'float32'), true, `${this.id}/${name}`));
    this.parameters.push({ name, variable, isBn, layout });
    return variable;
  }

  private buffer(name: string, initial: () => tf.Tensor): tf.Variable {
    const variable = tf.tidy(() => tf.variable(initial(), false, `${this.id}/${name}`));
    this.buffers.push({ name, variable });
    return variable;
  }
}

type Padding = number | [[number, number], [number, number], [number, number], [number, number]];

/** tfjs padding for PyTorch's symmetric per-axis padding (a number when both axes agree). */
export function symmetricPad(ph: number, pw: number, extraH = 0, extraW = 0): Padding {
  if (ph === pw && extraH === 0 && extraW === 0) return ph;
  return [[0, 0], [ph, ph + extraH], [pw, pw + extraW], [0, 0]];
}

/**
 * A dilated filter as an undilated one with zeros between the taps: the same function, with
 * gradients through pad, reshape and slice (tfjs's conv gradients take no dilation).
 */
export function dilateFilter(filter: tf.Tensor4D, dh: number, dw: number): tf.Tensor4D {
  if (dh === 1 && dw === 1) return filter;
  const [kh, kw, ci, co] = filter.shape;
  const spread = tf.pad(tf.reshape(filter, [kh, 1, kw, 1, ci, co]), [[0, 0], [0, dh - 1], [0, 0], [0, dw - 1], [0, 0], [0, 0]]);
  return tf.slice(tf.reshape(spread, [kh * dh, kw * dw, ci, co]), [0, 0, 0, 0], [dh * (kh - 1) + 1, dw * (kw - 1) + 1, ci, co]) as tf.Tensor4D;
}

/**
 * A convolution with PyTorch's semantics: any kernel, per-axis stride and padding, dilation and
 * groups (which tfjs lacks: tf.conv2d for one group, a depthwise conv when every group has one input
 * channel, else a conv per group on its slice of channels, concatenated in group order).
 * The filter is [k_h, k_w, c_in / groups, c_out] (PyTorch's [c_out, c_in / groups, k_h, k_w], transposed).
 */
export function conv2d(x: tf.Tensor4D, filter: tf.Tensor4D, a: Pick<ConvAttrs, 'stride' | 'pad' | 'dilation' | 'groups'>): tf.Tensor4D {
  const f = dilateFilter(filter, a.dilation[0], a.dilation[1]);
  const pad = symmetricPad(a.pad[0], a.pad[1]);
  const stride = a.stride as [number, number];
  const groups = a.groups;
  if (groups === 1) return tf.conv2d(x, f, stride, pad);
  const [kh, kw, cInPerGroup, cOut] = f.shape;
  const cIn = x.shape[3];
  if (cIn !== cInPerGroup * groups) throw new Error(`grouped conv: input has ${cIn} channels, filter expects ${groups} x ${cInPerGroup}`);
  if (cInPerGroup === 1) {
    // [k, k, 1, cIn * m] and [k, k, cIn, m] share one memory layout: output channel c * m + j is group c's j-th.
    return tf.depthwiseConv2d(x, tf.reshape(f, [kh, kw, cIn, cOut / cIn]), stride, pad);
  }
  const xs = splitChannels(x, groups);
  const ws = splitChannels(f, groups);
  return concatChannels(xs.map((xg, g) => tf.conv2d(xg as tf.Tensor4D, ws[g] as tf.Tensor4D, stride, pad))) as tf.Tensor4D;
}

/** Runs pieces in order. */
export function sequence(...pieces: Forward[]): Forward {
  return (x, training) => pieces.reduce((y, f) => f(y, training), x);
}
