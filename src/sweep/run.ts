/**
 * Running a sweep: sample -> store -> pool -> store.
 *
 * The store is the only state. On start, trials a killed run left 'running' go back to pending; the
 * queue is every pending or interrupted trial plus the failed ones with retries left; done trials are
 * never queued. Each training's start, epochs and result are committed as they happen, so a kill -9
 * loses only the trainings in flight, and a resume picks up exactly the rest. A claim row with pid and
 * heartbeat keeps two `dse run` processes off the same sweep.
 */
import type { Experiment } from '../experiment/load.js';
import { type DatasetConfig, DatasetError, type StagedDataset, prepareDataset, stageDataset } from '../models/data/index.js';
import { type Store, checkDatabasePath, checkFreeSpace, isStoreError } from '../store/index.js';
import type { DatasetFingerprint, QueuedTrial, SweepState, TrialCounts } from '../store/types.js';
import { UserError } from '../util/errors.js';
import { ACCUMULATING_ENGINES, type DatasetRef, type EngineSlot, type FailureKind, type Recipe, type TrainRequest, type TrainResult, diverged, failureKind, trainingSeed } from '../workers/engine.js';
import { Pool } from '../workers/pool.js';
import { datasetFingerprint, trainingProvenance } from '../workers/provenance.js';
import { type SlotResources, checkEngine, createSlots, planSlots } from '../workers/slots.js';
import { type NewVersion, openSweep } from './open.js';

const HEARTBEAT_MS = 10_000;

/** What a sweep reports while it runs (the CLI's progress display implements it). */
export interface SweepReporter {
  begin?(info: { sweep: string; dbPath: string; created: boolean; added: number; newVersion: NewVersion | null; requeued: number; reopened: number; queued: number; counts: TrialCounts; best: number | null; parallel: number }): void;
  started?(trial: QueuedTrial, worker: string): void;
  /** `final` is false for a failure that will be retried. */
  finished?(trial: QueuedTrial, result: TrainResult, final: boolean): void;
  /** One of a trial's `repeats` finished and the next starts (the last one is reported by finished). */
  repeated?(trial: QueuedTrial, result: TrainResult, done: number, of: number): void;
  note?(text: string): void;
}

export interface SweepRunOptions {
  /** The experiment, with command-line overrides applied. */
  experiment: Experiment;
  dbPath: string;
  forceConfig?: boolean;
  /** Aborting it stops the sweep cleanly: running trainings are stored interrupted. */
  signal?: AbortSignal;
  reporter?: SweepReporter;
  /** Engine slots; default createSlots (injectable for tests). */
  createSlots?: (resources: SlotResources) => Promise<EngineSlot[]>;
  prepareDataset?: (cfg: DatasetConfig) => DatasetRef;
}

export interface SweepOutcome {
  sweep: string;
  dbPath: string;
  status: SweepState;
  counts: TrialCounts;
  /** Trainings that ended during this run, by status. */
  trained: { done: number; failed: number; interrupted: number };
  /** Trials that failed for good during this run (no retry left), in the order they failed. */
  failures: TrialFailure[];
  aborted: boolean;
  /** Why the sweep could not go on (no worker left, a store error), if so. */
  error: string | null;
}

export interface TrialFailure {
  index: number;
  kind: FailureKind;
  error: string;
}

