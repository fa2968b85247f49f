/**
 * The layers of the tfjs engine, built from tf.* ops on dse's own variables (not tf.layers), so every
 * parameter is explicit, counted and initialized like pycls:
 *   conv     N(0, sqrt(2 / fan_out)), fan_out = k * k * w_out (groups not divided out, as pycls)
 *   conv bias (SE only)  U(-1/sqrt(fan_in), 1/sqrt(fan_in)), PyTorch's default, which pycls keeps
 *   BN       gamma 1 (0 for a residual branch's final BN when zero-init is asked), beta 0;
 *            eps 1e-5, momentum 0.1, biased batch variance to normalize, unbiased for the running one
 *   linear   N(0, 0.01), bias 0
 * Tensors are NHWC; convs pad (k - 1) / 2 on every side, as PyTorch's padding=k//2 does (tfjs's
 * 'same' would pad stride-2 convs only at the bottom/right).
 */
import * as tf from '@tensorflow/tfjs-core';
import { gaussian, rngFor } from '../data/rng.js';
import { BN_EPS, batchNormTraining } from './batchNorm.js';
import { concatChannels, splitChannels } from './channelOps.js';

export const BN_MOMENTUM = 0.1;

let modelCount = 0;

/** A network piece: NHWC in, NHWC out; `training` picks batch statistics (and updates running ones). */
export type Forward = (x: tf.Tensor4D, training: boolean) => tf.Tensor4D;

export interface ModelParameter {
  /** pycls-style module path, e.g. "s1.b1.f.b.weight". */
  name: string;
  variable: tf.Variable;
  /** BN weight or bias: exempt from weight decay when the recipe's bn_weight_decay is false. */
  isBn: boolean;
}

export interface ConvOptions {
  stride?: number;
  groups?: number;
  bias?: boolean;
}

/**
 * Creates parameters in construction order from one seeded stream, and the layers that use them.
 * The order of construction fixes the initial values, so a (spec, seed) pair always builds the same net.
 */
export class LayerFactory {
  readonly parameters: ModelParameter[] = [];
  /** BN running means and variances (state, not parameters: no gradient, not counted). */
  readonly buffers: tf.Variable[] = [];
  private readonly id = `m${++modelCount}`;
  private readonly uniform: () => number;
  private readonly normal: () => number;

  constructor(
    seed: number,
    readonly zeroInitFinalGamma = false,
  ) {
    const rng = rngFor(seed, 'tfjs-init');
    this.uniform = rng;
    this.normal = gaussian(rng);
  }

  conv(name: string, wIn: number, wOut: number, k: number, opts: ConvOptions = {}): Forward {
    const stride = opts.stride ?? 1;
    const groups = opts.groups ?? 1;
    if (k % 2 !== 1) throw new Error(`${name}: conv kernel must be odd, got ${k}`);
    if (wIn % groups !== 0 || wOut % groups !== 0) throw new Error(`${name}: ${wIn} -> ${wOut} channels do not split into ${groups} groups`);
    const weight = this.param(`${name}.weight`, [k, k, wIn / groups, wOut], this.convNormal(k, wOut), false);
    const bias = opts.bias ? this.param(`${name}.bias`, [wOut], this.fanInUniform((wIn / groups) * k * k), false) : null;
    const pad = (k - 1) / 2;
    return (x) => {
      const y = groupedConv2d(x, weight as tf.Tensor4D, stride, pad, groups);
      return bias ? tf.add(y, bias) : y;
    };
  }

  bn(name: string, w: number, final = false): Forward {
    const gamma = this.param(`${name}.weight`, [w], () => (final && this.zeroInitFinalGamma ? 0 : 1), true) as tf.Tensor1D;
    const beta = this.param(`${name}.bias`, [w], () => 0, true) as tf.Tensor1D;
    const runningMean = this.buffer(`${name}.running_mean`, () => tf.zeros([w]));
    const runningVar = this.buffer(`${name}.running_var`, () => tf.ones([w]));
    const train = batchNormTraining((mean, variance, count) => {
      runningMean.assign(tf.add(tf.mul(runningMean, 1 - BN_MOMENTUM), tf.mul(mean, BN_MOMENTUM)));
      runningVar.assign(tf.add(tf.mul(runningVar, 1 - BN_MOMENTUM), tf.mul(variance, (BN_MOMENTUM * count) / (count - 1))));
    });
    return (x, training) => {
      if (training) return train(x, gamma, beta) as tf.Tensor4D;
      const scale = tf.mul(gamma, tf.rsqrt(tf.add(runningVar, BN_EPS)));
      return tf.add(tf.mul(x, scale), tf.sub(beta, tf.mul(runningMean, scale)));
    };
  }

