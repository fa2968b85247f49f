/**
 * Gradient kernels for the wasm backend, registered by dse.
 *
 * tfjs-backend-wasm 4.22 has forward convolutions (XNNPACK), MaxPoolGrad and AvgPoolGrad, but no
 * Conv2DBackpropFilter and no depthwise backprop kernels, so training a network on it fails at the
 * first backward pass; its Conv2DBackpropInput is a plain loop, 10-20x slower than the forward conv.
 * Each kernel here is built from kernels wasm does have, so the arithmetic runs in XNNPACK:
 *
 *   Conv2DBackpropInput (replaced)      a transposed conv: a stride-1 conv of dy (zero-dilated by the
 *                                       forward stride) with the spatially flipped filter, its in and
 *                                       out channels swapped.
 *   Conv2DBackpropFilter                dW = conv(x^T, dy^T) with stride and dilation swapped: x as
 *                                       [Cin, H, W, N] ("batch" Cin, "channels" N), dy as the filter
 *                                       [OH, OW, N, Cout] dilated by the forward stride; the result
 *                                       [Cin, KH, KW, Cout] is transposed back to [KH, KW, Cin, Cout].
 *   DepthwiseConv2dNativeBackpropFilter the same identity with a depthwise conv over C*N channels, then
 *                                       a sum over N.
 *   DepthwiseConv2dNativeBackpropInput  a stride-1 depthwise conv of dy (zero-dilated by the forward
 *                                       stride) with the spatially flipped filter (a transposed conv),
 *                                       then a sum over the channel multiplier.
 *
 * Padding ('same', 'valid', a number or explicit) and strides are those of the forward op, taken from
 * tfjs's own computeConv2DInfo; dilations other than 1 are rejected, as tfjs's gradients do.
 */
import {
  backend_util,
  BatchMatMul,
  Conv2D,
  Conv2DBackpropFilter,
  type Conv2DBackpropFilterAttrs,
  Conv2DBackpropInput,
  type Conv2DBackpropInputAttrs,
  type DataType,
  DepthwiseConv2dNative,
  DepthwiseConv2dNativeBackpropFilter,
  type DepthwiseConv2dNativeBackpropFilterAttrs,
  DepthwiseConv2dNativeBackpropInput,
  type DepthwiseConv2dNativeBackpropInputAttrs,
  getKernel,
  type KernelBackend,
  type KernelFunc,
  type NamedAttrMap,
  PadV2,
  registerKernel,
  Reshape,
  Reverse,
  Slice,
  Sum,
  type TensorInfo,
  Transpose,
  unregisterKernel,
} from '@tensorflow/tfjs-core';
import { SPLIT_CHANNELS, TRANSPOSE_2D } from '../../models/tfjs/channelOps.js';
import { checkUnitDilations } from '../../models/tfjs/gradients.js';

type Shape4 = [number, number, number, number];
type ExplicitPad = [[number, number], [number, number], [number, number], [number, number]];

/** The kernels dse registers for the wasm backend (missing there, or replaced for speed). */
export const WASM_GRADIENT_KERNELS = [Conv2DBackpropFilter, Conv2DBackpropInput, DepthwiseConv2dNativeBackpropFilter, DepthwiseConv2dNativeBackpropInput] as const;

const KERNEL_FUNCS: Record<(typeof WASM_GRADIENT_KERNELS)[number], KernelFunc> = {
  [Conv2DBackpropFilter]: conv2dBackpropFilter as unknown as KernelFunc,
  [Conv2DBackpropInput]: conv2dBackpropInput as unknown as KernelFunc,
  [DepthwiseConv2dNativeBackpropFilter]: depthwiseBackpropFilter as unknown as KernelFunc,
  [DepthwiseConv2dNativeBackpropInput]: depthwiseBackpropInput as unknown as KernelFunc,
};

/** Registers the kernels above for 'wasm', replacing any registered before (idempotent). */
export function registerWasmGradientKernels(): void {
  for (const name of WASM_GRADIENT_KERNELS) {
    const existing = getKernel(name, 'wasm');
    if (existing?.kernelFunc === KERNEL_FUNCS[name]) continue;
    if (existing) unregisterKernel(name, 'wasm');
    registerKernel({ kernelName: name, backendName: 'wasm', kernelFunc: KERNEL_FUNCS[name] });
  }
}

// ---------------------------------------------------------------- composing wasm kernels

/** Runs other wasm kernels and disposes every intermediate result except the one returned. */
class Scratch {
  private readonly made: TensorInfo[] = [];
  constructor(readonly backend: KernelBackend) {}

  run(kernelName: string, inputs: Record<string, TensorInfo>, attrs: NamedAttrMap = {}): TensorInfo {
    return this.runMany(kernelName, inputs, attrs)[0];
  }

