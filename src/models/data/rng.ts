/** Seeded random streams for the data room (seedrandom's alea: fast, and the same on every platform). */
import seedrandom from 'seedrandom';

export type Rng = () => number;

/** A stream named by a seed and a purpose, so independent draws never share one sequence. */
export function rngFor(seed: number, purpose: string): Rng {
  return seedrandom.alea(`${purpose}:${seed}`);
}

/** In-place Fisher-Yates shuffle. */
export function shuffle<T>(items: T[], rng: Rng): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = items[i];
    items[i] = items[j];
    items[j] = t;
  }
  return items;
}

/** Standard normal draws (Box-Muller). */
export function gaussian(rng: Rng): () => number {
  let spare: number | null = null;
  return () => {
    if (spare !== null) {
      const v = spare;
      spare = null;
      return v;
    }
    const u = 1 - rng();
    const r = Math.sqrt(-2 * Math.log(u));
    const t = 2 * Math.PI * rng();
    spare = r * Math.sin(t);
    return r * Math.cos(t);
  };
}
