/**
 * Channel (last-axis) operations the network needs many times per step, as dse kernels for the cpu
 * and wasm backends, written in JavaScript over the tensors' memory:
 *   DseChannelSums     x [..., C] -> [C], the sums over every other axis
 *   DseSplitChannels   x [..., C] -> G tensors [..., C / G] (grouped convolutions)
 *   DseConcatChannels  the inverse of DseSplitChannels
 *   DseTranspose2D     x [R, C] -> [C, R], cache-blocked (for the wasm gradient kernels)
 *   DsePermuteChannels x [..., C] -> y with y[..., j] = x[..., perm[j]] (channel shuffle)
 * wasm's own axis reductions transpose first, and its Slice/SplitV/Concat copy in JavaScript with a
 * full copy of the input per slice; these are 3-30x faster there. On any other backend (tensorflow)
 * the functions below fall back to tf.sum / tf.split / tf.concat.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { getGradient, getKernel, type KernelBackend, registerGradient, registerKernel, type TensorInfo } from '@tensorflow/tfjs-core';

export const CHANNEL_SUMS = 'DseChannelSums';
export const SPLIT_CHANNELS = 'DseSplitChannels';
export const CONCAT_CHANNELS = 'DseConcatChannels';
export const TRANSPOSE_2D = 'DseTranspose2D';
export const PERMUTE_CHANNELS = 'DsePermuteChannels';

/** Backends with dse's JavaScript kernels: how to allocate an output and see a tensor's float32 values. */
export interface Memory {
  output(shape: number[]): TensorInfo;
  /** A view of the values; call after allocating outputs (a wasm allocation may move the heap). */
  values(t: TensorInfo): Float32Array;
}

export const KERNEL_MEMORY: Record<string, (backend: KernelBackend) => Memory> = {
  cpu: (backend) => {
    const cpu = backend as MathBackendCPU;
    return {
      output: (shape) => cpu.makeTensorInfo(shape, 'float32', new Float32Array(shape.reduce((a, b) => a * b, 1))),
      values: (t) => cpu.data.get(t.dataId)!.values as Float32Array,
    };
  },
  wasm: (backend) => {
    const wasm = backend as BackendWasm;
    return {
      output: (shape) => wasm.makeOutput(shape, 'float32'),
      values: (t) => wasm.typedArrayFromHeap(t) as Float32Array,
    };
  },
};

/**
 * Rows per block of the per-channel reductions: each channel is summed over a block into a local
 * (a register) before the next, twice as fast in V8 as one running sum per channel in an array.
 */
export const ROW_BLOCK = 256;

function channelSumsKernel(memory: Memory, x: TensorInfo): TensorInfo {
  const c = x.shape[x.shape.length - 1];
  const out = memory.output([c]);
  const v = memory.values(x);
  const acc = new Float64Array(c);
  for (let start = 0; start < v.length; start += ROW_BLOCK * c) {
    const end = Math.min(v.length, start + ROW_BLOCK * c);
    for (let k = 0; k < c; k++) {
      let sum = 0;
      for (let i = start + k; i < end; i += c) sum += v[i];
      acc[k] += sum;
    }
  }
  memory.values(out).set(acc);
  return out;
}

function splitChannelsKernel(memory: Memory, x: TensorInfo, groups: number): TensorInfo[] {
  const c = x.shape[x.shape.length - 1];
  const cg = c / groups;
  const shape = [...x.shape.slice(0, -1), cg];
  const outs = Array.from({ length: groups }, () => memory.output(shape));
  const v = memory.values(x);
  const views = outs.map((o) => memory.values(o));
  for (let i = 0, o = 0; i < v.length; i += c, o += cg) {
    for (let g = 0; g < groups; g++) {
      const dst = views[g];
      const from = i + g * cg;
      for (let k = 0; k < cg; k++) dst[o + k] = v[from + k];
    }
  }
  return outs;
}

function concatChannelsKernel(memory: Memory, parts: TensorInfo[]): TensorInfo {
  const cg = parts[0].shape[parts[0].shape.length - 1];
  const groups = parts.length;
  const c = cg * groups;
  const out = memory.output([...parts[0].shape.slice(0, -1), c]);
  const dst = memory.values(out);
  const views = parts.map((p) => memory.values(p));
  for (let i = 0, o = 0; i < dst.length; i += c, o += cg) {
    for (let g = 0; g < groups; g++) {
      const src = views[g];
      const to = i + g * cg;
      for (let k = 0; k < cg; k++) dst[to + k] = src[o + k];
    }
  }
  return out;
}

function permuteChannelsKernel(memory: Memory, x: TensorInfo, perm: number[]): TensorInfo {
  const c = x.shape[x.shape.length - 1];
  const out = memory.output(x.shape);
  const src = memory.values(x);
  const dst = memory.values(out);
  for (let i = 0; i < src.length; i += c) for (let j = 0; j < c; j++) dst[i + j] = src[i + perm[j]];
  return out;
}

/** Rows per tile of the 2-D transpose: a tile's source rows stay in cache while it is written out. */
const TRANSPOSE_TILE = 64;

function transpose2dKernel(memory: Memory, x: TensorInfo): TensorInfo {
  const [rows, cols] = x.shape;
  const out = memory.output([cols, rows]);
  const src = memory.values(x);
  const dst = memory.values(out);
  for (let r0 = 0; r0 < rows; r0 += TRANSPOSE_TILE) {
    const r1 = Math.min(rows, r0 + TRANSPOSE_TILE);
    for (let c = 0; c < cols; c++) {
      const o = c * rows;
      for (let r = r0; r < r1; r++) dst[o + r] = src[r * cols + c];
    }
  }
  return out;
}

