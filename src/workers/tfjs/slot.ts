/**
 * A tfjs engine slot: one piscina worker thread (minThreads = maxThreads = 1) running worker.ts.
 *
 * - A thread that dies mid-trial (out of memory, an uncaught exception, process.exit) is replaced by
 *   piscina; the trial comes back 'failed' with the error and the slot goes on.
 * - Aborting the signal terminates the thread (piscina cannot interrupt synchronous kernels
 *   otherwise); the trial comes back 'interrupted' with the epochs seen so far, and the next trial
 *   runs on a fresh thread.
 * - start() (re)initializes the backend in the thread; createTfjsSlot() calls it, so a backend that
 *   cannot run here fails slot creation with EngineUnavailableError.
 */
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { UserError } from '../../util/errors.js';
import { type EngineSlot, EngineUnavailableError, type EpochMetrics, type TrainRequest, type TrainResult, epochErrors } from '../engine.js';
import type { BackendChoice, BackendInfo } from './backend.js';
import type { InitTask, TrainTask, WorkerAnswer } from './worker.js';

const BACKENDS: readonly BackendChoice[] = ['auto', 'tensorflow', 'wasm', 'cpu'];
/** setTimeout's maximum: the one thread of a slot is never retired for idleness. */
const NEVER_IDLE_MS = 2 ** 31 - 1;

export interface TfjsSlotOptions {
  name: string;
  /** 'auto' (default) tries tensorflow, then wasm, then cpu. */
  backend?: BackendChoice | (string & {});
  /** Threads for the backend's own parallelism (multi-threaded wasm when > 1). Default 1. */
  threads?: number;
}

export async function createTfjsSlot(opts: TfjsSlotOptions): Promise<TfjsSlot> {
  const backend = (opts.backend ?? 'auto') as BackendChoice;
  if (!BACKENDS.includes(backend)) throw new UserError(`--backend: unknown tfjs backend "${opts.backend}" (use ${BACKENDS.join(', ')})`);
  const threads = opts.threads ?? 1;
  if (!Number.isInteger(threads) || threads < 1) throw new UserError(`--threads: must be an integer >= 1, got ${threads}`);
  const slot = new TfjsSlot(opts.name, backend, threads);
  try {
    await slot.start();
  } catch (e) {
    await slot.close();
    throw e;
  }
  return slot;
}

export class TfjsSlot implements EngineSlot {
  readonly engine = 'tfjs' as const;
  /** The backend the thread runs, once started. */
  info: BackendInfo | null = null;
  private readonly pool: Piscina<InitTask | TrainTask, WorkerAnswer>;

  constructor(
    readonly name: string,
    readonly backend: BackendChoice,
    readonly threads: number,
  ) {
    this.pool = new Piscina({
      filename: new URL('./worker.js', import.meta.url).href,
      name: 'default',
      minThreads: 1,
      maxThreads: 1,
      concurrentTasksPerWorker: 1,
      idleTimeout: NEVER_IDLE_MS,
    });
  }

  /** Initializes the backend in the (possibly new) thread. */
  async start(): Promise<BackendInfo> {
    const answer = await this.pool.run({ kind: 'init', backend: this.backend, threads: this.threads });
    if ('unavailable' in answer) throw new EngineUnavailableError(`${this.name}: ${answer.unavailable}`);
    if (!('info' in answer)) throw new Error(`${this.name}: unexpected answer to init`);
    this.info = answer.info;
    return answer.info;
  }

  async train(req: TrainRequest, onEpoch: (m: EpochMetrics) => void, signal: AbortSignal): Promise<TrainResult> {
    const started = performance.now();
    const seen = new Map<number, EpochMetrics>();
    const deliver = (m: EpochMetrics) => {
      if (seen.has(m.epoch)) return;
      seen.set(m.epoch, m);
      onEpoch(m);
    };
    const { port1, port2 } = new MessageChannel();
    port1.on('message', deliver);
    const task: TrainTask = { kind: 'train', backend: this.backend, threads: this.threads, worker: this.name, request: req, port: port2 };
    try {
      const answer = await this.pool.run(task, { signal, transferList: [port2] });
      if ('unavailable' in answer) throw new EngineUnavailableError(`${this.name}: ${answer.unavailable}`);
      if (!('result' in answer)) throw new Error(`${this.name}: unexpected answer to train`);
      // Epoch messages and the task's value travel on different channels; the result is complete.
      for (const m of answer.result.epochs) deliver(m);
      return answer.result;
    } catch (e) {
      if (e instanceof EngineUnavailableError) throw e;
      const interrupted = signal.aborted;
      const message = interrupted ? 'interrupted' : `tfjs worker thread died: ${(e as Error)?.message ?? String(e)}`;
      return this.lostResult(req, interrupted ? 'interrupted' : 'failed', message, [...seen.values()], started);
    } finally {
      port1.close();
    }
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }

  private lostResult(req: TrainRequest, status: 'failed' | 'interrupted', error: string, epochs: EpochMetrics[], started: number): TrainResult {
    epochs.sort((a, b) => a.epoch - b.epoch);
    return {
      trial_id: req.trial_id, status, epochs,
      // As trainTrial (and the torch engine) report a trial that stopped: the epochs it finished.
      ...epochErrors(epochs),
      params_built: null, peak_mem_bytes: null,
      seconds: (performance.now() - started) / 1000,
      error, worker: this.name, device: this.info?.device ?? 'tfjs',
    };
  }
}
