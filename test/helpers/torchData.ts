/** A tiny learnable dataset file and a tiny spec for tests that train through a real torch slot. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import seedrandom from 'seedrandom';
import { writeTensorFile } from '../../src/models/data/tensorFile.js';
import type { ImageDataset, ImageSplit } from '../../src/models/data/types.js';
import { buildAnyNetSpec } from '../../src/space/build.js';
import type { DatasetRef } from '../../src/workers/engine.js';
import { findTorchPython } from '../../src/workers/torch/python.js';

export const CLASSES = 4;
export const CHANNELS = 2;
export const RES = 8;

export const SPEC = buildAnyNetSpec(
  { depths: [1, 1], widths: [8, 16], strides: [1, 2], params: { group_w: [4, 8], bot_mul: [1, 1] } },
  { stem: 'res_stem_cifar', stemW: 8, blockType: 'res_bottleneck_block', resolution: RES, numClasses: CLASSES, inputChannels: CHANNELS },
);

/**
 * Learnable synthetic images: a fixed random pattern per class plus pixel noise. The splits of
 * `sizes` are drawn in order from one seeded stream (the patterns first).
 */
export function patternSplits(seed: string, sizes: number[]): ImageSplit[] {
  const rng = seedrandom(seed);
  const pixels = CHANNELS * RES * RES;
  const patterns = Array.from({ length: CLASSES }, () => Float64Array.from({ length: pixels }, () => 40 + 175 * rng()));
  return sizes.map((n) => {
    const x = new Uint8Array(n * pixels);
    const y = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      y[i] = i % CLASSES;
      for (let p = 0; p < pixels; p++) x[i * pixels + p] = Math.max(0, Math.min(255, Math.round(patterns[y[i]][p] + 60 * (rng() - 0.5))));
    }
    return { x, y, n };
  });
}

function dataset(trainN: number, testN: number, valN = 0): ImageDataset {
  const [train, test, val] = patternSplits('torch-data', valN > 0 ? [trainN, testN, valN] : [trainN, testN]);
  return { name: 'synthetic-test', num_classes: CLASSES, channels: CHANNELS, height: RES, width: RES, train, test, ...(val && { val }), mean: [0.5, 0.5], std: [0.25, 0.25] };
}

/** Runs fn with a 128-image training set (and 32 test images, and valN validation images) written to a temporary file. */
export async function withDataset<T>(fn: (ref: DatasetRef) => Promise<T>, valN = 0): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'dse-torch-data-'));
  try {
    const ds = dataset(128, 32, valN);
    const path = join(dir, 'synthetic.dsedata');
    writeTensorFile(path, ds);
    return await fn({ name: ds.name, path, num_classes: CLASSES, channels: CHANNELS, resolution: RES, mean: ds.mean, std: ds.std });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Why torch tests cannot run here (no python3 with torch), or null when they can. */
export async function torchMissing(): Promise<string | null> {
  try {
    await findTorchPython();
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}
