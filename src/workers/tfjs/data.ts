/**
 * The prepared dataset as the tfjs engine trains on it: read once per thread with readTensorFile,
 * converted from uint8 NCHW to float32 NHWC normalized by the per-channel mean/std, and cached by
 * path (with the file's identity and the normalization) across the trials of the thread. Only the most
 * recent dataset is kept: a sweep trains hundreds of trials on one.
 *
 * Training batches are assembled here in JavaScript: a seeded random crop from the image zero-padded
 * (in normalized space, as pycls pads) by augment_pad on each side, and a horizontal flip.
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { readTensorFile } from '../../models/data/tensorFile.js';
import type { DatasetRef } from '../engine.js';
import type { Rng } from '../../models/data/rng.js';

export interface Split {
  n: number;
  /** n * height * width * channels floats, NHWC, normalized. */
  x: Float32Array;
  y: Uint8Array;
}

export interface TrainingData {
  path: string;
  numClasses: number;
  channels: number;
  height: number;
  width: number;
  train: Split;
  test: Split;
  /** Held out of the training subset; n 0 when the dataset has no validation split. */
  val: Split;
  /** Largest label in any split (checked against the head's classes). */
  maxLabel: number;
}

/** A trial-level problem with the data (unreadable, inconsistent); it fails that trial with this message. */
export class TrialDataError extends Error {}

let cached: { key: string; data: TrainingData } | null = null;

export function loadTrainingData(ref: DatasetRef): TrainingData {
  const path = resolve(ref.path);
  let identity: string;
  try {
    const st = statSync(path);
    identity = `${st.mtimeMs}:${st.size}`;
  } catch (e) {
    throw new TrialDataError(`prepared dataset ${ref.path} cannot be read: ${(e as Error).message}`);
  }
  const key = JSON.stringify([path, identity, ref.mean ?? null, ref.std ?? null]);
  if (cached?.key === key) return cached.data;
  cached = null; // let the previous dataset go before the next one is allocated
  const raw = readTensorFile(path);
  const mean = ref.mean?.length ? ref.mean : raw.mean;
  const std = ref.std?.length ? ref.std : raw.std;
  if (mean.length !== raw.channels || std.length !== raw.channels) {
    throw new TrialDataError(`dataset ${ref.path}: mean/std have ${mean.length}/${std.length} entries for ${raw.channels} channels`);
  }
  if (std.some((s) => !(s > 0))) throw new TrialDataError(`dataset ${ref.path}: std must be positive, got ${std.join(', ')}`);
  const convert = (x: Uint8Array, y: Uint8Array, n: number): Split => ({ n, x: toNormalizedNHWC(x, n, raw.channels, raw.height * raw.width, mean, std), y: Uint8Array.from(y) });
  const data: TrainingData = {
    path: ref.path,
    numClasses: raw.num_classes,
    channels: raw.channels,
    height: raw.height,
    width: raw.width,
    train: convert(raw.train.x, raw.train.y, raw.train.n),
    test: convert(raw.test.x, raw.test.y, raw.test.n),
    val: raw.val ? convert(raw.val.x, raw.val.y, raw.val.n) : { n: 0, x: new Float32Array(0), y: new Uint8Array(0) },
    maxLabel: Math.max(maxLabelOf(raw.train.y), maxLabelOf(raw.test.y), maxLabelOf(raw.val?.y ?? new Uint8Array(0))),
  };
  cached = { key, data };
  return data;
}

/** The largest label, 0 for none. */
function maxLabelOf(labels: Uint8Array): number {
  let m = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] > m) m = labels[i];
  return m;
}

/** uint8 NCHW -> float32 NHWC, (x / 255 - mean[c]) / std[c]. */
function toNormalizedNHWC(src: Uint8Array, n: number, channels: number, pixels: number, mean: number[], std: number[]): Float32Array {
  const out = new Float32Array(n * pixels * channels);
  for (let c = 0; c < channels; c++) {
    const scale = 1 / (255 * std[c]);
    const shift = -mean[c] / std[c];
    for (let i = 0; i < n; i++) {
      const from = (i * channels + c) * pixels;
      const to = i * pixels * channels + c;
      for (let p = 0; p < pixels; p++) out[to + p * channels] = src[from + p] * scale + shift;
    }
  }
  return out;
}

export interface Augmentation {
  /** Zero padding on each side before the random crop; 0 disables cropping. */
  pad: number;
  flip: boolean;
}

/**
 * Writes the images `indices` of `split` into `out` (NHWC, indices.length images), each cropped at a
 * random offset in [0, 2 * pad] of its padded version and flipped with probability 1/2.
 * Draws per image, in order: the row offset, the column offset (when pad > 0), the flip (when on).
 */
export function fillAugmentedBatch(data: TrainingData, split: Split, indices: ArrayLike<number>, aug: Augmentation, rng: Rng, out: Float32Array): void {
  const { height: h, width: w, channels: c } = data;
  const rowLen = w * c;
  const image = h * rowLen;
  for (let b = 0; b < indices.length; b++) {
    const src = indices[b] * image;
    const dst = b * image;
    const dy = aug.pad ? Math.floor(rng() * (2 * aug.pad + 1)) - aug.pad : 0;
    const dx = aug.pad ? Math.floor(rng() * (2 * aug.pad + 1)) - aug.pad : 0;
    const flip = aug.flip && rng() < 0.5;
    for (let r = 0; r < h; r++) {
      const sr = r + dy;
      const rowOut = dst + r * rowLen;
      if (sr < 0 || sr >= h) {
        out.fill(0, rowOut, rowOut + rowLen);
        continue;
      }
      const rowIn = src + sr * rowLen;
      if (!flip) {
        // Contiguous run of in-range columns, zeros either side.
        const lo = Math.max(0, -dx);
        const hi = Math.min(w, w - dx);
        if (hi <= lo) {
          out.fill(0, rowOut, rowOut + rowLen);
          continue;
        }
        out.fill(0, rowOut, rowOut + lo * c);
        out.set(split.x.subarray(rowIn + (lo + dx) * c, rowIn + (hi + dx) * c), rowOut + lo * c);
        out.fill(0, rowOut + hi * c, rowOut + rowLen);
        continue;
      }
      for (let col = 0; col < w; col++) {
        // Flipped: output column col shows padded column (w - 1 - col) + offset.
        const sc = w - 1 - col + dx;
        const o = rowOut + col * c;
        if (sc < 0 || sc >= w) out.fill(0, o, o + c);
        else for (let k = 0; k < c; k++) out[o + k] = split.x[rowIn + sc * c + k];
      }
    }
  }
}

/** Copies images [start, start + count) of `split` unchanged (evaluation). */
export function sliceBatch(data: TrainingData, split: Split, start: number, count: number): Float32Array {
  const image = data.height * data.width * data.channels;
  return split.x.subarray(start * image, (start + count) * image);
}