/** A dse kernel over a backend's memory: the kernel inputs and attributes as tfjs passes them. */
export type MemoryKernel = (memory: Memory, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap) => TensorInfo | TensorInfo[];

/** Registers `kernels` (by kernel name) for every backend in KERNEL_MEMORY, where none is registered yet. */
export function registerMemoryKernels(kernels: Record<string, MemoryKernel>): void {
  for (const [backendName, memoryOf] of Object.entries(KERNEL_MEMORY)) {
    for (const [kernelName, kernel] of Object.entries(kernels)) {
      if (getKernel(kernelName, backendName)) continue;
      const kernelFunc = ({ inputs, backend, attrs }: { inputs: tf.NamedTensorInfoMap; backend: KernelBackend; attrs?: tf.NamedAttrMap }) =>
        kernel(memoryOf(backend), inputs, attrs ?? {});
      registerKernel({ kernelName, backendName, kernelFunc: kernelFunc as tf.KernelFunc });
    }
  }
}

/** Registers the kernels for cpu and wasm and their gradients (idempotent). */
export function registerChannelOps(): void {
  registerMemoryKernels({
    [CHANNEL_SUMS]: (memory, inputs) => channelSumsKernel(memory, inputs.x!),
    [SPLIT_CHANNELS]: (memory, inputs, attrs) => splitChannelsKernel(memory, inputs.x!, attrs.groups as number),
    [CONCAT_CHANNELS]: (memory, inputs) => concatChannelsKernel(memory, Object.keys(inputs).sort((a, b) => Number(a) - Number(b)).map((k) => inputs[k]!)),
    [TRANSPOSE_2D]: (memory, inputs) => transpose2dKernel(memory, inputs.x!),
    [PERMUTE_CHANNELS]: (memory, inputs, attrs) => permuteChannelsKernel(memory, inputs.x!, attrs.perm as number[]),
  });
  if (!getGradient(PERMUTE_CHANNELS)) {
    registerGradient({ kernelName: PERMUTE_CHANNELS, gradFunc: (dy, _saved, attrs) => ({ x: () => permuteChannels(dy as tf.Tensor, inversePermutation(attrs.perm as number[])) }) });
  }
  if (!getGradient(SPLIT_CHANNELS)) registerGradient({ kernelName: SPLIT_CHANNELS, gradFunc: (dy) => ({ x: () => concatChannels(dy as tf.Tensor[]) }) });
  if (!getGradient(CONCAT_CHANNELS)) {
    registerGradient({
      kernelName: CONCAT_CHANNELS,
      gradFunc: (dy, _saved, attrs) => Object.fromEntries(splitChannels(dy as tf.Tensor, attrs.groups as number).map((t, i) => [String(i), () => t])),
    });
  }
  if (!getGradient(CHANNEL_SUMS)) {
    registerGradient({ kernelName: CHANNEL_SUMS, inputsToSave: ['x'], gradFunc: (dy, [x]) => ({ x: () => tf.mul(tf.ones(x.shape), dy as tf.Tensor) }) });
  }
}

/** Whether the active backend has one of dse's kernels (cpu and wasm do; tensorflow does not). */
export const hasKernel = (name: string) => getKernel(name, tf.getBackend()) !== undefined;

/** Sums over every axis but the last: [..., C] -> [C]. */
export function channelSums(x: tf.Tensor): tf.Tensor1D {
  if (!hasKernel(CHANNEL_SUMS)) return tf.sum(x, [...Array(x.rank - 1).keys()]) as tf.Tensor1D;
  return tf.engine().runKernel(CHANNEL_SUMS, { x }) as tf.Tensor1D;
}

/** Splits the last axis into `groups` equal parts. */
export function splitChannels(x: tf.Tensor, groups: number): tf.Tensor[] {
  if (!hasKernel(SPLIT_CHANNELS)) return tf.split(x, groups, x.rank - 1);
  return tf.engine().runKernel(SPLIT_CHANNELS, { x }, { groups }) as tf.Tensor[];
}

/** Concatenates equal parts along the last axis. */
export function concatChannels(parts: tf.Tensor[]): tf.Tensor {
  if (parts.length === 1) return tf.clone(parts[0]);
  if (!hasKernel(CONCAT_CHANNELS)) return tf.concat(parts, parts[0].rank - 1);
  return tf.engine().runKernel(CONCAT_CHANNELS, Object.fromEntries(parts.map((t, i) => [String(i), t])), { groups: parts.length }) as tf.Tensor;
}

export function inversePermutation(perm: readonly number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, j) => (inv[p] = j));
  return inv;
}

/** y[..., j] = x[..., perm[j]]. */
export function permuteChannels(x: tf.Tensor, perm: number[]): tf.Tensor {
  if (!hasKernel(PERMUTE_CHANNELS)) return tf.gather(x, perm, x.rank - 1);
  return tf.engine().runKernel(PERMUTE_CHANNELS, { x }, { perm }) as tf.Tensor;
}

/**
 * The permutation of PyTorch's channel_shuffle (ShuffleNet): x.view(n, g, c/g, h, w).transpose(1, 2),
 * so output channel j takes input channel (j % g) * (c / g) + floor(j / g).
 */
export function shufflePermutation(c: number, groups: number): number[] {
  const per = c / groups;
  return Array.from({ length: c }, (_, j) => (j % groups) * per + Math.floor(j / groups));
}
