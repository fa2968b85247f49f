/**
 * The primitive ops every network is lowered to, each with its shape rule and its analytic cost under
 * pycls's conventions, extended to every op the families need:
 *
 *   flops  multiply-accumulates: conv k_h*k_w*(c_in/groups)*c_out*h_out*w_out (+ c_out*h_out*w_out with a
 *          bias), linear c_in*c_out (+ c_out); everything else is free (BN, activations, adds,
 *          multiplies, concat, split, shuffle, pools, dropout)
 *   params every learnable tensor: conv and linear weights and biases, BN 2C, PReLU C
 *   acts   output elements of convs, linears and pools with a kernel (a global average pool is free)
 *
 * Both engines implement exactly these ops (src/models/tfjs/ops.ts, src/models/torch/dse_torch/ops.py),
 * and the Python engine checks its ops against the manifest derived from OPS (src/space/manifest.ts).
 * Shapes are per sample: channels, height, width (a vector is c x 1 x 1).
 */

export interface Shape {
  c: number;
  h: number;
  w: number;
}

export interface Cost {
  flops: number;
  params: number;
  acts: number;
}

export type Pair = [number, number];

export const ACTIVATIONS = ['relu', 'relu6', 'hswish', 'hsigmoid', 'sigmoid', 'silu', 'identity'] as const;
export type Activation = (typeof ACTIVATIONS)[number];

export interface ConvAttrs {
  c_in: number;
  c_out: number;
  k: Pair;
  stride: Pair;
  pad: Pair;
  dilation: Pair;
  groups: number;
  bias: boolean;
}
export interface BnAttrs {
  c: number;
  eps: number;
  momentum: number;
  /** Start gamma at 0 when the recipe asks for it (pycls BN.ZERO_INIT_FINAL_GAMMA: a residual branch's last BN). */
  zero_init: boolean;
}
export interface PoolAttrs {
  k: Pair;
  stride: Pair;
  pad: Pair;
  ceil: boolean;
  /** avgpool only: divide by the whole window, padding included (PyTorch's default). */
  count_include_pad: boolean;
}
export interface LinearAttrs {
  c_in: number;
  c_out: number;
  bias: boolean;
}

/** Attributes of every op, by op name. */
export interface OpAttrs {
  conv2d: ConvAttrs;
  bn: BnAttrs;
  act: { fn: Activation };
  prelu: { c: number };
  maxpool: PoolAttrs;
  avgpool: PoolAttrs;
  gap: Record<string, never>;
  linear: LinearAttrs;
  add: Record<string, never>;
  mul: Record<string, never>;
  concat: Record<string, never>;
  slice: { start: number; end: number };
  shuffle: { groups: number };
  dropout: { p: number };
  scale: { factor: number };
  upsample: { size: Pair };
  dynamic_conv: DynamicConvAttrs;
  max: Record<string, never>;
  offset: { value: number };
}

/** A convolution whose kernel is an input: one kernel per sample (WeightNet), no bias. */
export interface DynamicConvAttrs {
  c_in: number;
  c_out: number;
  k: Pair;
  stride: Pair;
  pad: Pair;
  groups: number;
}
export type OpName = keyof OpAttrs;

export class OpError extends Error {
  /** The op whose inputs or attributes are wrong, when known. */
  opId?: string;
}

export type AttrKind = 'int' | 'float' | 'bool' | 'pair' | 'enum';

export interface OpDef<A> {
  doc: string;
  /** Number of inputs: [min, max] (max Infinity for any). */
  arity: [number, number];
  /** Attribute names and kinds (the manifest the engines check against). */
  attrs: Record<keyof A & string, AttrKind>;
  /** Output shape; throws OpError when the inputs do not fit. */
  shape(a: A, inputs: readonly Shape[]): Shape;
  /** Adds the op's cost, given its inputs and output shape, to `into` (no allocation: the sampler's hot path). */
  cost(a: A, inputs: readonly Shape[], out: Shape, into: Cost): void;
}

const free = () => {};

/** PyTorch's output size of a conv or pool along one axis. */
export function outSize(n: number, k: number, stride: number, pad: number, dilation = 1, ceil = false): number {
  const span = n + 2 * pad - dilation * (k - 1) - 1;
  if (span < 0) return 0;
  let out = (ceil ? Math.ceil(span / stride) : Math.floor(span / stride)) + 1;
  // PyTorch: the last window must start inside the input or the left padding.
  if (ceil && (out - 1) * stride >= n + pad) out -= 1;
  return out;
}

function sameChannels(inputs: readonly Shape[], what: string): void {
  const [a] = inputs;
  for (const s of inputs) {
    if (s.c !== a.c || s.h !== a.h || s.w !== a.w) throw new OpError(`${what} needs inputs of one shape, got ${inputs.map(fmt).join(' and ')}`);
  }
}

export function fmt(s: Shape): string {
  return `${s.c}x${s.h}x${s.w}`;
}

