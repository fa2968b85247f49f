/** Seeded, class-stratified subsets of a split. */
import { DatasetError, type ImageSplit } from './types.js';
import { shuffle, type Rng } from './rng.js';

/**
 * Indices of a subset of `size` items whose class proportions match the split's (largest-remainder
 * rounding, ties to the lower class), each class's members drawn by a seeded shuffle, the whole
 * subset then shuffled. Deterministic in (labels, size, rng seed).
 */
export function stratifiedIndices(labels: Uint8Array, size: number, rng: Rng): number[] {
  const byClass = new Map<number, number[]>();
  labels.forEach((label, i) => {
    const members = byClass.get(label);
    if (members) members.push(i);
    else byClass.set(label, [i]);
  });
  const classes = [...byClass.keys()].sort((a, b) => a - b);
  const total = labels.length;
  const quotas = classes.map((c) => {
    const exact = (size * byClass.get(c)!.length) / total;
    return { c, take: Math.floor(exact), frac: exact - Math.floor(exact) };
  });
  let left = size - quotas.reduce((s, q) => s + q.take, 0);
  for (const q of [...quotas].sort((a, b) => b.frac - a.frac || a.c - b.c)) {
    if (left === 0) break;
    q.take += 1;
    left -= 1;
  }
  const picked: number[] = [];
  for (const q of quotas) picked.push(...shuffle(byClass.get(q.c)!, rng).slice(0, q.take));
  return shuffle(picked, rng);
}

export function takeIndices(split: ImageSplit, indices: number[], itemBytes: number): ImageSplit {
  const x = new Uint8Array(indices.length * itemBytes);
  const y = new Uint8Array(indices.length);
  indices.forEach((src, i) => {
    x.set(split.x.subarray(src * itemBytes, (src + 1) * itemBytes), i * itemBytes);
    y[i] = split.y[src];
  });
  return { n: indices.length, x, y };
}

/** The split itself when size is absent, else a stratified subset; `what` names it in errors. */
export function subsetSplit(split: ImageSplit, size: number | undefined, itemBytes: number, rng: Rng, what: string): ImageSplit {
  if (size === undefined) return split;
  if (size > split.n) throw new DatasetError(`${what} of ${size} asked for, but only ${split.n} images are available`);
  return takeIndices(split, stratifiedIndices(split.y, size, rng), itemBytes);
}

/** Splits off a stratified `size` images (`held`) from the rest (`kept`, in their original order). */
export function holdOut(split: ImageSplit, size: number, itemBytes: number, rng: Rng): { kept: ImageSplit; held: ImageSplit } {
  if (size === 0) return { kept: split, held: { n: 0, x: new Uint8Array(0), y: new Uint8Array(0) } };
  const heldIndices = stratifiedIndices(split.y, size, rng);
  const isHeld = new Uint8Array(split.n);
  for (const i of heldIndices) isHeld[i] = 1;
  const keptIndices: number[] = [];
  for (let i = 0; i < split.n; i++) if (!isHeld[i]) keptIndices.push(i);
  return { kept: takeIndices(split, keptIndices, itemBytes), held: takeIndices(split, heldIndices, itemBytes) };
}
