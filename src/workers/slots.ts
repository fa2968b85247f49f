/**
 * Worker slots from a resources description: GPUs x trials per GPU, or N CPU workers. Each torch slot
 * is one trainer process (with its own CUDA_VISIBLE_DEVICES); each tfjs slot is one worker thread.
 * Slots share the cores: each gets max(1, floor(cores / slots)) threads, or threads_per_worker. Torch's
 * CPU results are bit-identical for a seed and a thread count, so a sweep that must reproduce on
 * another machine pins threads_per_worker.
 */
import { availableParallelism } from 'node:os';
import { UserError, isUserError } from '../util/errors.js';
import type { EngineName, EngineSlot } from './engine.js';
import { errorText } from './pool.js';

export interface SlotResources {
  engine: EngineName;
  /** GPU indices; empty for CPU workers. */
  gpus: number[];
  trials_per_gpu: number;
  cpu_workers: number;
  /** tfjs backend (e.g. wasm, cpu, tensorflow); the engine's default when absent. */
  backend?: string;
  /** Intra-op threads of each slot; default max(1, floor(cores / slots)). */
  threads_per_worker?: number;
}

export interface SlotPlan {
  name: string;
  /** The GPU this slot sees as its only device; null for a CPU slot. */
  cudaDevice: number | null;
  threads: number;
}

/** Bounds of a resources description: slots are processes or threads, so their counts are capped before any starts. */
export const RESOURCE_LIMITS = { cpu_workers: 256, trials_per_gpu: 64, gpu_index: 1023, threads_per_worker: 1024 } as const;

function checkCount(flag: string, v: number, min: number, max: number): void {
  if (!Number.isInteger(v) || v < min || v > max) throw new UserError(`${flag}: must be an integer in [${min}, ${max}], got ${v}`);
}

/** The slots a resources description asks for (validated), without starting anything. */
export function planSlots(resources: SlotResources, cores = availableParallelism()): SlotPlan[] {
  const { engine, gpus } = resources;
  if (engine !== 'torch' && engine !== 'tfjs') throw new UserError(`--engine: must be torch or tfjs, got "${engine}"`);
  gpus.forEach((g) => checkCount('--gpus', g, 0, RESOURCE_LIMITS.gpu_index));
  if (new Set(gpus).size !== gpus.length) throw new UserError(`--gpus: lists a GPU twice (${gpus.join(',')}); use --trials-per-gpu to run several trials on one GPU`);
  if (engine === 'tfjs' && gpus.length) throw new UserError('--gpus: the tfjs engine runs on CPU worker threads; use --cpu-workers N, or --engine torch for GPUs');
  if (resources.threads_per_worker !== undefined) checkCount('--threads-per-worker', resources.threads_per_worker, 1, RESOURCE_LIMITS.threads_per_worker);
  const threadsOf = (slots: number) => resources.threads_per_worker ?? Math.max(1, Math.floor(cores / slots));
  const plans: SlotPlan[] = [];
  if (gpus.length) {
    checkCount('--trials-per-gpu', resources.trials_per_gpu, 1, RESOURCE_LIMITS.trials_per_gpu);
    const threads = threadsOf(gpus.length * resources.trials_per_gpu);
    for (const g of gpus) for (let t = 0; t < resources.trials_per_gpu; t++) plans.push({ name: `torch:cuda${g}#${t}`, cudaDevice: g, threads });
    return plans;
  }
  checkCount('--cpu-workers', resources.cpu_workers, 1, RESOURCE_LIMITS.cpu_workers);
  const threads = threadsOf(resources.cpu_workers);
  const prefix = engine === 'torch' ? 'torch:cpu' : `tfjs:${resources.backend ?? 'auto'}`;
  for (let i = 0; i < resources.cpu_workers; i++) plans.push({ name: `${prefix}#${i}`, cudaDevice: null, threads });
  return plans;
}

/**
 * Starts every slot (in parallel) and resolves once all are ready. If any cannot start, the others
 * are closed and a UserError names the slot and the reason.
 */
export async function createSlots(resources: SlotResources): Promise<EngineSlot[]> {
  const plans = planSlots(resources);
  // Each engine is imported only when used: tfjs and the torch launcher cost start-up time for every command.
  const create: (p: SlotPlan) => Promise<EngineSlot> =
    resources.engine === 'torch'
      ? await import('./torch/slot.js').then((m) => async (p: SlotPlan) => {
          const slot = await m.createTorchSlot({ name: p.name, cudaDevice: p.cudaDevice, threads: p.threads });
          if (p.cudaDevice !== null && slot.readyInfo && !slot.readyInfo.cuda) {
            await slot.close();
            throw new UserError(`--gpus: torch sees no CUDA device with CUDA_VISIBLE_DEVICES=${p.cudaDevice} (${slot.name}); check the GPU index with nvidia-smi, or run on CPU workers`);
          }
          return slot;
        })
      : await import('./tfjs/slot.js').then((m) => (p: SlotPlan) => m.createTfjsSlot({ name: p.name, backend: resources.backend, threads: p.threads }));
  const started = await Promise.allSettled(plans.map(create));
  const failure = started.findIndex((s) => s.status === 'rejected');
  if (failure < 0) return started.map((s) => (s as PromiseFulfilledResult<EngineSlot>).value);
  await Promise.allSettled(started.flatMap((s) => (s.status === 'fulfilled' ? [s.value.close()] : [])));
  const reason = (started[failure] as PromiseRejectedResult).reason;
  if (isUserError(reason)) throw reason;
  throw new UserError(`cannot start worker ${plans[failure].name}: ${oneLine(errorText(reason))}`);
}

/**
 * Checks, without starting any worker, that the engine can run on this machine (torch: a python3
 * with torch that sees the GPUs asked for), so a sweep is not written to the store for resources
 * that cannot train it.
 */
export async function checkEngine(resources: SlotResources): Promise<void> {
  if (resources.engine !== 'torch') return;
  const torch = await (await import('./torch/python.js')).findTorchPython();
  if (resources.gpus.length === 0) return;
  if (torch.cudaDevices === 0) {
    throw new UserError(`--gpus: torch ${torch.torchVersion} (${torch.python}) sees no CUDA device on this machine; run on CPU workers (--gpus none --cpu-workers N), or install a CUDA build of torch`);
  }
  const missing = resources.gpus.filter((g) => g >= torch.cudaDevices);
  if (missing.length) {
    throw new UserError(`--gpus: GPU ${missing.join(', ')} does not exist; torch sees ${torch.cudaDevices} CUDA device(s) (indices 0-${torch.cudaDevices - 1})`);
  }
}

/** A multi-line engine error (message, then a stderr tail) as one line: the message and the last line. */
function oneLine(text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('---'));
  return lines.length > 1 ? `${lines[0]}: ${lines[lines.length - 1]}` : (lines[0] ?? 'unknown error');
}