  runMany(kernelName: string, inputs: Record<string, TensorInfo>, attrs: NamedAttrMap = {}): TensorInfo[] {
    const kernel = getKernel(kernelName, 'wasm');
    if (!kernel) throw new Error(`the wasm backend has no ${kernelName} kernel`);
    const out = kernel.kernelFunc({ inputs, attrs, backend: this.backend });
    const outs = Array.isArray(out) ? out : [out];
    this.made.push(...outs);
    return outs;
  }

  reshape(x: TensorInfo, shape: number[]): TensorInfo {
    return this.run(Reshape, { x }, { shape });
  }

  transpose(x: TensorInfo, perm: number[]): TensorInfo {
    return this.run(Transpose, { x }, { perm });
  }

  /** Returns `result` and frees everything else made here. */
  finish(result: TensorInfo): TensorInfo {
    for (const t of this.made) if (t !== result) this.backend.disposeData(t.dataId);
    return result;
  }

  /** Frees everything made here (on an error path). */
  abandon(): void {
    for (const t of this.made) this.backend.disposeData(t.dataId);
  }
}

function guarded(scratch: Scratch, body: () => TensorInfo): TensorInfo {
  try {
    return scratch.finish(body());
  } catch (e) {
    scratch.abandon();
    throw e;
  }
}

