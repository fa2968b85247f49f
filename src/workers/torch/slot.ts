/**
 * The torch engine slot: one persistent trainer.py process (src/workers/torch/trainer.py, protocol
 * documented there) per slot, so Python and torch are imported once per slot rather than per trial.
 *
 * The process is spawned eagerly by createTorchSlot (which resolves once it is ready, so a broken
 * python or GPU shows up when the pool starts), and respawned lazily by the next train() after it died
 * (a crash, an OOM kill) or was killed (an abort).
 */
import { availableParallelism } from 'node:os';
import { type Complexity, type LoweredNetwork, type ModelSpec, SpecError, lowerSpec } from '../../space/index.js';
import { type EngineSlot, type EpochMetrics, type TrainRequest, type TrainResult, epochErrors } from '../engine.js';
import { MemoryWatch } from '../memoryWatch.js';
import { findTorchPython } from './python.js';
import { type EncodedTensor, type ProcessExit, type ReadyInfo, TrainerProcess, type TrainerMessage, describeExit } from './trainerProcess.js';

export interface TorchSlotOptions {
  /** Slot name, reported as TrainResult.worker (e.g. "torch:cuda0#1"). */
  name: string;
  /**
   * GPU for this slot: the process gets CUDA_VISIBLE_DEVICES=<n> and sees it as cuda:0. null makes a
   * CPU-only slot (CUDA_VISIBLE_DEVICES=""); undefined leaves the environment as it is.
   */
  cudaDevice?: number | null;
  /** torch.set_num_threads in the process; default: all cores (the pool passes cores / slots). */
  threads?: number;
  /** The python to run; default: findTorchPython(). */
  python?: string;
  /** Extra environment for the process (e.g. DSE_TORCH_COMPILE, DSE_TEST_FAULT). */
  env?: Record<string, string>;
  /** Seconds to wait for the process to import torch and report ready (default 180). */
  startTimeoutS?: number;
}

const SHUTDOWN_GRACE_MS = 5_000;

export class TorchSlot implements EngineSlot {
  readonly engine = 'torch' as const;
  readonly name: string;
  private proc: TrainerProcess | null = null;
  private starting: Promise<TrainerProcess> | null = null;
  private busy = false;
  private closed = false;
  private info: ReadyInfo | null = null;

  constructor(
    private readonly python: string,
    private readonly opts: TorchSlotOptions,
  ) {
    this.name = opts.name;
  }

  /** What the running process reported at start-up (torch version, CUDA, threads); null before. */
  get readyInfo(): ReadyInfo | null {
    return this.info;
  }

  private engineVersion(): Pick<TrainResult, 'engine_version'> {
    return this.info ? { engine_version: `torch ${this.info.torch}` } : {};
  }

  /** Starts the process if none is alive, and waits until it is ready. */
  start(): Promise<TrainerProcess> {
    if (this.closed) return Promise.reject(new Error(`torch slot ${this.name} is closed`));
    if (this.proc?.alive) return Promise.resolve(this.proc);
    if (!this.starting) {
      this.starting = this.spawnProcess().finally(() => {
        this.starting = null;
      });
    }
    return this.starting;
  }

  private async spawnProcess(): Promise<TrainerProcess> {
    if (this.proc) await this.proc.closed; // a killed predecessor must release its memory (GPU) first
    const proc = new TrainerProcess(this.python, this.processEnv(), (this.opts.startTimeoutS ?? 180) * 1000);
    this.proc = proc;
    this.info = await proc.ready;
    return proc;
  }

