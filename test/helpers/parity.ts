// The two drift guards, as functions the tests run on every node type example and every preset:
//   hookCount  the torch engine builds the lowered network and counts it with forward hooks (every
//              conv, linear and pool with a kernel): it must equal the registry's analytic count;
//   parity     torch initializes the network (BN statistics randomized), tfjs loads those weights by
//              name, and both run one batch in eval mode: the logits must agree.
import * as tf from '@tensorflow/tfjs-core';
import { buildTfjsModel, loadTorchWeights, type TorchTensor } from '../../src/models/tfjs/model.js';
import { type Complexity, type LoweredNetwork, type ModelSpec, lowerSpec } from '../../src/space/index.js';
import type { TorchSlot } from '../../src/workers/torch/slot.js';
import type { EncodedTensor } from '../../src/workers/torch/trainerProcess.js';
import { Rng } from '../../src/sampler/rng.js';

export function encode(data: Float32Array, shape: number[]): EncodedTensor {
  return { shape, data: Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64') };
}

export function decode(t: EncodedTensor): TorchTensor {
  const bytes = Buffer.from(t.data, 'base64');
  return { shape: t.shape, data: new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)) };
}

/** What the torch engine builds: its parameter count and the forward-hook counter's numbers. */
export async function hookCount(slot: TorchSlot, spec: ModelSpec, network: LoweredNetwork = lowerSpec(spec)): Promise<{ params: number; count: Complexity }> {
  return slot.build(spec, network);
}

export interface ParityResult {
  /** Largest |torch - tfjs| over the logits. */
  maxDiff: number;
  /** Largest |logit| (for a relative tolerance). */
  scale: number;
  torch: Float32Array;
  tfjs: Float32Array;
}

/**
 * Eval-mode logits of both engines on one seeded batch, with torch's weights loaded into tfjs by name.
 * `torchNetwork` lets a test hand torch a different (mutated) network than tfjs builds from the spec.
 */
export async function parity(slot: TorchSlot, spec: ModelSpec, opts: { batch?: number; seed?: number; torchNetwork?: LoweredNetwork } = {}): Promise<ParityResult> {
  const batch = opts.batch ?? 2;
  const seed = opts.seed ?? 3;
  const { channels: c, resolution: r } = spec.input;
  const rng = new Rng(`parity-${seed}`);
  const nchw = Float32Array.from({ length: batch * c * r * r }, () => rng.uniform(-1, 1));
  const out = await slot.forward(opts.torchNetwork ?? lowerSpec(spec), encode(nchw, [batch, c, r, r]), { seed, randomizeBn: true });
  const torchLogits = decode(out.logits).data;
  const model = buildTfjsModel(spec, 0);
  try {
    loadTorchWeights(model, Object.fromEntries(Object.entries(out.weights).map(([k, v]) => [k, decode(v)])));
    const logits = tf.tidy(() => {
      const x = tf.transpose(tf.tensor4d(nchw, [batch, c, r, r]), [0, 2, 3, 1]) as tf.Tensor4D;
      return model.forward(x, false).dataSync() as Float32Array;
    });
    let maxDiff = 0;
    let scale = 0;
    for (let i = 0; i < logits.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(logits[i] - torchLogits[i]));
      scale = Math.max(scale, Math.abs(torchLogits[i]));
    }
    if (logits.length !== torchLogits.length) maxDiff = Infinity;
    return { maxDiff, scale, torch: torchLogits, tfjs: logits };
  } finally {
    model.dispose();
  }
}

/** The tolerance two float32 engines are held to: 1e-4 of the logits' scale (at least 1e-4). */
export function agrees(p: ParityResult): boolean {
  return p.maxDiff <= 1e-4 * Math.max(1, p.scale);
}