function poolDef(doc: string): OpDef<PoolAttrs> {
  return {
    doc,
    arity: [1, 1],
    attrs: { k: 'pair', stride: 'pair', pad: 'pair', ceil: 'bool', count_include_pad: 'bool' },
    shape(a, [x]) {
      if (a.pad[0] * 2 > a.k[0] || a.pad[1] * 2 > a.k[1]) throw new OpError(`pool padding ${a.pad.join('x')} must be at most half the kernel ${a.k.join('x')}`);
      const h = outSize(x.h, a.k[0], a.stride[0], a.pad[0], 1, a.ceil);
      const w = outSize(x.w, a.k[1], a.stride[1], a.pad[1], 1, a.ceil);
      if (h < 1 || w < 1) throw new OpError(`a ${a.k.join('x')} pool does not fit a ${x.h}x${x.w} input`);
      return { c: x.c, h, w };
    },
    cost: (_a, _i, out, into) => {
      into.acts += out.c * out.h * out.w;
    },
  };
}

export const OPS: { [K in OpName]: OpDef<OpAttrs[K]> } = {
  conv2d: {
    doc: 'convolution: any kernel (k_h x k_w), per-axis stride, explicit padding, dilation, groups, optional bias',
    arity: [1, 1],
    attrs: { c_in: 'int', c_out: 'int', k: 'pair', stride: 'pair', pad: 'pair', dilation: 'pair', groups: 'int', bias: 'bool' },
    shape(a, [x]) {
      if (x.c !== a.c_in) throw new OpError(`conv expects ${a.c_in} input channels, got ${x.c}`);
      if (a.c_in % a.groups !== 0 || a.c_out % a.groups !== 0) throw new OpError(`conv ${a.c_in} -> ${a.c_out} channels do not split into ${a.groups} groups`);
      const h = outSize(x.h, a.k[0], a.stride[0], a.pad[0], a.dilation[0]);
      const w = outSize(x.w, a.k[1], a.stride[1], a.pad[1], a.dilation[1]);
      if (h < 1 || w < 1) throw new OpError(`a ${a.k.join('x')} conv does not fit a ${x.h}x${x.w} input`);
      return { c: a.c_out, h, w };
    },
    cost(a, _i, out, into) {
      const weights = (a.k[0] * a.k[1] * a.c_in * a.c_out) / a.groups;
      const positions = out.h * out.w;
      into.flops += weights * positions + (a.bias ? a.c_out * positions : 0);
      into.params += weights + (a.bias ? a.c_out : 0);
      into.acts += a.c_out * positions;
    },
  },
  bn: {
    doc: 'batch normalization (affine): 2C params, free',
    arity: [1, 1],
    attrs: { c: 'int', eps: 'float', momentum: 'float', zero_init: 'bool' },
    shape(a, [x]) {
      if (x.c !== a.c) throw new OpError(`BN expects ${a.c} channels, got ${x.c}`);
      return x;
    },
    cost: (a, _i, _o, into) => {
      into.params += 2 * a.c;
    },
  },
  act: {
    doc: `activation (free): ${ACTIVATIONS.join(', ')}`,
    arity: [1, 1],
    attrs: { fn: 'enum' },
    shape: (_a, [x]) => x,
    cost: free,
  },
  prelu: {
    doc: 'PReLU with one slope per channel: C params, free',
    arity: [1, 1],
    attrs: { c: 'int' },
    shape(a, [x]) {
      if (x.c !== a.c) throw new OpError(`PReLU expects ${a.c} channels, got ${x.c}`);
      return x;
    },
    cost: (a, _i, _o, into) => {
      into.params += a.c;
    },
  },
  maxpool: poolDef('max pool (kernel, stride, padding, ceil mode): C*h*w acts'),
  avgpool: poolDef('average pool (kernel, stride, padding, ceil mode, count_include_pad): C*h*w acts'),
  gap: {
    doc: 'global average pool to 1x1 (free, as pycls)',
    arity: [1, 1],
    attrs: {},
    shape: (_a, [x]) => ({ c: x.c, h: 1, w: 1 }),
    cost: free,
  },
  linear: {
    doc: 'fully connected layer on a c x 1 x 1 input, optional bias',
    arity: [1, 1],
    attrs: { c_in: 'int', c_out: 'int', bias: 'bool' },
    shape(a, [x]) {
      if (x.h !== 1 || x.w !== 1) throw new OpError(`linear needs a pooled (c x 1 x 1) input, got ${fmt(x)}`);
      if (x.c !== a.c_in) throw new OpError(`linear expects ${a.c_in} inputs, got ${x.c}`);
      return { c: a.c_out, h: 1, w: 1 };
    },
    cost: (a, _i, _o, into) => {
      const n = a.c_in * a.c_out + (a.bias ? a.c_out : 0);
      into.flops += n;
      into.params += n;
      into.acts += a.c_out;
    },
  },
  add: {
    doc: 'elementwise sum of inputs of one shape (free)',
    arity: [2, Infinity],
    attrs: {},
    shape(_a, inputs) {
      sameChannels(inputs, 'add');
      return inputs[0];
    },
    cost: free,
  },
  mul: {
    doc: 'x * gate, the gate c x 1 x 1 (SE) or of x\'s shape (free)',
    arity: [2, 2],
    attrs: {},
    shape(_a, [x, g]) {
      if (g.c !== x.c || !((g.h === 1 && g.w === 1) || (g.h === x.h && g.w === x.w))) throw new OpError(`mul: a ${fmt(g)} gate does not fit a ${fmt(x)} input`);
      return x;
    },
    cost: free,
  },
  concat: {
    doc: 'channel concatenation of inputs of one resolution (free)',
    arity: [1, Infinity],
    attrs: {},
    shape(_a, inputs) {
      const [a] = inputs;
      if (inputs.some((s) => s.h !== a.h || s.w !== a.w)) throw new OpError(`concat needs inputs of one resolution, got ${inputs.map(fmt).join(' and ')}`);
      return { c: inputs.reduce((n, s) => n + s.c, 0), h: a.h, w: a.w };
    },
    cost: free,
  },
  slice: {
    doc: 'channels [start, end) of the input (free): channel split, GhostNet\'s slice',
    arity: [1, 1],
    attrs: { start: 'int', end: 'int' },
    shape(a, [x]) {
      if (!(a.start >= 0 && a.start < a.end && a.end <= x.c)) throw new OpError(`slice [${a.start}, ${a.end}) is outside the ${x.c} channels`);
      return { c: a.end - a.start, h: x.h, w: x.w };
    },
    cost: free,
  },
  shuffle: {
    doc: 'channel shuffle in g groups (ShuffleNet): free',
    arity: [1, 1],
    attrs: { groups: 'int' },
    shape(a, [x]) {
      if (x.c % a.groups !== 0) throw new OpError(`channel shuffle: ${x.c} channels do not split into ${a.groups} groups`);
      return x;
    },
    cost: free,
  },
  dropout: {
    doc: 'dropout with probability p (free; identity in eval mode)',
    arity: [1, 1],
    attrs: { p: 'float' },
    shape: (_a, [x]) => x,
    cost: free,
  },
  scale: {
    doc: 'multiply by a constant (free)',
    arity: [1, 1],
    attrs: { factor: 'float' },
    shape: (_a, [x]) => x,
    cost: free,
  },
  dynamic_conv: {
    doc: 'convolution with a kernel per sample, given as its second input (c_out * c_in/groups * k_h * k_w values, PyTorch weight order); costed as a conv of that shape, its kernel not a parameter',
    arity: [2, 2],
    attrs: { c_in: 'int', c_out: 'int', k: 'pair', stride: 'pair', pad: 'pair', groups: 'int' },
    shape(a, [x, kernel]) {
      if (x.c !== a.c_in) throw new OpError(`dynamic conv expects ${a.c_in} input channels, got ${x.c}`);
      if (a.c_in % a.groups !== 0 || a.c_out % a.groups !== 0) throw new OpError(`dynamic conv ${a.c_in} -> ${a.c_out} channels do not split into ${a.groups} groups`);
      const size = (a.c_out * a.c_in * a.k[0] * a.k[1]) / a.groups;
      if (kernel.c !== size || kernel.h !== 1 || kernel.w !== 1) throw new OpError(`dynamic conv kernel must be ${size}x1x1, got ${fmt(kernel)}`);
      const h = outSize(x.h, a.k[0], a.stride[0], a.pad[0]);
      const w = outSize(x.w, a.k[1], a.stride[1], a.pad[1]);
      if (h < 1 || w < 1) throw new OpError(`a ${a.k.join('x')} conv does not fit a ${x.h}x${x.w} input`);
      return { c: a.c_out, h, w };
    },
    cost(a, _i, out, into) {
      const positions = out.h * out.w;
      into.flops += ((a.k[0] * a.k[1] * a.c_in) / a.groups) * a.c_out * positions;
      into.acts += a.c_out * positions;
    },
  },
  max: {
    doc: 'elementwise maximum of two inputs of one shape (MicroNet\'s Shift-Max; free)',
    arity: [2, 2],
    attrs: {},
    shape(_a, inputs) {
      sameChannels(inputs, 'max');
      return inputs[0];
    },
    cost: free,
  },
  offset: {
    doc: 'add a constant (free)',
    arity: [1, 1],
    attrs: { value: 'float' },
    shape: (_a, [x]) => x,
    cost: free,
  },
  upsample: {
    doc: 'nearest-neighbour resize to size [h, w] (PyTorch F.interpolate mode "nearest": source index floor(i * in / out)); free',
    arity: [1, 1],
    attrs: { size: 'pair' },
    shape(a, [x]) {
      if (!(a.size[0] >= 1 && a.size[1] >= 1)) throw new OpError(`upsample to ${a.size.join('x')}: the size must be positive`);
      return { c: x.c, h: a.size[0], w: a.size[1] };
    },
    cost: free,
  },
};

export const OP_NAMES = Object.keys(OPS) as OpName[];
