/**
 * The width-rule fit of many models on all cores: the models are split into chunks, each chunk is a
 * piscina task running fitWorker.ts, and the fits come back in input order. Every thread runs the
 * same exact fitter (WidthRuleFitter), whose answer does not depend on what it fitted before, so the
 * results equal the single-threaded ones, ties included. Small inputs are fitted in this thread:
 * starting workers (~50 ms each, plus filling their level tables) would cost more than it saves.
 * The pool lives for one call and is destroyed before the call settles.
 */
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { UserError } from '../util/errors.js';
import { DEFAULT_FIT_GRID, type FitGrid, resolveGrid } from './grid.js';
import { type FitAnswer, type FitTask, fitChunk } from './fitWorker.js';
import type { WidthFit } from './widthFit.js';

export interface FitPoolOptions {
  /** Worker threads (default: os.availableParallelism()); 1 fits in this thread. */
  threads?: number;
  /** Fewer models than this are fitted in this thread (default 500); 0 always uses the pool. */
  minPoolModels?: number;
}

export const DEFAULT_MIN_POOL_MODELS = 500;
/** At most this many models per task: ~0.1 ms of task overhead against 60-800 ms of fitting. */
const MAX_CHUNK = 200;
/** Aim for at least this many tasks per thread, so threads finish together when models differ in cost. */
const TASKS_PER_THREAD = 8;

/** Fits the width rule to each model's per-block widths; the fits are in input order. */
export async function fitWidthRules(widthLists: readonly (readonly number[])[], grid: FitGrid = DEFAULT_FIT_GRID, opts: FitPoolOptions = {}): Promise<WidthFit[]> {
  const threads = opts.threads ?? availableParallelism();
  if (!Number.isInteger(threads) || threads < 1) throw new UserError(`--threads: expected a positive integer, got ${threads}`);
  const lists = widthLists as number[][];
  if (threads === 1 || lists.length < (opts.minPoolModels ?? DEFAULT_MIN_POOL_MODELS) || lists.length === 0) return fitChunk({ grid, widthLists: lists });

  resolveGrid(grid); // a bad grid is a UserError here, before any thread starts
  const size = Math.max(1, Math.min(MAX_CHUNK, Math.ceil(lists.length / (threads * TASKS_PER_THREAD))));
  const chunks: number[][][] = [];
  for (let i = 0; i < lists.length; i += size) chunks.push(lists.slice(i, i + size));
  const workers = Math.min(threads, chunks.length);
  const pool = new Piscina<FitTask, FitAnswer>({
    filename: new URL('./fitWorker.js', import.meta.url).href,
    minThreads: workers,
    maxThreads: workers,
    concurrentTasksPerWorker: 1,
  });
  try {
    // Promise.all subscribes to every task, so the ones still running when one fails are handled too.
    const answers = await Promise.all(chunks.map((widthLists) => pool.run({ grid, widthLists })));
    const fits: WidthFit[] = [];
    for (const answer of answers) {
      if ('userError' in answer) throw new UserError(answer.userError);
      fits.push(...answer.fits);
    }
    return fits;
  } finally {
    await pool.destroy();
  }
}
