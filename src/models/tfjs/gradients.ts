/**
 * Gradients of the kernels a dse network's forward pass runs.
 *
 * @tensorflow/tfjs-core's Node bundle registers no gradients at all (the union package
 * @tensorflow/tfjs adds them from dist/register_all_gradients.js, which Node cannot load from
 * tfjs-core alone), so tf.variableGrads fails with "gradient function not found". dse registers the
 * few it needs, written from the standard identities; any already registered (e.g. by tfjs-node's
 * copy of @tensorflow/tfjs) are left alone. BN and the loss are tf.customGrad ops with their own
 * closed-form backward passes (batchNorm.ts, loss.ts) and need none of these.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  Add,
  Maximum,
  AvgPool,
  type AvgPoolAttrs,
  AvgPoolGrad,
  backend_util,
  BatchMatMul,
  type BatchMatMulAttrs,
  Cast,
  Concat,
  type ConcatAttrs,
  Conv2D,
  type Conv2DAttrs,
  Conv2DBackpropFilter,
  Conv2DBackpropInput,
  DepthwiseConv2dNative,
  type DepthwiseConv2dNativeAttrs,
  DepthwiseConv2dNativeBackpropFilter,
  DepthwiseConv2dNativeBackpropInput,
  getGradient,
  type GradConfig,
  MaxPool,
  type MaxPoolAttrs,
  MaxPoolGrad,
  Mean,
  type MeanAttrs,
  Multiply,
  type NamedAttrMap,
  RealDiv,
  registerGradient,
  PadV2,
  type PadV2Attrs,
  Relu,
  Relu6,
  Reshape,
  Sigmoid,
  Slice,
  type SliceAttrs,
  SplitV,
  type SplitVAttrs,
  Sub,
  Sum,
  type SumAttrs,
  Transpose,
  type TransposeAttrs,
} from '@tensorflow/tfjs-core';

/** Sums a broadcast gradient back down to the shape of the input it was broadcast from. */
function unbroadcast(grad: tf.Tensor, shape: number[]): tf.Tensor {
  const axes = backend_util.getReductionAxes(shape, grad.shape);
  return tf.reshape(axes.length ? tf.sum(grad, axes) : grad, shape);
}

/** dy of a reduction over `axis` (null: every axis), spread back over the input's shape. */
function spread(dy: tf.Tensor, x: tf.Tensor, axis: number | number[] | null): tf.Tensor {
  const axes = tf.util.parseAxisParam(axis ?? [...x.shape.keys()], x.shape);
  const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  return tf.mul(tf.reshape(dy, kept), tf.ones(x.shape));
}

/** Throws unless a convolution's dilations are 1 (`where` starts the message). */
export function checkUnitDilations(where: string, dilations: number | [number, number] | undefined): void {
  const d = dilations === undefined ? [1, 1] : typeof dilations === 'number' ? [dilations, dilations] : dilations;
  if (d[0] !== 1 || d[1] !== 1) throw new Error(`${where}: dilations other than 1 are not supported (got ${d.join('x')})`);
}

const run = <T extends tf.Tensor>(kernel: string, inputs: tf.NamedTensorMap, attrs: object): T =>
  tf.engine().runKernel<T>(kernel, inputs, attrs as unknown as NamedAttrMap);

const binary = (kernelName: string, da: (dy: tf.Tensor, a: tf.Tensor, b: tf.Tensor) => tf.Tensor, db: (dy: tf.Tensor, a: tf.Tensor, b: tf.Tensor) => tf.Tensor): GradConfig => ({
  kernelName,
  inputsToSave: ['a', 'b'],
  gradFunc: (dy, [a, b]) => ({
    a: () => unbroadcast(da(dy as tf.Tensor, a, b), a.shape),
    b: () => unbroadcast(db(dy as tf.Tensor, a, b), b.shape),
  }),
});

