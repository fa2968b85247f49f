/**
 * The one description of a network's structure. Every node type (src/space/nodes/) writes what it is
 * made of against a Builder, in pycls style (`g.bn('a_bn', g.conv('a', x, w, 1))`); the Builder then
 * either only counts (shapes and cost: the sampler's hot path, `dse cx`) or also records the ops
 * (the lowered network both engines build). Counting and building cannot drift apart, because they
 * run the same code.
 *
 * Names form pycls-style module paths: a node "s1.b1" scoped into "f" names its conv "a" s1.b1.f.a,
 * so the engines' parameters are s1.b1.f.a.weight as in pycls.
 */
import { type Activation, type Cost, type OpAttrs, OpError, type OpName, OPS, type Pair, type Shape } from './ops.js';

/** A value flowing between ops: its per-sample shape, and (when recording) the id of the op making it. */
export interface Tensor {
  readonly shape: Shape;
  readonly id: string;
}

/** One recorded op of a lowered network. */
export interface IrOp {
  id: string;
  op: OpName;
  inputs: string[];
  attrs: Record<string, unknown>;
  /** Output shape [c, h, w]. */
  shape: [number, number, number];
}

/** Where a Builder's ops go. */
interface Sink {
  readonly cost: Cost;
  /** Records an op named `name` in scope `g` (the name is made only when recording). */
  emit(g: Builder, name: string, op: OpName, inputs: readonly Tensor[], attrs: object, out: Shape): Tensor;
}

/** Shapes and cost only: no names are made (the sampler's hot path). */
class CountingSink implements Sink {
  readonly cost: Cost = { flops: 0, params: 0, acts: 0 };
  emit(_g: Builder, _name: string, _op: OpName, _inputs: readonly Tensor[], _attrs: object, out: Shape): Tensor {
    return { shape: out, id: '' };
  }
}

class RecordingSink implements Sink {
  readonly cost: Cost = { flops: 0, params: 0, acts: 0 };
  readonly ops: IrOp[] = [];
  private readonly ids = new Set<string>();
  emit(g: Builder, name: string, op: OpName, inputs: readonly Tensor[], attrs: object, out: Shape): Tensor {
    const id = g.path(name);
    if (this.ids.has(id)) throw opError(id, 'two ops have this name');
    this.ids.add(id);
    this.ops.push({ id, op, inputs: inputs.map((t) => t.id), attrs: { ...attrs }, shape: [out.c, out.h, out.w] });
    return { shape: out, id };
  }
}

export interface ConvOptions {
  stride?: number | Pair;
  groups?: number;
  bias?: boolean;
  /** Default: "same" padding, dilation * (k - 1) / 2 (odd kernels only). */
  pad?: number | Pair;
  dilation?: number | Pair;
}

export interface PoolOptions {
  stride?: number | Pair;
  /** Default (k - 1) / 2 for odd kernels, 0 for even ones. */
  pad?: number | Pair;
  ceil?: boolean;
  countIncludePad?: boolean;
}

export interface BnOptions {
  /** Zero-initialized gamma under BN.ZERO_INIT_FINAL_GAMMA: the last BN of a residual branch. */
  final?: boolean;
  eps?: number;
  momentum?: number;
}

/** pycls BN.EPS and BN.MOM (PyTorch convention). */
export const BN_DEFAULTS = { eps: 1e-5, momentum: 0.1 };

/** Shared [v, v] pairs for the small values nearly every op uses (no allocation per op). */
const PAIRS: Pair[] = Array.from({ length: 17 }, (_, v) => Object.freeze([v, v]) as unknown as Pair);
const pair = (v: number | Pair): Pair => (typeof v === 'number' ? (PAIRS[v] ?? [v, v]) : v);

/** "s1.b1.f.b: ..." for an op's problem, keeping the op id for the node-level message. */
function opError(id: string, message: string): OpError {
  const e = new OpError(`${id}: ${message}`);
  e.opId = id;
  return e;
}

export class Builder {
  private constructor(
    private readonly sink: Sink,
    /** Module path of this scope ('' at the top). */
    readonly prefix: string,
    /** BN settings of this network (per-family references use other eps and momentum). */
    readonly bnDefaults: { eps: number; momentum: number } = BN_DEFAULTS,
  ) {}

  static counting(): Builder {
    return new Builder(new CountingSink(), '');
  }

  static recording(): Builder {
    return new Builder(new RecordingSink(), '');
  }

  /** The cost of everything built so far, in every scope. */
  get cost(): Cost {
    return this.sink.cost;
  }

  /** The ops recorded so far (recording builders only). */
  get ops(): IrOp[] {
    if (!(this.sink instanceof RecordingSink)) throw new Error('a counting builder records no ops');
    return this.sink.ops;
  }

  /** The network input as a tensor. */
  input(shape: Shape): Tensor {
    return { shape, id: 'input' };
  }

  /** A child scope: its ops are named prefix.name.op. */
  scope(name: string): Builder {
    return new Builder(this.sink, this.path(name), this.bnDefaults);
  }

  /** The same scope with other BN defaults (a family whose reference uses BN eps 1e-3, say). */
  withBn(bn: { eps: number; momentum: number }): Builder {
    return new Builder(this.sink, this.prefix, bn);
  }

  /** The module path of `name` in this scope ('' names the scope itself: a node made of one op). */
  path(name: string): string {
    if (!name) return this.prefix;
    return this.prefix ? `${this.prefix}.${name}` : name;
  }

