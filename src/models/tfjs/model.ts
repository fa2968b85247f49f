/**
 * A tfjs network from a ModelSpec: the spec is lowered to primitive ops (src/space/graph.ts), each op
 * gets its builder (ops.ts), and the forward pass runs the ops in topological order, freeing values
 * after their last use. Usable in any thread with an initialized backend; the worker trains it, tests
 * count its parameters and compare its logits with the torch engine's.
 */
import * as tf from '@tensorflow/tfjs-core';
import { type Complexity, type LoweredNetwork, type ModelSpec, lowerSpec } from '../../space/index.js';
import { LayerFactory, type ModelBuffer, type ModelParameter } from './layers.js';
import { OP_BUILDERS, type OpForward } from './ops.js';

export interface TfjsModel {
  spec: ModelSpec;
  network: LoweredNetwork;
  /** Number of trainable parameters (equals complexity(spec).params, checked at build). */
  params: number;
  parameters: ModelParameter[];
  /** BN running statistics. */
  buffers: ModelBuffer[];
  /** NHWC float input [N, res, res, channels] to logits [N, num_classes]. Call inside tf.tidy. */
  forward(x: tf.Tensor4D, training: boolean): tf.Tensor2D;
  /**
   * Precise BN: runs `pass`, whose training-mode forwards pool every BN's input statistics, then sets
   * the running statistics to the pooled mean and unbiased variance.
   */
  recomputeBnStats(pass: () => void): void;
  /** Frees every variable of the model. */
  dispose(): void;
}

export interface BuildOptions {
  /** pycls BN.ZERO_INIT_FINAL_GAMMA: start each residual branch's last BN at gamma 0. */
  zeroInitFinalGamma?: boolean;
  /** Build this lowered network instead of the spec's own lowering (tests use it to inject drift). */
  network?: LoweredNetwork;
  /** false: leave the parameters at zero (weights are about to be loaded). */
  initialize?: boolean;
}

/** The built network has other parameters than the spec counts: an engine builds what was not costed. */
export class BuildMismatchError extends Error {}

/** Builds and initializes (seeded, pycls init) the network a spec describes; throws SpecError on a bad spec. */
export function buildTfjsModel(spec: ModelSpec, seed: number, opts: BuildOptions = {}): TfjsModel {
  const network = opts.network ?? lowerSpec(spec);
  const f = new LayerFactory(seed, opts.zeroInitFinalGamma ?? false, opts.initialize ?? true);
  try {
    const steps: Array<{ id: string; inputs: string[]; run: OpForward }> = network.ops.map((op) => {
      const builder = OP_BUILDERS[op.op] as unknown as (f: LayerFactory, id: string, a: unknown, op: unknown) => OpForward;
      if (!builder) throw new Error(`${op.id}: the tfjs engine has no op "${op.op}"`);
      return { id: op.id, inputs: op.inputs, run: builder(f, op.id, op.attrs, op) };
    });
    const params = f.parameters.reduce((sum, p) => sum + p.variable.size, 0);
    checkBuilt(params, network.cost);
    const lastUse = new Map<string, number>();
    steps.forEach((s, i) => s.inputs.forEach((id) => lastUse.set(id, i)));
    return {
      spec,
      network,
      params,
      parameters: f.parameters,
      buffers: f.buffers,
      forward(x, training) {
        const values = new Map<string, tf.Tensor4D>([['input', x]]);
        steps.forEach((s, i) => {
          values.set(s.id, s.run(s.inputs.map((id) => values.get(id)!), training));
          // Inside tf.tidy nothing is freed early, but dropping references keeps the map small.
          for (const id of s.inputs) if (lastUse.get(id) === i && id !== network.output) values.delete(id);
        });
        const out = values.get(network.output)!;
        return tf.reshape(out, [out.shape[0], out.shape[3]]) as tf.Tensor2D;
      },
      recomputeBnStats(pass) {
        f.beginPreciseBn();
        try {
          pass();
        } catch (e) {
          f.endPreciseBn(false);
          throw e;
        }
        f.endPreciseBn(true);
      },
      dispose: () => f.dispose(),
    };
  } catch (e) {
    f.dispose();
    throw e;
  }
}

function checkBuilt(params: number, cost: Complexity): void {
  if (params !== cost.params) throw new BuildMismatchError(`the tfjs engine built ${params} parameters but the spec counts ${cost.params}`);
}

/** A tensor in PyTorch's layout (as the torch engine's state_dict holds it). */
export interface TorchTensor {
  shape: number[];
  data: Float32Array;
}

/** PyTorch's layout of a parameter from tfjs's: conv [kh,kw,ci,co] -> [co,ci,kh,kw]; linear [in,out] -> [out,in]. */
const TO_TORCH: Record<ModelParameter['layout'], number[] | null> = { conv: [3, 2, 0, 1], linear: [1, 0], vector: null };
const FROM_TORCH: Record<ModelParameter['layout'], number[] | null> = { conv: [2, 3, 1, 0], linear: [1, 0], vector: null };

/** Sets parameters and BN statistics from tensors named and laid out as a PyTorch state_dict. */
export function loadTorchWeights(model: TfjsModel, weights: Record<string, TorchTensor>): void {
  const targets: Array<{ name: string; variable: tf.Variable; perm: number[] | null }> = [
    ...model.parameters.map((p) => ({ name: p.name, variable: p.variable, perm: FROM_TORCH[p.layout] })),
    ...model.buffers.map((b) => ({ name: b.name, variable: b.variable, perm: null })),
  ];
  const missing = targets.filter((t) => !weights[t.name]).map((t) => t.name);
  if (missing.length) throw new Error(`weights lack ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ` and ${missing.length - 5} more` : ''}`);
  for (const t of targets) {
    const w = weights[t.name];
    tf.tidy(() => {
      const torch = tf.tensor(w.data, w.shape, 'float32');
      const value = t.perm ? tf.transpose(torch, t.perm) : torch;
      if (value.shape.join() !== t.variable.shape.join()) throw new Error(`${t.name}: shape ${value.shape} does not fit ${t.variable.shape}`);
      t.variable.assign(value);
    });
  }
}

/** The model's parameters and BN statistics named and laid out as a PyTorch state_dict. */
export function torchWeights(model: TfjsModel): Record<string, TorchTensor> {
  const out: Record<string, TorchTensor> = {};
  for (const p of model.parameters) {
    const perm = TO_TORCH[p.layout];
    const t = tf.tidy(() => (perm ? tf.transpose(p.variable, perm) : p.variable.clone()));
    out[p.name] = { shape: t.shape, data: t.dataSync() as Float32Array };
    t.dispose();
  }
  for (const b of model.buffers) out[b.name] = { shape: b.variable.shape, data: b.variable.dataSync() as Float32Array };
  return out;
}
