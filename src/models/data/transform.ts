/** Pixel-level transforms of whole splits (channel replication, resizing) and normalization statistics. */
import type { ResizeMode } from './config.js';
import type { ImageSplit, RawDataset } from './types.js';

/** Repeats a single gray channel `channels` times (e.g. Fashion-MNIST for a 3-channel network). */
export function replicateChannels(ds: RawDataset, channels: number): RawDataset {
  const hw = ds.height * ds.width;
  const grow = (split: ImageSplit): ImageSplit => {
    const x = new Uint8Array(split.n * channels * hw);
    for (let i = 0; i < split.n; i++) {
      const src = split.x.subarray(i * hw, (i + 1) * hw);
      for (let c = 0; c < channels; c++) x.set(src, (i * channels + c) * hw);
    }
    return { n: split.n, x, y: split.y };
  };
  return { ...ds, channels, train: grow(ds.train), test: grow(ds.test), ...(ds.val && { val: grow(ds.val) }) };
}

/** Resamples one plane (src, sh x sw) into dst (dh x dw); made for given sizes by a *Resizer function. */
type PlaneResizer = (src: Uint8Array, dst: Uint8Array) => void;

/**
 * Bilinear resampling with half-pixel centres and edge clamping, rounded to the nearest byte: torch's
 * F.interpolate(mode='bilinear', align_corners=False) without antialiasing. The sampling tables
 * depend only on the sizes, so they are built once for every plane.
 */
function bilinearResizer(sh: number, sw: number, dh: number, dw: number): PlaneResizer {
  const axis = (dn: number, sn: number) => {
    const lo = new Int32Array(dn);
    const hi = new Int32Array(dn);
    const t = new Float64Array(dn);
    for (let i = 0; i < dn; i++) {
      const s = Math.max(0, ((i + 0.5) * sn) / dn - 0.5);
      lo[i] = Math.min(Math.floor(s), sn - 1);
      hi[i] = Math.min(lo[i] + 1, sn - 1);
      t[i] = s - lo[i];
    }
    return { lo, hi, t };
  };
  const ys = axis(dh, sh);
  const xs = axis(dw, sw);
  return (src, dst) => {
    for (let y = 0; y < dh; y++) {
      const r0 = ys.lo[y] * sw;
      const r1 = ys.hi[y] * sw;
      const ty = ys.t[y];
      for (let x = 0; x < dw; x++) {
        const tx = xs.t[x];
        const top = src[r0 + xs.lo[x]] * (1 - tx) + src[r0 + xs.hi[x]] * tx;
        const bottom = src[r1 + xs.lo[x]] * (1 - tx) + src[r1 + xs.hi[x]] * tx;
        dst[y * dw + x] = Math.round(top * (1 - ty) + bottom * ty);
      }
    }
  };
}

/** Centred zero-padding (or centre-cropping) into a zeroed dst. */
function padResizer(sh: number, sw: number, dh: number, dw: number): PlaneResizer {
  const oy = Math.floor((dh - sh) / 2);
  const ox = Math.floor((dw - sw) / 2);
  return (src, dst) => {
    for (let y = 0; y < dh; y++) {
      const sy = y - oy;
      if (sy < 0 || sy >= sh) continue;
      for (let x = 0; x < dw; x++) {
        const sx = x - ox;
        if (sx >= 0 && sx < sw) dst[y * dw + x] = src[sy * sw + sx];
      }
    }
  };
}

export function resizeDataset(ds: RawDataset, resolution: number, mode: ResizeMode): RawDataset {
  if (ds.height === resolution && ds.width === resolution) return ds;
  const plane = (mode === 'pad' ? padResizer : bilinearResizer)(ds.height, ds.width, resolution, resolution);
  const sHW = ds.height * ds.width;
  const dHW = resolution * resolution;
  const resize = (split: ImageSplit): ImageSplit => {
    const x = new Uint8Array(split.n * ds.channels * dHW);
    for (let p = 0; p < split.n * ds.channels; p++) {
      plane(split.x.subarray(p * sHW, (p + 1) * sHW), x.subarray(p * dHW, (p + 1) * dHW));
    }
    return { n: split.n, x, y: split.y };
  };
  return { ...ds, height: resolution, width: resolution, train: resize(ds.train), test: resize(ds.test), ...(ds.val && { val: resize(ds.val) }) };
}

/**
 * Per-channel mean and (population) standard deviation of a split on the 0..1 scale, as pycls
 * computes its dataset constants. Sums are taken over integer bytes, exact in float64.
 */
export function channelStats(split: ImageSplit, channels: number, hw: number): { mean: number[]; std: number[] } {
  const sum = new Array<number>(channels).fill(0);
  const sumSq = new Array<number>(channels).fill(0);
  for (let i = 0; i < split.n; i++) {
    for (let c = 0; c < channels; c++) {
      const start = (i * channels + c) * hw;
      let s = 0;
      let q = 0;
      for (let k = start; k < start + hw; k++) {
        const v = split.x[k];
        s += v;
        q += v * v;
      }
      sum[c] += s;
      sumSq[c] += q;
    }
  }
  const count = split.n * hw;
  const mean = sum.map((s) => s / count / 255);
  const std = sumSq.map((q, c) => Math.sqrt(Math.max(0, q / count / 65025 - mean[c] * mean[c])));
  return { mean, std };
}