export async function runSweep(opts: SweepRunOptions): Promise<SweepOutcome> {
  const exp = opts.experiment;
  const resources: SlotResources = { engine: exp.engine, ...exp.resources };
  const parallel = planSlots(resources).length; // validates the resources before anything is written
  // What the run needs from the machine is checked before anything is written: a bad database path,
  // too little free space, a missing dataset, python/torch or GPU must leave neither a new sweep nor
  // a dataset cache file behind.
  checkDatabasePath(opts.dbPath);
  checkFreeSpace(opts.dbPath);
  if (!opts.createSlots) await checkEngine(resources);
  const dataset = new SweepDatasets(exp, opts);
  const { store, created, added, newVersion } = recording(opts.dbPath, () => openSweep(exp, opts.dbPath, { forceConfig: opts.forceConfig }));
  let heartbeat: NodeJS.Timeout | undefined;
  try {
    store.claimRunner(exp.name);
    dataset.commit();
    heartbeat = setInterval(() => {
      try {
        store.heartbeat(exp.name);
      } catch {
        // a busy or full disk: the next beat tries again (staleness takes a minute of misses)
      }
    }, HEARTBEAT_MS);
    heartbeat.unref();
    const requeued = store.requeueStale(exp.name);
    const reopened = store.reopenForRepeats(exp.name, exp.repeats);
    const queue = store.queuedTrials(exp.name, queueOptions(exp));
    const summary = store.summary(exp.name);
    opts.reporter?.begin?.({
      sweep: exp.name, dbPath: opts.dbPath, created, added, newVersion, requeued, reopened, queued: queue.length,
      counts: summary.counts, best: summary.best_error, parallel,
    });
    const trained = { done: 0, failed: 0, interrupted: 0 };
    const failures: TrialFailure[] = [];
    let aborted = false;
    let error: string | null = null;
    if (queue.length > 0 && !opts.signal?.aborted) {
      // Every resolution the queue needs is prepared before the sweep counts as running or a slot starts.
      for (const trial of queue) dataset.at(trial.spec.input.resolution);
      store.setSweepStatus(exp.name, 'running');
      const outcome = await trainQueue(store, exp, resources, dataset, queue, opts, trained, failures);
      aborted = outcome.aborted;
      error = outcome.error;
    } else if (opts.signal?.aborted) {
      aborted = true;
    }
    const counts = store.counts(exp.name);
    const status = sweepStatus(counts, exp, aborted, error, store);
    try {
      store.setSweepStatus(exp.name, status);
    } catch (e) {
      if (!isStoreError(e)) throw e;
      error ??= cannotRecord(store.path, e); // the first store error is the one reported
    }
    return { sweep: exp.name, dbPath: opts.dbPath, status, counts, trained, failures, aborted, error };
  } catch (e) {
    throw isStoreError(e) ? new UserError(`sweep ${exp.name} stopped: ${cannotRecord(store.path, e)}`) : e;
  } finally {
    clearInterval(heartbeat);
    // Cleanup never replaces the error that stopped the run: a claim left behind (the disk is full)
    // is taken over by the next run, since its pid is gone.
    try {
      store.releaseRunner(exp.name);
    } catch {
      // see above
    }
    try {
      store.close();
    } catch {
      // likewise: the file is consistent whether or not the last checkpoint succeeded
    }
  }
}

/** Runs a step that writes to the store; a failing write (a full disk) becomes a one-line UserError. */
function recording<T>(dbPath: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw isStoreError(e) ? new UserError(cannotRecord(dbPath, e)) : e;
  }
}

/** Why nothing more can be recorded: SQLite's reason, and for a full disk what to do. */
function cannotRecord(dbPath: string, e: unknown): string {
  const full = (e as { code?: string }).code === 'SQLITE_FULL';
  const advice = full ? ' (the disk is full: free some space and run again; finished trainings are kept, the rest resume)' : '';
  return `cannot record to ${dbPath}: ${(e as Error).message}${advice}`;
}

function sweepStatus(counts: TrialCounts, exp: Experiment, aborted: boolean, error: string | null, store: Store): SweepState {
  if (aborted) return 'interrupted';
  if (error) return 'failed';
  const left = store.queuedTrials(exp.name, queueOptions(exp)).length;
  return left === 0 && counts.running === 0 ? 'done' : 'interrupted';
}

function canAccumulate(exp: Experiment): boolean {
  return ACCUMULATING_ENGINES.includes(exp.engine);
}

function queueOptions(exp: Experiment): { maxRetries: number; n: number; accumulation: boolean } {
  return { maxRetries: exp.max_retries, n: exp.n, accumulation: canAccumulate(exp) };
}

