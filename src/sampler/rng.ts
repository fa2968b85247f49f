/**
 * The one source of randomness of the samplers: seedrandom's ARC4 generator (its default), which
 * yields the same stream for the same seed on every machine and Node version. Every draw goes
 * through `next()`, so the draw order documented in src/sampler/draw.ts fixes the samples.
 */
import seedrandom from 'seedrandom';

export class Rng {
  private readonly prng: seedrandom.PRNG;

  constructor(readonly seed: number | string) {
    this.prng = seedrandom(String(seed));
  }

  /** A uniform double in [0, 1) with 53 random bits. One draw. */
  next(): number {
    return this.prng.double();
  }

  /** numpy.random.uniform(low, high): low + (high - low) * u. One draw. */
  uniform(low: number, high: number): number {
    return low + (high - low) * this.next();
  }

  /** A uniform integer in [0, n). One draw. */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** A normal variate by Box-Muller (cosine branch). Exactly two draws, u1 then u2. */
  normal(mu: number, sigma: number): number {
    const u1 = 1 - this.next();
    const u2 = this.next();
    return mu + sigma * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }
}
