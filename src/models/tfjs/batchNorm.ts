/**
 * Batch normalization in training mode (batch statistics) as one differentiable op with its
 * closed-form backward pass:
 *   y = gamma * xhat + beta,  xhat = (x - mean) / sqrt(var + eps)  (mean, biased var over all but C)
 *   dbeta = sum(dy), dgamma = sum(dy * xhat),
 *   dx = a * dy + b * x + e  with  a = gamma / sqrt(var + eps), b = -a * dgamma / (n sqrt(var + eps)),
 *                                  e = -a * dbeta / n - b * mean
 *
 * The per-channel reductions are dse kernels in JavaScript on cpu and wasm, one pass each with
 * float64 sums: DseBatchNormStats (mean and variance, shifted by the first row so that large means
 * lose no digits) and DseBatchNormGradSums (sum(dy), sum(dy * (x - mean))). The element-wise parts are
 * per-channel multiply-adds (tf.mul/tf.add; on wasm twice as fast as its FusedBatchNorm kernel).
 * Where the kernels are missing (tensorflow) the reductions are tf.sum.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { TensorInfo } from '@tensorflow/tfjs-core';
import { hasKernel, type Memory, registerMemoryKernels, ROW_BLOCK } from './channelOps.js';

export const BN_EPS = 1e-5;
export const BN_STATS = 'DseBatchNormStats';
export const BN_GRAD_SUMS = 'DseBatchNormGradSums';

export type BatchStatsHook = (mean: tf.Tensor1D, variance: tf.Tensor1D, count: number) => void;

/** Mean and biased variance per channel of x [..., C]. */
function statsKernel(memory: Memory, xInfo: TensorInfo): TensorInfo[] {
  const c = xInfo.shape[xInfo.shape.length - 1];
  const outs = [memory.output([c]), memory.output([c])];
  const x = memory.values(xInfo);
  const n = x.length;
  const rows = n / c;
  const s1 = new Float64Array(c);
  const s2 = new Float64Array(c);
  for (let start = 0; start < n; start += ROW_BLOCK * c) {
    const end = Math.min(n, start + ROW_BLOCK * c);
    for (let k = 0; k < c; k++) {
      const shift = x[k];
      let a = 0;
      let b = 0;
      for (let i = start + k; i < end; i += c) {
        const d = x[i] - shift;
        a += d;
        b += d * d;
      }
      s1[k] += a;
      s2[k] += b;
    }
  }
  const [mean, variance] = outs.map((o) => memory.values(o));
  for (let k = 0; k < c; k++) {
    const m = s1[k] / rows;
    mean[k] = x[k] + m;
    variance[k] = Math.max(0, s2[k] / rows - m * m);
  }
  return outs;
}

/** sum(dy) and sum(dy * (x - mean)) per channel. */
function gradSumsKernel(memory: Memory, inputs: { dy: TensorInfo; x: TensorInfo; mean: TensorInfo }): TensorInfo[] {
  const c = inputs.x.shape[inputs.x.shape.length - 1];
  const outs = [memory.output([c]), memory.output([c])];
  const [dy, x, mean] = [memory.values(inputs.dy), memory.values(inputs.x), memory.values(inputs.mean)];
  const sdy = new Float64Array(c);
  const sdyx = new Float64Array(c);
  for (let start = 0; start < x.length; start += ROW_BLOCK * c) {
    const end = Math.min(x.length, start + ROW_BLOCK * c);
    for (let k = 0; k < c; k++) {
      const m = mean[k];
      let a = 0;
      let b = 0;
      for (let i = start + k; i < end; i += c) {
        const g = dy[i];
        a += g;
        b += g * (x[i] - m);
      }
      sdy[k] += a;
      sdyx[k] += b;
    }
  }
  memory.values(outs[0]).set(sdy);
  memory.values(outs[1]).set(sdyx);
  return outs;
}

/** Registers the two kernels for cpu and wasm (idempotent). */
export function registerBatchNormKernels(): void {
  registerMemoryKernels({
    [BN_STATS]: (memory, inputs) => statsKernel(memory, inputs.x!),
    [BN_GRAD_SUMS]: (memory, inputs) => gradSumsKernel(memory, inputs as never),
  });
}