interface QueueOutcome {
  aborted: boolean;
  error: string | null;
}

async function trainQueue(
  store: Store,
  exp: Experiment,
  resources: SlotResources,
  dataset: SweepDatasets,
  queue: QueuedTrial[],
  opts: SweepRunOptions,
  trained: SweepOutcome['trained'],
  failures: TrialFailure[],
): Promise<QueueOutcome> {
  if (opts.signal?.aborted) return { aborted: true, error: null };
  const slots = await (opts.createSlots ?? createSlots)(resources);
  const byRequest = new Map<string, QueuedTrial>();
  const fingerprints = new Map<string, DatasetFingerprint>();
  const started = new Set<string>();
  const recipe: Recipe = { ...exp.recipe, seed: exp.recipe.seed ?? exp.seed };
  const device = exp.resources.gpus.length ? 'cuda' : 'cpu';
  let fatal: string | null = null;
  let noWorker: string | null = null;

  const pool: Pool = new Pool(slots, {
    signal: opts.signal,
    onStart: (req, slotName) =>
      guard(() => {
        const trial = byRequest.get(req.trial_id)!;
        store.trialStarted(trial.id, slotName, process.pid, req.accum_steps ?? 1, trainingProvenance(exp.engine, req.recipe, fingerprints.get(req.trial_id)!), trial.reseeds);
        started.add(req.trial_id);
        opts.reporter?.started?.(trial, slotName);
      }),
    onEpoch: (req, metrics) => guard(() => store.saveEpoch(byRequest.get(req.trial_id)!.id, metrics)),
    onResult: (result, req) =>
      guard(() => {
        const trial = byRequest.get(req.trial_id)!;
        if (!started.delete(req.trial_id)) {
          // The pool gave up on a trial it never started (no worker left): the trial is untouched.
          noWorker ??= result.error ?? 'no worker left';
          return;
        }
        const outcome = store.trialFinished(trial.id, result, { repeats: exp.repeats });
        trained[result.status]++;
        if (!outcome.complete) {
          // One of its repeats is done: the next one trains with its own seed.
          trial.repeats = outcome.repeats;
          trial.reseeds = 0;
          opts.reporter?.repeated?.(trial, result, outcome.repeats, exp.repeats);
          pool.push({ ...req, recipe: { ...req.recipe, seed: trainingSeed(recipe.seed, trial.repeats, 0) } });
          return;
        }
        if (result.status === 'failed') trial.failures++;
        const kind = failureKind(result);
        const accum = req.accum_steps ?? 1;
        // An out-of-memory training is retried once with twice the accumulation (the same effective
        // batch in half the activation memory); an identical retry would only run out again.
        const oomFinal = kind === 'oom' && (accum > 1 || !canAccumulate(exp));
        const retry = result.status === 'failed' && !oomFinal && trial.failures <= exp.max_retries && !pool.aborted && fatal === null;
        opts.reporter?.finished?.(trial, result, !retry);
        if (kind && !retry) failures.push({ index: trial.index, kind, error: result.error ?? 'failed without an error message' });
        if (retry && kind === 'oom') {
          opts.reporter?.note?.(`trial ${trial.index} ran out of memory; retrying with ${accum * 2} micro-batches of ${Math.ceil(recipe.batch_size / (accum * 2))} per step (same effective batch ${recipe.batch_size})`);
          pool.push({ ...req, accum_steps: accum * 2 });
        } else if (retry && diverged(result)) {
          trial.reseeds++;
          const seed = trainingSeed(recipe.seed, trial.repeats, trial.reseeds);
          opts.reporter?.note?.(`trial ${trial.index} diverged (seed ${req.recipe.seed}); retrying with seed ${seed}`);
          pool.push({ ...req, recipe: { ...req.recipe, seed } });
        } else if (retry) pool.push(req);
      }),
    onSlotLost: (slotName, err) => opts.reporter?.note?.(`worker ${slotName} stopped: ${err}; going on with the others`),
  });

  /** A store failure (disk full, ...) stops the sweep: nothing more can be recorded. */
  function guard(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      if (fatal === null) {
        fatal = cannotRecord(store.path, e);
        opts.reporter?.note?.(`stopping: ${fatal}`);
      }
      pool.abort();
    }
  }

  for (const trial of queue) {
    const trialRecipe = { ...recipe, seed: trainingSeed(recipe.seed, trial.repeats, trial.reseeds) };
    const req: TrainRequest = { trial_id: `${exp.name}:${trial.index}`, spec: trial.spec, dataset: dataset.at(trial.spec.input.resolution), recipe: trialRecipe, device };
    if (trial.accum_steps > 1) req.accum_steps = trial.accum_steps;
    byRequest.set(req.trial_id, trial);
    fingerprints.set(req.trial_id, dataset.fingerprint(trial.spec.input.resolution));
    pool.push(req);
  }
  try {
    const summary = await pool.run();
    return { aborted: summary.aborted && fatal === null, error: fatal ?? noWorker };
  } finally {
    await pool.close();
  }
}