  /** Fully connected layer on [N, wIn] (pycls head.fc). */
  linear(name: string, wIn: number, wOut: number): (x: tf.Tensor2D) => tf.Tensor2D {
    const weight = this.param(`${name}.weight`, [wIn, wOut], () => 0.01 * this.normal(), false) as tf.Tensor2D;
    const bias = this.param(`${name}.bias`, [wOut], () => 0, false);
    return (x) => tf.add(tf.matMul(x, weight), bias);
  }

  /**
   * Squeeze-and-Excitation on w channels: GAP, 1x1 conv (bias) to wSe, ReLU, 1x1 conv (bias) back,
   * sigmoid, channel-wise multiply. The 1x1 convs on a 1x1 map are matrix products.
   */
  se(name: string, w: number, wSe: number): Forward {
    const w1 = this.param(`${name}.f_ex.0.weight`, [w, wSe], this.convNormal(1, wSe), false) as tf.Tensor2D;
    const b1 = this.param(`${name}.f_ex.0.bias`, [wSe], this.fanInUniform(w), false);
    const w2 = this.param(`${name}.f_ex.2.weight`, [wSe, w], this.convNormal(1, w), false) as tf.Tensor2D;
    const b2 = this.param(`${name}.f_ex.2.bias`, [w], this.fanInUniform(wSe), false);
    return (x) => {
      const squeezed = tf.mean(x, [1, 2]) as tf.Tensor2D;
      const hidden = tf.relu(tf.add(tf.matMul(squeezed, w1), b1)) as tf.Tensor2D;
      const gate = tf.sigmoid(tf.add(tf.matMul(hidden, w2), b2));
      return tf.mul(x, tf.reshape(gate, [x.shape[0], 1, 1, w]));
    };
  }

  /** Frees every variable made here. */
  dispose(): void {
    for (const p of this.parameters) p.variable.dispose();
    for (const b of this.buffers) b.dispose();
  }

  /** pycls conv init: N(0, sqrt(2 / fan_out)), fan_out = k * k * w_out. */
  private convNormal(k: number, wOut: number): () => number {
    const std = Math.sqrt(2 / (k * k * wOut));
    return () => std * this.normal();
  }

  private fanInUniform(fanIn: number): () => number {
    const bound = 1 / Math.sqrt(fanIn);
    return () => (2 * this.uniform() - 1) * bound;
  }

  private param(name: string, shape: number[], init: () => number, isBn: boolean): tf.Variable {
    const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < values.length; i++) values[i] = init();
    // Variable names are global to the engine: prefix them so that several models can coexist.
    const variable = tf.tidy(() => tf.variable(tf.tensor(values, shape, 'float32'), true, `${this.id}/${name}`));
    this.parameters.push({ name, variable, isBn });
    return variable;
  }

  private buffer(name: string, initial: () => tf.Tensor): tf.Variable {
    const variable = tf.tidy(() => tf.variable(initial(), false, `${this.id}/${name}`));
    this.buffers.push(variable);
    return variable;
  }
}

export const relu: Forward = (x) => tf.relu(x);

/** Runs pieces in order. */
export function sequence(...pieces: Forward[]): Forward {
  return (x, training) => pieces.reduce((y, f) => f(y, training), x);
}

/** Max-pool with PyTorch's symmetric padding (pads with -inf, as MaxPool2d does). */
export function maxPool(k: number, stride: number): Forward {
  return (x) => tf.maxPool(x, k, stride, (k - 1) / 2);
}

/**
 * A grouped convolution (PyTorch's `groups`), which tfjs lacks: tf.conv2d for one group, a depthwise
 * conv when every group has one input channel, else a conv per group on its slice of channels,
 * concatenated (output channels stay in group order, as in PyTorch).
 * The filter is [k, k, cIn / groups, cOut] (PyTorch's [cOut, cIn / groups, k, k], transposed).
 */
export function groupedConv2d(x: tf.Tensor4D, filter: tf.Tensor4D, stride: number, pad: number, groups: number): tf.Tensor4D {
  if (groups === 1) return tf.conv2d(x, filter, stride, pad);
  const [k, kw, cInPerGroup, cOut] = filter.shape;
  const cIn = x.shape[3];
  if (cIn !== cInPerGroup * groups) throw new Error(`grouped conv: input has ${cIn} channels, filter expects ${groups} x ${cInPerGroup}`);
  if (cInPerGroup === 1) {
    // [k, k, 1, cIn * m] and [k, k, cIn, m] share one memory layout: output channel c * m + j is group c's j-th.
    return tf.depthwiseConv2d(x, tf.reshape(filter, [k, kw, cIn, cOut / cIn]), stride, pad);
  }
  const xs = splitChannels(x, groups);
  const ws = splitChannels(filter, groups);
  return concatChannels(xs.map((xg, g) => tf.conv2d(xg as tf.Tensor4D, ws[g] as tf.Tensor4D, stride, pad))) as tf.Tensor4D;
}
