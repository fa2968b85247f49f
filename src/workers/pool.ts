/**
 * The worker pool: runs a queue of TrainRequests over engine slots, one trial per slot at a time.
 *
 * - Results are delivered (onResult, awaited) as trials finish; a slot takes its next trial only
 *   after its result was delivered, so at any moment at most `slots` trials are between onStart and
 *   onResult. Trials pushed while the pool runs (from onResult too) start on the next idle slot.
 * - run() resolves when the queue is empty and no trial is running, or after an abort once the
 *   running trials came back; what was still queued is returned as notStarted.
 * - A trial that throws, reports a non-finite loss, or whose process dies becomes a failed result
 *   carrying the error text; the slot respawns its process and the pool goes on. A slot whose
 *   replacement cannot start (EngineUnavailableError) is dropped and its trial goes back to the
 *   queue for the others; with no slot left, the remaining trials fail with a clear error.
 * - A trial over its time limit (recipe.max_minutes, else derived from observed epoch times:
 *   timeLimit.ts) is aborted like any other, and comes back failed "timed out"; its engine is stopped
 *   (torch: the process is killed and respawned for the next trial).
 * - Every failed result carries its failure_kind (oom, timeout, diverged, error) and every result the
 *   accum_steps it trained with.
 * - abort() (or the signal option, or SIGINT via abortOnSignals) stops cleanly: running trials come
 *   back "interrupted" for a later resume and queued ones are not started.
 * - A callback that throws (say, the store cannot write) aborts the pool the same way, and run()
 *   then rejects with that error once the running trials are back.
 */
import { EngineUnavailableError, type EngineSlot, type EpochMetrics, type TrainRequest, type TrainResult, failureKind, NO_ERRORS, epochErrors } from './engine.js';
import { EpochClock, minutes } from './timeLimit.js';

export interface PoolCallbacks {
  onStart?: (req: TrainRequest, slotName: string) => void;
  onEpoch?: (req: TrainRequest, metrics: EpochMetrics) => void;
  /** Awaited before the slot takes its next trial (e.g. to write the result to the store). */
  onResult?: (result: TrainResult, req: TrainRequest) => void | Promise<void>;
  /** A slot could not restart its engine and was dropped; the pool goes on with the others. */
  onSlotLost?: (slotName: string, error: string) => void;
}

export interface PoolOptions extends PoolCallbacks {
  /** Aborting this signal aborts the pool. */
  signal?: AbortSignal;
  /** After an abort, how long a running trial may take to come back before it is reported interrupted anyway. */
  abortGraceMs?: number;
  /** Derives time limits for trainings without recipe.max_minutes; default new EpochClock(). */
  epochClock?: EpochClock;
}

export interface PoolSummary {
  results: TrainResult[];
  done: number;
  failed: number;
  interrupted: number;
  /** Requests that were queued but never started (after an abort). */
  notStarted: TrainRequest[];
  aborted: boolean;
  /** Names of the slots dropped because their engine could not restart. */
  slotsLost: string[];
}

const DEFAULT_ABORT_GRACE_MS = 20_000;
/** setTimeout's longest delay; longer limits re-arm. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A slot whose engine process or thread can die and be brought back: start() (re)starts it when it
 * is not running and resolves when it is ready, or rejects when it cannot start.
 */
export interface RestartableSlot extends EngineSlot {
  start(): Promise<unknown>;
}

export function isRestartable(slot: EngineSlot): slot is RestartableSlot {
  return typeof (slot as Partial<RestartableSlot>).start === 'function';
}

export function errorText(e: unknown): string {
  if (e instanceof Error) return e.message || e.name;
  return String(e);
}

/** A result for a trial whose engine gave none (it threw, hung after an abort, or never got a slot). */
export function syntheticResult(req: TrainRequest, worker: string, status: TrainResult['status'], error: string, seconds = 0, epochs: EpochMetrics[] = []): TrainResult {
  return {
    trial_id: req.trial_id, status, epochs,
    ...(status === 'done' ? epochErrors(epochs) : NO_ERRORS),
    params_built: null, peak_mem_bytes: null, seconds, error, worker, device: req.device,
  };
}