export const GRADIENTS: GradConfig[] = [
  binary(Add, (dy) => dy, (dy) => dy),
  binary(Sub, (dy) => dy, (dy) => tf.neg(dy)),
  binary(Multiply, (dy, _a, b) => tf.mul(dy, b), (dy, a) => tf.mul(dy, a)),
  binary(RealDiv, (dy, _a, b) => tf.div(dy, b), (dy, a, b) => tf.neg(tf.div(tf.mul(dy, a), tf.square(b)))),
  // PyTorch's torch.maximum splits the gradient at ties; ties have measure zero in training, here a wins them
  binary(Maximum, (dy, a, b) => tf.mul(dy, tf.cast(tf.greaterEqual(a, b), 'float32')), (dy, a, b) => tf.mul(dy, tf.cast(tf.less(a, b), 'float32'))),
  {
    kernelName: Relu,
    inputsToSave: ['x'],
    gradFunc: (dy, [x]) => ({ x: () => tf.mul(dy as tf.Tensor, tf.step(x)) }),
  },
  {
    kernelName: Relu6,
    inputsToSave: ['x'],
    gradFunc: (dy, [x]) => ({ x: () => tf.mul(dy as tf.Tensor, tf.mul(tf.step(x), tf.step(tf.neg(tf.sub(x, 6))))) }),
  },
  {
    kernelName: Sigmoid,
    outputsToSave: [true],
    gradFunc: (dy, [y]) => ({ x: () => tf.mul(dy as tf.Tensor, tf.mul(y, tf.sub(1, y))) }),
  },
  {
    kernelName: Mean,
    inputsToSave: ['x'],
    gradFunc: (dy, [x], attrs) => {
      const { axis } = attrs as unknown as MeanAttrs;
      const count = tf.util.parseAxisParam(axis ?? [...x.shape.keys()], x.shape).reduce((n, a) => n * x.shape[a], 1);
      return { x: () => tf.div(spread(dy as tf.Tensor, x, axis), count) };
    },
  },
  {
    kernelName: Sum,
    inputsToSave: ['x'],
    gradFunc: (dy, [x], attrs) => ({ x: () => spread(dy as tf.Tensor, x, (attrs as unknown as SumAttrs).axis) }),
  },
  {
    kernelName: Reshape,
    inputsToSave: ['x'],
    gradFunc: (dy, [x]) => ({ x: () => tf.reshape(dy as tf.Tensor, x.shape) }),
  },
  {
    kernelName: BatchMatMul,
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, [a, b], attrs) => {
      const { transposeA, transposeB } = attrs as unknown as BatchMatMulAttrs;
      const g = dy as tf.Tensor3D;
      const [a3, b3] = [a as tf.Tensor3D, b as tf.Tensor3D];
      // C = op(A) op(B); the four cases of which operand is transposed.
      if (!transposeA && !transposeB) return { a: () => tf.matMul(g, b3, false, true), b: () => tf.matMul(a3, g, true, false) };
      if (!transposeA && transposeB) return { a: () => tf.matMul(g, b3, false, false), b: () => tf.matMul(g, a3, true, false) };
      if (transposeA && !transposeB) return { a: () => tf.matMul(b3, g, false, true), b: () => tf.matMul(a3, g, false, false) };
      return { a: () => tf.matMul(b3, g, true, true), b: () => tf.matMul(g, a3, true, true) };
    },
  },
  {
    kernelName: Conv2D,
    inputsToSave: ['x', 'filter'],
    gradFunc: (dy, [x, filter], attrs) => {
      const { strides, pad, dataFormat, dilations, dimRoundingMode } = attrs as unknown as Conv2DAttrs;
      checkUnitDilations('gradient of Conv2D', dilations);
      const common = { strides, pad, dataFormat, dimRoundingMode };
      return {
        x: () => run(Conv2DBackpropInput, { dy: dy as tf.Tensor, filter }, { ...common, inputShape: x.shape }),
        filter: () => run(Conv2DBackpropFilter, { x, dy: dy as tf.Tensor }, { ...common, filterShape: filter.shape }),
      };
    },
  },
  {
    kernelName: DepthwiseConv2dNative,
    inputsToSave: ['x', 'filter'],
    gradFunc: (dy, [x, filter], attrs) => {
      const { strides, pad, dilations, dimRoundingMode } = attrs as unknown as DepthwiseConv2dNativeAttrs;
      checkUnitDilations('gradient of DepthwiseConv2dNative', dilations);
      const common = { strides, pad, dilations: 1, dimRoundingMode };
      return {
        x: () => run(DepthwiseConv2dNativeBackpropInput, { dy: dy as tf.Tensor, filter }, { ...common, inputShape: x.shape }),
        filter: () => run(DepthwiseConv2dNativeBackpropFilter, { x, dy: dy as tf.Tensor }, { ...common, filterShape: filter.shape }),
      };
    },
  },
  {
    kernelName: MaxPool,
    inputsToSave: ['x'],
    outputsToSave: [true],
    gradFunc: (dy, [x, y], attrs) => {
      const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as MaxPoolAttrs;
      return { x: () => run(MaxPoolGrad, { dy: dy as tf.Tensor, input: x, output: y }, { filterSize, strides, pad, dimRoundingMode }) };
    },
  },
  {
    // tf.avgPool casts its result to the input's dtype (a no-op for float32)
    kernelName: Cast,
    gradFunc: (dy) => ({ x: () => tf.clone(dy as tf.Tensor) }),
  },
  {
    kernelName: AvgPool,
    inputsToSave: ['x'],
    gradFunc: (dy, [x], attrs) => {
      const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as AvgPoolAttrs;
      return { x: () => run(AvgPoolGrad, { dy: dy as tf.Tensor, input: x }, { filterSize, strides, pad, dimRoundingMode }) };
    },
  },
  {
    kernelName: Slice,
    inputsToSave: ['x'],
    gradFunc: (dy, [x], attrs) => {
      const { begin, size } = attrs as unknown as SliceAttrs;
      const [b, sz] = tf.slice_util.parseSliceParams(x, begin, size);
      return { x: () => tf.pad(dy as tf.Tensor, b.map((start, i) => [start, x.shape[i] - start - sz[i]] as [number, number])) };
    },
  },
  {
    kernelName: PadV2,
    inputsToSave: ['x'],
    gradFunc: (dy, [x], attrs) => {
      const { paddings } = attrs as unknown as PadV2Attrs;
      return { x: () => tf.slice(dy as tf.Tensor, paddings.map((p) => p[0]), x.shape) };
    },
  },
  {
    kernelName: Transpose,
    gradFunc: (dy, _saved, attrs) => {
      const { perm } = attrs as unknown as TransposeAttrs;
      const inverse = new Array<number>(perm.length);
      perm.forEach((p, i) => (inverse[p] = i));
      return { x: () => tf.transpose(dy as tf.Tensor, inverse) };
    },
  },
  {
    kernelName: Concat,
    saveAllInputs: true,
    gradFunc: (dy, saved, attrs) => {
      const axis = (attrs as unknown as ConcatAttrs).axis as number;
      const a = axis < 0 ? axis + saved[0].rank : axis;
      const parts = tf.split(dy as tf.Tensor, saved.map((t) => t.shape[a]), a);
      return Object.fromEntries(parts.map((t, i) => [String(i), () => t]));
    },
  },
  {
    kernelName: SplitV,
    gradFunc: (dy, _saved, attrs) => ({ x: () => tf.concat(dy as tf.Tensor[], (attrs as unknown as SplitVAttrs).axis as number) }),
  },
];

/** Registers the gradients above where none is registered yet (idempotent). */
export function registerGradients(): void {
  for (const config of GRADIENTS) if (!getGradient(config.kernelName)) registerGradient(config);
}
