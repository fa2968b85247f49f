/**
 * The piscina worker of the width-rule fit pool (fitPool.ts): one task fits a chunk of models on one
 * grid. fitPool also calls fitChunk in its own thread for small inputs, so both paths run the same code.
 */
import { UserError } from '../util/errors.js';
import type { FitGrid } from './grid.js';
import { type WidthFit, WidthRuleFitter } from './widthFit.js';

export interface FitTask {
  grid: FitGrid;
  /** Per model, its per-block widths in order. */
  widthLists: number[][];
}

/** A user error (e.g. a non-positive width) comes back as its message: error classes do not cross threads. */
export type FitAnswer = { fits: WidthFit[] } | { userError: string };

/** The fitter of the last grid used in this thread; its level tables fill as fits go, so it is kept. */
let cached: { key: string; fitter: WidthRuleFitter } | null = null;

function fitterFor(grid: FitGrid): WidthRuleFitter {
  const key = JSON.stringify([grid.w0, grid.wa, grid.wm]);
  if (cached?.key !== key) cached = { key, fitter: new WidthRuleFitter(grid) };
  return cached.fitter;
}

/** Fits each model in order (throws the fitter's UserError on a bad model). */
export function fitChunk(task: FitTask): WidthFit[] {
  const fitter = fitterFor(task.grid);
  return task.widthLists.map((widths) => fitter.fit(widths));
}

export default function runFitTask(task: FitTask): FitAnswer {
  try {
    return { fits: fitChunk(task) };
  } catch (e) {
    if (e instanceof UserError) return { userError: e.message };
    throw e;
  }
}