function nonFiniteEpoch(epochs: EpochMetrics[]): EpochMetrics | undefined {
  return epochs.find((m) => !Number.isFinite(m.train_loss));
}

export class Pool {
  private readonly idle: EngineSlot[];
  private readonly live = new Set<EngineSlot>();
  private readonly queue: TrainRequest[] = [];
  private readonly runningTrials = new Map<AbortController, TrainRequest>();
  private readonly lost: string[] = [];
  private lastLossError = '';
  private readonly clock: EpochClock;
  /** Re-arms each running trial's time limit; called when any trial reports an epoch. */
  private readonly limitWatchers = new Set<() => void>();
  private results: TrainResult[] = [];
  private abortedFlag = false;
  private finish: (() => void) | null = null;
  private delivering = 0;
  /** An error thrown by a callback: it aborts the pool and run() rejects with it. */
  private fatal: { error: unknown } | null = null;

  constructor(
    private readonly slots: EngineSlot[],
    private readonly options: PoolOptions = {},
  ) {
    this.idle = [...slots];
    this.clock = options.epochClock ?? new EpochClock();
    for (const s of slots) this.live.add(s);
    const signal = options.signal;
    if (signal) {
      if (signal.aborted) this.abort();
      else signal.addEventListener('abort', () => this.abort(), { once: true });
    }
  }

  get queued(): number {
    return this.queue.length;
  }

  get running(): number {
    return this.runningTrials.size;
  }

  get aborted(): boolean {
    return this.abortedFlag;
  }

  /** Slots still in service. */
  get slotCount(): number {
    return this.live.size;
  }

  /** Adds trials to the queue; while run() is under way they start as soon as a slot is idle. */
  push(...reqs: TrainRequest[]): void {
    this.queue.push(...reqs);
    if (this.finish) this.dispatch();
  }

  /** Stops the pool: running trials are told to stop and come back interrupted; no queued trial starts. */
  abort(): void {
    if (this.abortedFlag) return;
    this.abortedFlag = true;
    for (const ctl of this.runningTrials.keys()) ctl.abort(new Error('interrupted'));
    this.checkFinished();
  }

  async run(): Promise<PoolSummary> {
    if (this.finish) throw new Error('Pool.run() is already under way');
    this.results = [];
    const finished = new Promise<void>((resolve) => (this.finish = resolve));
    this.dispatch();
    this.checkFinished();
    await finished;
    if (this.fatal) {
      const { error } = this.fatal;
      this.fatal = null;
      throw error;
    }
    const count = (s: TrainResult['status']) => this.results.filter((r) => r.status === s).length;
    const notStarted = this.abortedFlag ? this.queue.splice(0) : [];
    return {
      results: this.results, done: count('done'), failed: count('failed'), interrupted: count('interrupted'),
      notStarted, aborted: this.abortedFlag, slotsLost: [...this.lost],
    };
  }

  /** Closes every slot (their processes and threads). */
  async close(): Promise<void> {
    await Promise.allSettled(this.slots.map((s) => s.close()));
  }

  /** Runs a user callback; one that throws (a store write failing, say) aborts the pool. */
  private callback(f: () => void): void {
    try {
      f();
    } catch (e) {
      this.failWith(e);
    }
  }

  private failWith(error: unknown): void {
    this.fatal ??= { error };
    this.abort();
  }

  private dispatch(): void {
    while (!this.abortedFlag && this.queue.length && this.idle.length) {
      const slot = this.idle.shift()!;
      const req = this.queue.shift()!;
      void this.runOnSlot(slot, req);
    }
  }

