// The two drift guards, as functions the tests run on every node type example and every preset:
//   hookCount  the torch engine builds the lowered network and counts it with forward hooks (every
//              conv, linear and pool with a kernel): it must equal the registry's analytic count;
//   parity     torch initializes the network (BN statistics randomized), tfjs loads those weights by
//              name, and both run one batch in eval mode: the logits must agree.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { type TfjsModel, type TorchTensor, buildTfjsModel, loadTorchWeights } from '../../src/models/tfjs/model.js';
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
  const dir = mkdtempSync(join(tmpdir(), 'dse-parity-'));
  const weightsPath = join(dir, 'weights.bin');
  let model: TfjsModel | undefined;
  try {
    const out = await slot.forward(opts.torchNetwork ?? lowerSpec(spec), encode(nchw, [batch, c, r, r]), { seed, randomizeBn: true, weightsPath });
    const torchLogits = decode(out.logits).data;
    const built = buildTfjsModel(spec, 0, { initialize: false });
    model = built;
    loadTorchWeights(built, readWeights(weightsPath));
    const logits = tf.tidy(() => {
      const x = tf.transpose(tf.tensor4d(nchw, [batch, c, r, r]), [0, 2, 3, 1]) as tf.Tensor4D;
      return built.forward(x, false).dataSync() as Float32Array;
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
    model?.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The weights file the torch engine writes (protocol.py write_weights). */
export function readWeights(path: string): Record<string, TorchTensor> {
  const buf = readFileSync(path);
  const headLen = buf.readUInt32LE(0);
  const header = JSON.parse(buf.subarray(4, 4 + headLen).toString('utf8')) as Record<string, [number, number[]]>;
  const base = 4 + headLen;
  const out: Record<string, TorchTensor> = {};
  for (const [name, [offset, shape]] of Object.entries(header)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const bytes = buf.subarray(base + offset, base + offset + 4 * n);
    out[name] = { shape, data: new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)) };
  }
  return out;
}

/** The tolerance two float32 engines are held to: 1e-4 of the logits' scale (at least 1e-4). */
export function agrees(p: ParityResult): boolean {
  return p.maxDiff <= 1e-4 * Math.max(1, p.scale);
}