function batchStats(x: tf.Tensor4D, count: number, useKernels: boolean): [tf.Tensor1D, tf.Tensor1D] {
  if (useKernels && hasKernel(BN_STATS)) return tf.engine().runKernel(BN_STATS, { x }) as [tf.Tensor1D, tf.Tensor1D];
  const mean = tf.div(tf.sum(x, [0, 1, 2]), count) as tf.Tensor1D;
  return [mean, tf.div(tf.sum(tf.squaredDifference(x, mean), [0, 1, 2]), count) as tf.Tensor1D];
}

function gradSums(dy: tf.Tensor4D, x: tf.Tensor4D, mean: tf.Tensor1D, useKernels: boolean): [tf.Tensor1D, tf.Tensor1D] {
  if (useKernels && hasKernel(BN_GRAD_SUMS)) return tf.engine().runKernel(BN_GRAD_SUMS, { dy, x, mean }) as [tf.Tensor1D, tf.Tensor1D];
  return [tf.sum(dy, [0, 1, 2]), tf.sum(tf.mul(dy, tf.sub(x, mean)), [0, 1, 2])];
}

/**
 * BN in training mode for NHWC x: f(x, gamma, beta). `onStats(mean, biasedVar, n)` sees the batch
 * statistics (to update running averages). `tfReductions` uses tf.sum even where dse's kernels exist
 * (to test the path other backends take).
 */
export function batchNormTraining(onStats?: BatchStatsHook, opts: { tfReductions?: boolean; eps?: number } = {}) {
  const useKernels = !opts.tfReductions;
  const eps = opts.eps ?? BN_EPS;
  return tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, gamma, beta, save] = args as [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D, tf.GradSaveFunc];
    const count = x.size / x.shape[3];
    if (count < 2) throw new Error(`BatchNorm in training mode needs more than one value per channel, got input ${x.shape.join('x')}`);
    const [mean, variance] = batchStats(x, count, useKernels);
    onStats?.(mean, variance, count);
    save([x, gamma, mean, variance]);
    const scale = tf.mul(gamma, tf.rsqrt(tf.add(variance, eps)));
    return {
      value: tf.add(tf.mul(x, scale), tf.sub(beta, tf.mul(mean, scale))),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], [xs, g, m, v]: tf.Tensor[]) => {
        const [dBeta, centered] = gradSums(dy as tf.Tensor4D, xs as tf.Tensor4D, m as tf.Tensor1D, useKernels);
        const invStd = tf.rsqrt(tf.add(v, eps));
        const dGamma = tf.mul(centered, invStd);
        const a = tf.mul(g, invStd);
        const b = tf.div(tf.mul(tf.neg(a), tf.mul(dGamma, invStd)), count);
        const e = tf.sub(tf.div(tf.mul(tf.neg(a), dBeta), count), tf.mul(b, m));
        return [tf.add(tf.add(tf.mul(dy as tf.Tensor, a), e), tf.mul(xs, b)), dGamma, dBeta];
      },
    };
  });
}

/**
 * Exact per-channel mean and variance of values seen a batch at a time (Chan et al.'s parallel
 * update, float64): the precise-BN pass pools batch statistics into the statistics of all its images,
 * as the torch engine's precise_bn.py does.
 */
export class PooledChannelStats {
  private n = 0;
  private readonly mean: Float64Array;
  private readonly m2: Float64Array;

  constructor(channels: number) {
    this.mean = new Float64Array(channels);
    this.m2 = new Float64Array(channels);
  }

  /** Adds a batch of `count` values per channel with this mean and biased variance. */
  add(mean: ArrayLike<number>, biasedVar: ArrayLike<number>, count: number): void {
    const total = this.n + count;
    for (let k = 0; k < this.mean.length; k++) {
      const delta = mean[k] - this.mean[k];
      this.mean[k] += (delta * count) / total;
      this.m2[k] += biasedVar[k] * count + (delta * delta * this.n * count) / total;
    }
    this.n = total;
  }

  get seen(): boolean {
    return this.n > 0;
  }

  /** The pooled mean and unbiased variance (as BN's running statistics hold it). */
  result(): { mean: Float32Array; variance: Float32Array } {
    const denom = Math.max(this.n - 1, 1);
    return { mean: Float32Array.from(this.mean), variance: Float32Array.from(this.m2, (v) => v / denom) };
  }
}