  private async runOnSlot(slot: EngineSlot, req: TrainRequest): Promise<void> {
    const ctl = new AbortController();
    this.runningTrials.set(ctl, req);
    let outcome: { result: TrainResult } | { lost: string } | 'not-started';
    try {
      const ready = await this.restart(slot, ctl.signal);
      outcome = ready === 'ready' ? await this.trainOnce(slot, req, ctl) : ready;
    } finally {
      this.runningTrials.delete(ctl);
    }
    if (outcome === 'not-started') {
      this.queue.unshift(req);
      this.idle.push(slot);
    } else if ('lost' in outcome) {
      this.dropSlot(slot, outcome.lost);
      this.queue.unshift(req);
    } else {
      await this.deliver(outcome.result, req);
      if (this.live.has(slot)) this.idle.push(slot);
    }
    this.dispatch();
    this.checkFinished();
  }

  /**
   * Restarts a restartable slot's engine (if it died in its last trial) before handing it a trial, so
   * that a replacement which cannot start drops the slot rather than failing trial after trial.
   */
  private async restart(slot: EngineSlot, signal: AbortSignal): Promise<'ready' | 'not-started' | { lost: string }> {
    if (!isRestartable(slot)) return this.abortedFlag ? 'not-started' : 'ready';
    let onAbort: () => void = () => {};
    const aborted = new Promise<'not-started'>((resolve) => {
      onAbort = () => resolve('not-started');
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      const started = await Promise.race([slot.start().then(() => 'ready' as const), aborted]);
      return this.abortedFlag ? 'not-started' : started;
    } catch (e) {
      return this.abortedFlag ? 'not-started' : { lost: errorText(e) };
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  private async trainOnce(slot: EngineSlot, req: TrainRequest, ctl: AbortController): Promise<{ result: TrainResult } | { lost: string }> {
    const started = Date.now();
    const seen: EpochMetrics[] = [];
    let nanEpoch: EpochMetrics | undefined;
    const onEpoch = (m: EpochMetrics) => {
      seen.push(m);
      this.clock.observe(m);
      for (const rearm of this.limitWatchers) rearm();
      if (!Number.isFinite(m.train_loss) && !nanEpoch) {
        nanEpoch = m;
        ctl.abort(new Error('non-finite loss'));
      }
      this.callback(() => this.options.onEpoch?.(req, m));
    };
    this.callback(() => this.options.onStart?.(req, slot.name));
    if (this.abortedFlag) ctl.abort(new Error('interrupted'));

    let graceTimer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<'grace-over'>((resolve) => {
      // Whatever aborted the trial (the pool, or a non-finite loss), the engine gets a grace period.
      const arm = () => {
        graceTimer = setTimeout(() => resolve('grace-over'), this.options.abortGraceMs ?? DEFAULT_ABORT_GRACE_MS);
      };
      if (ctl.signal.aborted) arm();
      else ctl.signal.addEventListener('abort', arm, { once: true });
    });
    const elapsed = () => (Date.now() - started) / 1000;
    let timedOut: string | null = null;
    let limitTimer: NodeJS.Timeout | undefined;
    const armLimit = () => {
      clearTimeout(limitTimer);
      if (ctl.signal.aborted) return;
      const limit = this.clock.limitFor(req.recipe, seen);
      if (!limit) return;
      const deadline = started + limit.seconds * 1000;
      const fire = () => {
        if (Date.now() < deadline) {
          limitTimer = setTimeout(fire, Math.min(MAX_TIMER_MS, deadline - Date.now()));
          return;
        }
        timedOut = `timed out after ${minutes(limit.seconds)} min (${limit.source})`;
        ctl.abort(new Error('timed out'));
      };
      limitTimer = setTimeout(fire, Math.max(0, Math.min(MAX_TIMER_MS, deadline - Date.now())));
    };
    this.limitWatchers.add(armLimit);
    armLimit();
    let result: TrainResult;
    try {
      const raced = await Promise.race([slot.train(req, onEpoch, ctl.signal), graceOver]);
      if (raced === 'grace-over') {
        // The engine did not stop in time; it cannot be trusted with another trial.
        this.dropSlot(slot, 'did not stop after an abort');
        result = syntheticResult(req, slot.name, 'interrupted', 'interrupted (the engine did not stop in time)', elapsed(), seen);
      } else {
        result = { ...raced, trial_id: req.trial_id, worker: raced.worker || slot.name, device: raced.device || req.device };
      }
    } catch (e) {
      if (e instanceof EngineUnavailableError && !this.abortedFlag) return { lost: errorText(e) };
      result = syntheticResult(req, slot.name, 'failed', errorText(e), elapsed(), seen);
    } finally {
      clearTimeout(graceTimer);
      clearTimeout(limitTimer);
      this.limitWatchers.delete(armLimit);
    }
    if (timedOut !== null && !this.abortedFlag && result.status !== 'done') {
      result = { ...result, status: 'failed', ...NO_ERRORS, error: timedOut, failure_kind: 'timeout' };
    }

    const badEpoch = nanEpoch ?? nonFiniteEpoch(result.epochs);
    if (badEpoch && result.status !== 'failed') {
      result = { ...result, status: 'failed', ...NO_ERRORS, error: `non-finite training loss (${badEpoch.train_loss}) at epoch ${badEpoch.epoch}` };
    }
    if (this.abortedFlag && result.status === 'failed' && !badEpoch) {
      result = { ...result, status: 'interrupted', error: result.error ? `interrupted (${result.error})` : 'interrupted' };
    }
    return { result: { ...result, failure_kind: failureKind(result), accum_steps: result.accum_steps ?? req.accum_steps ?? 1 } };
  }

  private async deliver(result: TrainResult, req: TrainRequest): Promise<void> {
    this.results.push(result);
    this.delivering++;
    try {
      await this.options.onResult?.(result, req);
    } catch (e) {
      this.failWith(e);
    } finally {
      this.delivering--;
    }
  }

  private dropSlot(slot: EngineSlot, error: string): void {
    if (!this.live.delete(slot)) return;
    const i = this.idle.indexOf(slot);
    if (i >= 0) this.idle.splice(i, 1);
    this.lost.push(slot.name);
    this.lastLossError = `${slot.name}: ${error}`;
    this.callback(() => this.options.onSlotLost?.(slot.name, error));
    slot.close().catch(() => {});
  }

  /** Resolves run() when nothing runs and nothing more can start; with no slot left, fails what is queued. */
  private checkFinished(): void {
    if (!this.finish || this.runningTrials.size || this.delivering) return;
    if (!this.abortedFlag && this.queue.length) {
      if (this.live.size) return;
      void this.failRemaining();
      return;
    }
    const finish = this.finish;
    this.finish = null;
    finish();
  }

  private async failRemaining(): Promise<void> {
    const reqs = this.queue.splice(0);
    const why = this.slots.length ? `no worker left to run it: all ${this.slots.length} slot(s) failed to start (last: ${this.lastLossError})` : 'no worker to run it: the pool was given no slots';
    this.delivering++;
    try {
      for (const req of reqs) await this.deliver(syntheticResult(req, '', 'failed', why), req);
    } finally {
      this.delivering--;
    }
    this.checkFinished();
  }
}

/**
 * The first SIGINT/SIGTERM aborts the pool cleanly (running trials come back interrupted); a second
 * one exits at once with status 130. Returns a function that removes the handlers.
 */
export function abortOnSignals(pool: Pool, onFirst?: (signal: NodeJS.Signals) => void, signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM']): () => void {
  let received = 0;
  const handler = (signal: NodeJS.Signals) => {
    received++;
    if (received > 1) process.exit(130);
    onFirst?.(signal);
    pool.abort();
  };
  for (const s of signals) process.on(s, handler);
  return () => {
    for (const s of signals) process.off(s, handler);
  };
}