  private processEnv(): NodeJS.ProcessEnv {
    const threads = String(Math.max(1, this.opts.threads ?? availableParallelism()));
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DSE_TORCH_THREADS: threads,
      OMP_NUM_THREADS: threads,
      MKL_NUM_THREADS: threads,
      PYTHONUNBUFFERED: '1',
      PYTHONDONTWRITEBYTECODE: '1',
      ...this.opts.env,
    };
    if (this.opts.cudaDevice === null) env.CUDA_VISIBLE_DEVICES = '';
    else if (this.opts.cudaDevice !== undefined) env.CUDA_VISIBLE_DEVICES = String(this.opts.cudaDevice);
    return env;
  }

  async train(req: TrainRequest, onEpoch: (m: EpochMetrics) => void, signal: AbortSignal): Promise<TrainResult> {
    return this.trainNetwork(req, null, onEpoch, signal);
  }

  /**
   * Trains the lowered network of the request's spec, or the given one (which must cost what the spec
   * counts: the trainer checks it against network.cost before training).
   */
  async trainNetwork(req: TrainRequest, network: LoweredNetwork | null, onEpoch: (m: EpochMetrics) => void = () => {}, signal: AbortSignal = new AbortController().signal): Promise<TrainResult> {
    if (this.busy) throw new Error(`torch slot ${this.name} is already running a trial`);
    this.busy = true;
    try {
      return await this.runTrial(req, network, onEpoch, signal);
    } finally {
      this.busy = false;
    }
  }

  private async runTrial(req: TrainRequest, given: LoweredNetwork | null, onEpoch: (m: EpochMetrics) => void, signal: AbortSignal): Promise<TrainResult> {
    const startedAt = Date.now();
    const epochs: EpochMetrics[] = [];
    const outcome = (status: TrainResult['status'], error: string | null, extra: Partial<TrainResult> = {}): TrainResult => ({
      trial_id: req.trial_id,
      status,
      epochs,
      ...epochErrors(epochs),
      params_built: null,
      peak_mem_bytes: null,
      seconds: (Date.now() - startedAt) / 1000,
      error,
      worker: this.name,
      device: req.device,
      accum_steps: req.accum_steps ?? 1,
      ...this.engineVersion(),
      ...extra,
    });
    if (signal.aborted) return outcome('interrupted', null);
    let network: LoweredNetwork;
    try {
      network = given ?? lowerSpec(req.spec);
    } catch (e) {
      if (e instanceof SpecError) return outcome('failed', `spec: ${e.message}`);
      throw e;
    }

    let proc: TrainerProcess;
    try {
      proc = await raceAbort(this.start(), signal);
    } catch (e) {
      if (signal.aborted) {
        this.proc?.kill();
        return outcome('interrupted', null);
      }
      return outcome('failed', `torch trainer failed to start: ${(e as Error).message}`);
    }
    proc.stderr.clear();
    const memory = new MemoryWatch(proc.pid, this.processEnv());

    return new Promise<TrainResult>((resolve, reject) => {
      let callbackError: unknown = null;
      let settled = false;
      const finish = (result: TrainResult) => {
        if (settled) return;
        settled = true;
        memory.stop();
        signal.removeEventListener('abort', onAbort);
        proc.onMessage = () => {};
        proc.onExit = () => {};
        if (callbackError) reject(callbackError);
        else resolve(result);
      };
      const onAbort = () => {
        proc.kill(); // prompt, whatever the trial is doing; the next train respawns
        finish(outcome('interrupted', null));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      proc.onMessage = (msg: TrainerMessage) => {
        if (msg.event === 'epoch' && msg.trial_id === req.trial_id) {
          const m = msg.metrics as EpochMetrics;
          epochs.push(m);
          try {
            onEpoch(m);
          } catch (e) {
            callbackError ??= e;
          }
        } else if (msg.event === 'result') {
          const r = msg.result as Omit<TrainResult, 'worker'>;
          const error = r.status === 'done' ? null : withStderr(r.error ?? 'failed without an error message', proc, r.error?.includes('Traceback') ? 0 : 15);
          finish({ ...r, trial_id: req.trial_id, error, worker: this.name, ...this.engineVersion() });
        } else if (msg.event === 'error') {
          finish(outcome('failed', withStderr(`${msg.message}\n${msg.traceback ?? ''}`.trim(), proc, 15)));
        }
      };
      proc.onExit = (exit: ProcessExit) => {
        const oom = exit.signal === 'SIGKILL' && !proc.killedByDse ? memory.oomError(`the torch trainer of trial ${req.trial_id}`) : null;
        if (oom) finish(outcome('failed', `${oom}${proc.stderrSuffix(5)}`, { failure_kind: 'oom', peak_mem_bytes: memory.peakRssBytes }));
        else finish(outcome('failed', `torch trainer process died during trial ${req.trial_id} (${describeExit(exit)})${proc.stderrSuffix()}`));
      };
      if (proc.exit) proc.onExit(proc.exit); // it died while this trial was being set up
      proc.send({ cmd: 'train', request: { ...req, network } });
    });
  }

  /**
   * Builds a spec (or a given lowered network) in the process without training: the built parameter
   * count, and the forward-hook counter's flops, params and acts of one image.
   */
  async build(spec: ModelSpec, network: LoweredNetwork = lowerSpec(spec)): Promise<{ params: number; count: Complexity }> {
    const m = (await this.request({ cmd: 'build', network }, 'built')) as Extract<TrainerMessage, { event: 'built' }>;
    return { params: m.params, count: m.count };
  }

  /**
   * Eval-mode logits of a batch, with the weights the process initialized (seeded; BN statistics
   * randomized when asked, then recomputed by a precise-BN pass over preciseBn.input when given), by
   * name and in PyTorch's layout: the cross-engine parity check.
   */
  async forward(
    network: LoweredNetwork,
    input: EncodedTensor,
    opts: { seed: number; randomizeBn: boolean; weightsPath?: string; preciseBn?: { input: EncodedTensor; batchSize: number } },
  ): Promise<{ logits: EncodedTensor; weights: Record<string, EncodedTensor> | null }> {
    const precise = opts.preciseBn && { input: opts.preciseBn.input, batch_size: opts.preciseBn.batchSize };
    const m = (await this.request({ cmd: 'forward', network, input, seed: opts.seed, randomize_bn: opts.randomizeBn, weights_path: opts.weightsPath, precise_bn: precise }, 'forward')) as Extract<TrainerMessage, { event: 'forward' }>;
    return { logits: m.logits, weights: m.weights };
  }

  /** Round-trips a ping through the process (starting it if needed). */
  async ping(): Promise<void> {
    await this.request({ cmd: 'ping' }, 'pong');
  }

  private async request(msg: { cmd: string; [key: string]: unknown }, answer: TrainerMessage['event']): Promise<TrainerMessage> {
    if (this.busy) throw new Error(`torch slot ${this.name} is busy`);
    this.busy = true;
    try {
      const proc = await this.start();
      return await new Promise<TrainerMessage>((resolve, reject) => {
        proc.onMessage = (m) => {
          if (m.event === answer) resolve(m);
          else if (m.event === 'error') reject(new Error(m.message));
        };
        proc.onExit = (exit) => reject(new Error(`torch trainer process died (${describeExit(exit)})${proc.stderrSuffix()}`));
        if (proc.exit) proc.onExit(proc.exit);
        proc.send(msg);
      }).finally(() => {
        proc.onMessage = () => {};
        proc.onExit = () => {};
      });
    } finally {
      this.busy = false;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.starting?.catch(() => {});
    await this.proc?.shutdown(SHUTDOWN_GRACE_MS);
  }
}

/** Creates a torch slot and starts its process (resolves when the process is ready). */
export async function createTorchSlot(opts: TorchSlotOptions): Promise<TorchSlot> {
  const python = opts.python ?? (await findTorchPython()).python;
  const slot = new TorchSlot(python, opts);
  await slot.start();
  return slot;
}

function withStderr(error: string, proc: TrainerProcess, lines: number): string {
  return lines > 0 ? error + proc.stderrSuffix(lines) : error;
}

function raceAbort<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Error('aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