  op<K extends OpName>(op: K, name: string, inputs: readonly Tensor[], attrs: OpAttrs[K]): Tensor {
    const def = OPS[op];
    if (inputs.length < def.arity[0] || inputs.length > def.arity[1]) throw opError(this.path(name), `${op} takes ${def.arity.join('..')} inputs, got ${inputs.length}`);
    const shapes = inputs.map((t) => t.shape);
    let out: Shape;
    try {
      out = def.shape(attrs, shapes);
    } catch (e) {
      if (e instanceof OpError) throw opError(this.path(name), e.message);
      throw e;
    }
    def.cost(attrs, shapes, out, this.sink.cost);
    return this.sink.emit(this, name, op, inputs, attrs, out);
  }

  // ---------------------------------------------------------------- the ops, with pycls's defaults

  conv(name: string, x: Tensor, cOut: number, k: number | Pair, o: ConvOptions = {}): Tensor {
    const kk = pair(k);
    const dilation = pair(o.dilation ?? 1);
    let pad: Pair;
    if (o.pad !== undefined) pad = pair(o.pad);
    else {
      if (kk[0] % 2 !== 1 || kk[1] % 2 !== 1) throw opError(this.path(name), `an even kernel ${kk.join('x')} needs explicit padding`);
      const [ph, pw] = [(dilation[0] * (kk[0] - 1)) / 2, (dilation[1] * (kk[1] - 1)) / 2];
      pad = ph === pw ? pair(ph) : [ph, pw];
    }
    return this.op('conv2d', name, [x], { c_in: x.shape.c, c_out: cOut, k: kk, stride: pair(o.stride ?? 1), pad, dilation, groups: o.groups ?? 1, bias: o.bias ?? false });
  }

  bn(name: string, x: Tensor, o: BnOptions = {}): Tensor {
    return this.op('bn', name, [x], { c: x.shape.c, eps: o.eps ?? this.bnDefaults.eps, momentum: o.momentum ?? this.bnDefaults.momentum, zero_init: o.final ?? false });
  }

  act(name: string, x: Tensor, fn: Activation): Tensor {
    return this.op('act', name, [x], { fn });
  }

  relu(name: string, x: Tensor): Tensor {
    return this.act(name, x, 'relu');
  }

  prelu(name: string, x: Tensor): Tensor {
    return this.op('prelu', name, [x], { c: x.shape.c });
  }

  maxPool(name: string, x: Tensor, k: number | Pair, o: PoolOptions = {}): Tensor {
    return this.op('maxpool', name, [x], this.poolAttrs(k, o));
  }

  avgPool(name: string, x: Tensor, k: number | Pair, o: PoolOptions = {}): Tensor {
    return this.op('avgpool', name, [x], this.poolAttrs(k, o));
  }

  private poolAttrs(k: number | Pair, o: PoolOptions): OpAttrs['maxpool'] {
    const kk = pair(k);
    const pad = o.pad !== undefined ? pair(o.pad) : ([kk[0] % 2 ? (kk[0] - 1) / 2 : 0, kk[1] % 2 ? (kk[1] - 1) / 2 : 0] as Pair);
    return { k: kk, stride: pair(o.stride ?? 1), pad, ceil: o.ceil ?? false, count_include_pad: o.countIncludePad ?? true };
  }

  gap(name: string, x: Tensor): Tensor {
    return this.op('gap', name, [x], {});
  }

  linear(name: string, x: Tensor, cOut: number, bias = true): Tensor {
    return this.op('linear', name, [x], { c_in: x.shape.c, c_out: cOut, bias });
  }

  add(name: string, ...xs: Tensor[]): Tensor {
    return this.op('add', name, xs, {});
  }

  mul(name: string, x: Tensor, gate: Tensor): Tensor {
    return this.op('mul', name, [x, gate], {});
  }

  concat(name: string, ...xs: Tensor[]): Tensor {
    return this.op('concat', name, xs, {});
  }

  slice(name: string, x: Tensor, start: number, end: number): Tensor {
    return this.op('slice', name, [x], { start, end });
  }

  shuffle(name: string, x: Tensor, groups: number): Tensor {
    return groups === 1 ? x : this.op('shuffle', name, [x], { groups });
  }

  dropout(name: string, x: Tensor, p: number): Tensor {
    return p > 0 ? this.op('dropout', name, [x], { p }) : x;
  }

  /** A conv whose per-sample kernel is the tensor `kernel` (PyTorch weight order, c_out x c_in/groups x k x k values). */
  dynamicConv(name: string, x: Tensor, kernel: Tensor, cOut: number, k: number, o: { stride?: number; groups?: number } = {}): Tensor {
    return this.op('dynamic_conv', name, [x, kernel], { c_in: x.shape.c, c_out: cOut, k: pair(k), stride: pair(o.stride ?? 1), pad: pair((k - 1) / 2), groups: o.groups ?? 1 });
  }

  max(name: string, a: Tensor, b: Tensor): Tensor {
    return this.op('max', name, [a, b], {});
  }

  offset(name: string, x: Tensor, value: number): Tensor {
    return value === 0 ? x : this.op('offset', name, [x], { value });
  }

  /** Nearest-neighbour resize to the spatial size of `like` (GhostNetV2's attention map onto its features). */
  upsampleTo(name: string, x: Tensor, like: Tensor): Tensor {
    const size: Pair = [like.shape.h, like.shape.w];
    return x.shape.h === size[0] && x.shape.w === size[1] ? x : this.op('upsample', name, [x], { size });
  }

  scale(name: string, x: Tensor, factor: number): Tensor {
    return factor === 1 ? x : this.op('scale', name, [x], { factor });
  }
}