interface Pads {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

/**
 * Convolutions take only non-negative padding; a negative pad means rows or columns of the NHWC input
 * are never reached, so they are sliced off instead.
 */
function cropNegativePads(s: Scratch, x: TensorInfo, pads: Pads): { x: TensorInfo; pad: ExplicitPad } {
  const [n, h, w, c] = x.shape as Shape4;
  const cut = { top: Math.max(0, -pads.top), bottom: Math.max(0, -pads.bottom), left: Math.max(0, -pads.left), right: Math.max(0, -pads.right) };
  const pad: ExplicitPad = [[0, 0], [Math.max(0, pads.top), Math.max(0, pads.bottom)], [Math.max(0, pads.left), Math.max(0, pads.right)], [0, 0]];
  if (cut.top + cut.bottom + cut.left + cut.right === 0) return { x, pad };
  const cropped = s.run(Slice, { x }, { begin: [0, cut.top, cut.left, 0], size: [n, h - cut.top - cut.bottom, w - cut.left - cut.right, c] });
  return { x: cropped, pad };
}

function checkOutShape(op: string, dy: TensorInfo, info: backend_util.Conv2DInfo): void {
  const [, oh, ow] = dy.shape;
  if (oh !== info.outHeight || ow !== info.outWidth) {
    throw new Error(`${op}: dy is ${oh}x${ow} but the forward op gives ${info.outHeight}x${info.outWidth}`);
  }
}

function float32(dtype: DataType): void {
  if (dtype !== 'float32') throw new Error(`wasm gradient kernels take float32, got ${dtype}`);
}

/** dy [N, OH, OW, C] zero-dilated by the stride: [N, OH*sh, OW*sw, C] with dy at multiples of the stride. */
function dilate(s: Scratch, dy: TensorInfo, sh: number, sw: number): TensorInfo {
  if (sh === 1 && sw === 1) return dy;
  const [n, oh, ow, c] = dy.shape as Shape4;
  const spread = s.reshape(dy, [n * oh, 1, ow, 1, c]);
  const padded = s.run(PadV2, { x: spread }, { paddings: [[0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]], constantValue: 0 });
  return s.reshape(padded, [n, oh * sh, ow * sw, c]);
}

/**
 * Pads of the transposed convolution: a correlation with the flipped filter over the dilated dy
 * padded to H + KH - 1 rows (and likewise columns) gives dx at all H x W positions.
 */
function transposedConvPads(info: backend_util.Conv2DInfo, h: number, w: number): Pads {
  return {
    top: info.filterHeight - 1 - info.padInfo.top,
    left: info.filterWidth - 1 - info.padInfo.left,
    bottom: h + info.padInfo.top - info.outHeight * info.strideHeight,
    right: w + info.padInfo.left - info.outWidth * info.strideWidth,
  };
}

/**
 * Pads of the filter-gradient convolution over x (H x W): the forward op's top/left pads, and the
 * bottom/right that make the padded extent KH + (OH - 1) * stride, so that the result is exactly KH x KW.
 */
function filterGradPads(info: backend_util.Conv2DInfo, h: number, w: number): Pads {
  return {
    top: info.padInfo.top,
    left: info.padInfo.left,
    bottom: info.filterHeight + (info.outHeight - 1) * info.strideHeight - info.padInfo.top - h,
    right: info.filterWidth + (info.outWidth - 1) * info.strideWidth - info.padInfo.left - w,
  };
}

// ---------------------------------------------------------------- Conv2DBackpropInput

function conv2dBackpropInput(args: { inputs: { dy: TensorInfo; filter: TensorInfo }; backend: KernelBackend; attrs: Conv2DBackpropInputAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const s = new Scratch(backend);
  return guarded(s, () => {
    float32(inputs.dy.dtype);
    const nchw = attrs.dataFormat === 'NCHW';
    const inputShape = (nchw ? [attrs.inputShape[0], attrs.inputShape[2], attrs.inputShape[3], attrs.inputShape[1]] : attrs.inputShape) as Shape4;
    const dy = nchw ? s.transpose(inputs.dy, [0, 2, 3, 1]) : inputs.dy;
    const { filter } = inputs;
    const info = backend_util.computeConv2DInfo(inputShape, filter.shape as Shape4, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast');
    checkOutShape('Conv2DBackpropInput', dy, info);
    const [, h, w] = inputShape;
    // [KH, KW, Cin, Cout] -> flipped in space, [KH, KW, Cout, Cin].
    const flipped = s.transpose(s.run(Reverse, { x: filter }, { dims: [0, 1] }), [0, 1, 3, 2]);
    const cropped = cropNegativePads(s, dilate(s, dy, info.strideHeight, info.strideWidth), transposedConvPads(info, h, w));
    const dx = s.run(Conv2D, { x: cropped.x, filter: flipped }, { strides: [1, 1], dilations: [1, 1], pad: cropped.pad, dataFormat: 'NHWC' });
    return nchw ? s.transpose(dx, [0, 3, 1, 2]) : dx;
  });
}

// ---------------------------------------------------------------- Conv2DBackpropFilter

function conv2dBackpropFilter(args: { inputs: { x: TensorInfo; dy: TensorInfo }; backend: KernelBackend; attrs: Conv2DBackpropFilterAttrs }): TensorInfo {
  const { inputs, backend, attrs } = args;
  const s = new Scratch(backend);
  return guarded(s, () => {
    float32(inputs.x.dtype);
    let { x, dy } = inputs;
    if (attrs.dataFormat === 'NCHW') {
      x = s.transpose(x, [0, 2, 3, 1]);
      dy = s.transpose(dy, [0, 2, 3, 1]);
    }
    const [kh, kw, cin, cout] = attrs.filterShape;
    const info = backend_util.computeConv2DInfo(x.shape as Shape4, attrs.filterShape, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast');
    checkOutShape('Conv2DBackpropFilter', dy, info);
    if (isPointwise(info, x)) return pointwiseFilterGrad(s, subsample(s, x, info.strideHeight, info.strideWidth), dy, cin, cout);
    const [, h, w] = x.shape as Shape4;
    const { strideHeight: sh, strideWidth: sw } = info;
    const xT = s.transpose(x, [3, 1, 2, 0]); // [Cin, H, W, N]
    const dyT = s.transpose(dy, [1, 2, 0, 3]); // [OH, OW, N, Cout]
    const cropped = cropNegativePads(s, xT, filterGradPads(info, h, w));
    const dW = s.run(Conv2D, { x: cropped.x, filter: dyT }, { strides: [1, 1], dilations: [sh, sw], pad: cropped.pad, dataFormat: 'NHWC' });
    const [c0, r0, q0, o0] = dW.shape;
    if (c0 !== cin || r0 !== kh || q0 !== kw || o0 !== cout) throw new Error(`Conv2DBackpropFilter: internal shape ${dW.shape} for filter ${attrs.filterShape}`);
    return s.transpose(dW, [1, 2, 0, 3]);
  });
}

/**
 * A 1x1 conv without padding whose stride divides the input: a matrix product over the positions it
 * reads (every stride-th row and column).
 */
function isPointwise(info: backend_util.Conv2DInfo, x: TensorInfo): boolean {
  const p = info.padInfo;
  const [, h, w] = x.shape;
  // Checked against tfjs's own output size, which differs for asymmetric strides with a numeric pad.
  const tiles = info.outHeight * info.strideHeight === h && info.outWidth * info.strideWidth === w;
  return info.filterHeight === 1 && info.filterWidth === 1 && p.top + p.bottom + p.left + p.right === 0 && tiles;
}

/** x [N, H, W, C] at rows and columns 0, s, 2s, ... as [N * H/sh * W/sw, C] (H, W multiples of the strides). */
function subsample(s: Scratch, x: TensorInfo, sh: number, sw: number): TensorInfo {
  const [n, h, w, c] = x.shape as Shape4;
  // A row-major [rows, k * len] viewed as k channel groups: group 0 is the first `len` of every row.
  const firstOf = (t: TensorInfo, rows: number, k: number, len: number) => (k === 1 ? s.reshape(t, [rows, len]) : s.runMany(SPLIT_CHANNELS, { x: s.reshape(t, [rows, k * len]) }, { groups: k })[0]);
  const rowsKept = firstOf(x, n * (h / sh), sh, w * c);
  return firstOf(rowsKept, n * (h / sh) * (w / sw), sw, c);
}

/**
 * dW = X^T DY for X [M, Cin] (the positions read), DY [M, Cout], as one XNNPACK matrix product
 * A [C1, M] x B [M, C2]. XNNPACK packs B afresh for every new tensor, and that packing dominates
 * (54 ms for M = 65536, C2 = 56 against 9.5 ms for C2 = 24), so B is the narrower operand and A the
 * other one transposed (a cache-blocked JavaScript transpose: wasm's own is 3-6x slower here).
 * 2-5x faster than the conv route on these shapes.
 */
function pointwiseFilterGrad(s: Scratch, x2: TensorInfo, dy: TensorInfo, cin: number, cout: number): TensorInfo {
  const rows = x2.shape[0];
  const dy2 = s.reshape(dy, [rows, cout]);
  const product = (a: TensorInfo, b: TensorInfo) => s.run(BatchMatMul, { a, b }, { transposeA: false, transposeB: false });
  const transpose = (x: TensorInfo) => s.run(TRANSPOSE_2D, { x });
  const dW = cin <= cout ? transpose(s.reshape(product(transpose(dy2), x2), [cout, cin])) : product(transpose(x2), dy2);
  return s.reshape(dW, [1, 1, cin, cout]);
}

// ---------------------------------------------------------------- depthwise filter gradient

function depthwiseBackpropFilter(args: {
  inputs: { x: TensorInfo; dy: TensorInfo };
  backend: KernelBackend;
  attrs: DepthwiseConv2dNativeBackpropFilterAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const s = new Scratch(backend);
  return guarded(s, () => {
    float32(inputs.x.dtype);
    checkUnitDilations('DepthwiseConv2dNativeBackpropFilter on wasm', attrs.dilations);
    const { x, dy } = inputs;
    const [kh, kw, c, m] = attrs.filterShape;
    const info = backend_util.computeConv2DInfo(x.shape as Shape4, attrs.filterShape, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, true);
    checkOutShape('DepthwiseConv2dNativeBackpropFilter', dy, info);
    const [n, h, w] = x.shape as Shape4;
    const { outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw } = info;
    // Channels (c, n): each image's channel is its own depthwise channel; the sum over n comes after.
    const xT = s.reshape(s.transpose(x, [1, 2, 3, 0]), [1, h, w, c * n]);
    const dyT = s.reshape(s.transpose(s.reshape(dy, [n, oh, ow, c, m]), [1, 2, 3, 0, 4]), [oh, ow, c * n, m]);
    const cropped = cropNegativePads(s, xT, filterGradPads(info, h, w));
    const perImage = s.run(DepthwiseConv2dNative, { x: cropped.x, filter: dyT }, { strides: [1, 1], dilations: [sh, sw], pad: cropped.pad });
    const split = s.reshape(perImage, [kh, kw, c, n, m]);
    return n === 1 ? s.reshape(split, [kh, kw, c, m]) : s.run(Sum, { x: split }, { axis: [3], keepDims: false });
  });
}

// ---------------------------------------------------------------- depthwise input gradient

function depthwiseBackpropInput(args: {
  inputs: { dy: TensorInfo; filter: TensorInfo };
  backend: KernelBackend;
  attrs: DepthwiseConv2dNativeBackpropInputAttrs;
}): TensorInfo {
  const { inputs, backend, attrs } = args;
  const s = new Scratch(backend);
  return guarded(s, () => {
    float32(inputs.dy.dtype);
    checkUnitDilations('DepthwiseConv2dNativeBackpropInput on wasm', attrs.dilations);
    const { dy, filter } = inputs;
    const [kh, kw, c, m] = filter.shape as Shape4;
    const info = backend_util.computeConv2DInfo(attrs.inputShape, filter.shape as Shape4, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, true);
    checkOutShape('DepthwiseConv2dNativeBackpropInput', dy, info);
    const [n, h, w] = attrs.inputShape;
    const flipped = s.reshape(s.run(Reverse, { x: filter }, { dims: [0, 1] }), [kh, kw, c * m, 1]);
    const cropped = cropNegativePads(s, dilate(s, dy, info.strideHeight, info.strideWidth), transposedConvPads(info, h, w));
    const dx = s.run(DepthwiseConv2dNative, { x: cropped.x, filter: flipped }, { strides: [1, 1], dilations: [1, 1], pad: cropped.pad });
    return m === 1 ? dx : s.run(Sum, { x: s.reshape(dx, [n, h, w, c, m]) }, { axis: [4], keepDims: false });
  });
}