/**
 * The sweep's prepared datasets by input resolution. The dataset section's resolution is prepared
 * (and checked against the sampled networks' input) before anything is written; a space that samples
 * the resolution (family spaces) gets the same source resized to each sampled resolution, prepared
 * once per resolution and cached on disk like any prepared dataset.
 */
class SweepDatasets {
  private readonly refs = new Map<number, DatasetRef>();
  /** The dataset section's own resolution, loaded and checked but not yet in the cache. */
  private staged: StagedDataset | null = null;

  constructor(
    private readonly exp: Experiment,
    private readonly opts: SweepRunOptions,
  ) {
    const cfg = this.config(undefined);
    const ref = this.opts.prepareDataset ? this.guard(cfg, () => this.opts.prepareDataset!(cfg)) : (this.staged = this.guard(cfg, () => stageDataset(cfg))).ref;
    const want = exp.input;
    if (ref.channels !== want.channels || ref.resolution !== want.resolution || ref.num_classes !== want.num_classes) {
      throw new UserError(
        `dataset: ${ref.name} came out as ${ref.channels}x${ref.resolution}px with ${ref.num_classes} classes, but the sampled networks take ` +
          `${want.channels}x${want.resolution}px with ${want.num_classes}; set dataset.resolution / channels to match`,
      );
    }
    this.refs.set(ref.resolution, ref);
  }

  /** Writes the checked dataset to the cache, once the run is known to go ahead. */
  commit(): void {
    if (!this.staged) return;
    const cfg = this.config(undefined);
    const prepared = this.guard(cfg, () => this.staged!.commit());
    this.refs.set(prepared.ref.resolution, prepared.ref);
    this.staged = null;
  }

  /** The dataset at `resolution` (prepared on first use). */
  at(resolution: number): DatasetRef {
    let ref = this.refs.get(resolution);
    if (!ref) {
      const cfg = this.config(resolution);
      ref = this.guard(cfg, () => (this.opts.prepareDataset ?? prepareDataset)(cfg));
      this.refs.set(resolution, ref);
    }
    return ref;
  }

  /** What a training at `resolution` reads, as its provenance records it. */
  fingerprint(resolution: number): DatasetFingerprint {
    return datasetFingerprint(this.at(resolution), this.exp.dataset);
  }

  private config(resolution: number | undefined): DatasetConfig {
    const cfg: DatasetConfig = { ...this.exp.dataset, seed: this.exp.seed };
    if (resolution !== undefined) cfg.resolution = resolution;
    return cfg;
  }

  private guard<T>(cfg: DatasetConfig, fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      if (e instanceof DatasetError) throw new UserError(`dataset${cfg.resolution !== this.exp.dataset.resolution ? ` at ${cfg.resolution}px` : ''}: ${e.message}`);
      throw e;
    }
  }
}
