/**
 * A generated, seeded dataset that a small CNN learns in an epoch or two, at any size, channel count
 * and resolution. Each class has a smooth prototype per channel (a sum of three low-frequency 2-D
 * cosines); an image is its class prototype at a random amplitude and a random cyclic shift of up to
 * 1/8 of the side, plus one of a few class-independent smooth "background" patterns, plus pixel noise.
 * Frequencies are in cycles per image, so the task looks the same at every resolution.
 */
import { gaussian, rngFor, shuffle, type Rng } from './rng.js';
import type { ImageSplit, RawDataset } from './types.js';

export interface SyntheticOptions {
  train_size: number;
  test_size: number;
  resolution: number;
  channels: number;
  num_classes: number;
  seed: number;
}

const WAVES = 3;
const MIN_FREQ = 2;
const MAX_FREQ = 5;
const BACKGROUNDS = 8;
const SIGNAL = 70;
const BACKGROUND = 15;
const NOISE = 15;

/** A smooth pattern in [-1, 1]: `channels` planes of side `res`, concatenated. */
function smoothPattern(rng: Rng, channels: number, res: number): Float64Array {
  const out = new Float64Array(channels * res * res);
  for (let c = 0; c < channels; c++) {
    const plane = out.subarray(c * res * res, (c + 1) * res * res);
    for (let w = 0; w < WAVES; w++) {
      // A wave of MIN_FREQ..MAX_FREQ cycles per image in a random direction.
      let fx = 0;
      let fy = 0;
      while (Math.hypot(fx, fy) < MIN_FREQ || Math.hypot(fx, fy) > MAX_FREQ) {
        fx = Math.floor(rng() * (2 * MAX_FREQ + 1)) - MAX_FREQ;
        fy = Math.floor(rng() * (MAX_FREQ + 1));
      }
      const amp = 0.5 + 0.5 * rng();
      const phase = 2 * Math.PI * rng();
      for (let y = 0; y < res; y++) {
        for (let x = 0; x < res; x++) plane[y * res + x] += amp * Math.cos((2 * Math.PI * (fx * x + fy * y)) / res + phase);
      }
    }
    let peak = 0;
    for (const v of plane) peak = Math.max(peak, Math.abs(v));
    if (peak > 0) for (let i = 0; i < plane.length; i++) plane[i] /= peak;
  }
  return out;
}

function generateSplit(n: number, prototypes: Float64Array[], backgrounds: Float64Array[], opts: SyntheticOptions, rng: Rng): ImageSplit {
  const { channels, resolution: res, num_classes } = opts;
  const normal = gaussian(rng);
  const labels = shuffle(Array.from({ length: n }, (_, i) => i % num_classes), rng);
  const chw = channels * res * res;
  const x = new Uint8Array(n * chw);
  const maxShift = Math.max(0, Math.floor(res / 8));
  for (let i = 0; i < n; i++) {
    const proto = prototypes[labels[i]];
    const bg = backgrounds[Math.floor(rng() * backgrounds.length)];
    const amp = SIGNAL * (0.7 + 0.6 * rng());
    const bgAmp = BACKGROUND * rng();
    const dx = Math.floor(rng() * (2 * maxShift + 1)) - maxShift;
    const dy = Math.floor(rng() * (2 * maxShift + 1)) - maxShift;
    const img = x.subarray(i * chw, (i + 1) * chw);
    for (let c = 0; c < channels; c++) {
      const base = c * res * res;
      for (let yy = 0; yy < res; yy++) {
        const sy = (yy + dy + res) % res;
        for (let xx = 0; xx < res; xx++) {
          const sx = (xx + dx + res) % res;
          const k = base + yy * res + xx;
          const v = 128 + amp * proto[base + sy * res + sx] + bgAmp * bg[k] + NOISE * normal();
          img[k] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
        }
      }
    }
  }
  return { n, x, y: Uint8Array.from(labels) };
}

export function generateSynthetic(opts: SyntheticOptions): RawDataset {
  const patterns = rngFor(opts.seed, 'synthetic-patterns');
  const prototypes = Array.from({ length: opts.num_classes }, () => smoothPattern(patterns, opts.channels, opts.resolution));
  const backgrounds = Array.from({ length: BACKGROUNDS }, () => smoothPattern(patterns, opts.channels, opts.resolution));
  return {
    name: 'synthetic', num_classes: opts.num_classes, channels: opts.channels, height: opts.resolution, width: opts.resolution,
    train: generateSplit(opts.train_size, prototypes, backgrounds, opts, rngFor(opts.seed, 'synthetic-train')),
    test: generateSplit(opts.test_size, prototypes, backgrounds, opts, rngFor(opts.seed, 'synthetic-test')),
  };
}
