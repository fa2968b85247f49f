/**
 * Per-training time limits. recipe.max_minutes, when set, is the limit. Otherwise the limit is derived
 * from the epoch times the pool has seen:
 *
 *   expected = recipe.epochs x median seconds per epoch (the training's own epochs once it has
 *              reported any, else those of every training in this run)
 *   limit    = max(DERIVED_FLOOR_S, DERIVED_MULTIPLE x expected)
 *
 * Before any epoch has been seen there is no derived limit: the first trainings of a sweep may be
 * slow for reasons that say nothing about a hang (dataset caching, cuDNN autotuning, a big first
 * model), and killing one would lose real work. The generous multiple leaves room for the sweep's
 * larger models (sampled flops often span 10x) and the floor for start-up (importing torch, loading
 * data) on tiny ones.
 */
import type { EpochMetrics, Recipe } from './engine.js';

export const DERIVED_MULTIPLE = 10;
export const DERIVED_FLOOR_S = 5 * 60;

export interface TimeLimit {
  seconds: number;
  /** Where the limit comes from, for the error text: "recipe.max_minutes = 30" or "derived from ...". */
  source: string;
}

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Expected wall time of a training from seconds-per-epoch observations; null without any. */
export function expectedSeconds(epochs: number, epochSeconds: readonly number[]): number | null {
  const m = median(epochSeconds);
  return m === null ? null : m * epochs;
}

/** Seconds per epoch observed over a pool's run. */
export class EpochClock {
  private readonly seconds: number[] = [];

  /** The derivation's constants are arguments only so that tests need not wait minutes. */
  constructor(
    private readonly multiple = DERIVED_MULTIPLE,
    private readonly floorS = DERIVED_FLOOR_S,
  ) {}

  observe(m: EpochMetrics): void {
    if (Number.isFinite(m.seconds) && m.seconds > 0) this.seconds.push(m.seconds);
  }

  get observed(): readonly number[] {
    return this.seconds;
  }

  /** The limit of a training with this recipe that has reported `own` epochs so far; null: none. */
  limitFor(recipe: Recipe, own: readonly EpochMetrics[]): TimeLimit | null {
    if (recipe.max_minutes !== undefined) return { seconds: recipe.max_minutes * 60, source: `recipe.max_minutes = ${recipe.max_minutes}` };
    const ownSeconds = own.map((m) => m.seconds).filter((s) => Number.isFinite(s) && s > 0);
    const basis = ownSeconds.length ? ownSeconds : this.seconds;
    const expected = expectedSeconds(recipe.epochs, basis);
    if (expected === null) return null;
    const seconds = Math.max(this.floorS, this.multiple * expected);
    const from = ownSeconds.length ? 'its own epochs' : `${basis.length} epoch(s) of this run`;
    return {
      seconds,
      source: `derived from observed epoch times: ${this.multiple} x expected ~${minutes(expected)} min (${from}), at least ${minutes(this.floorS)} min; set recipe.max_minutes to choose`,
    };
  }
}

/** Minutes as text: whole from 10 on, else two significant digits (tests use fractions of a minute). */
export function minutes(seconds: number): string {
  const m = seconds / 60;
  return m >= 10 ? String(Math.round(m)) : String(Number(m.toPrecision(2)));
}
