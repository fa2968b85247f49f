/**
 * The engine contract. An engine takes a spec, a dataset and a recipe and returns metrics; it knows
 * nothing of sweeps. Both engines (torch: a persistent Python process per slot; tfjs: a piscina
 * worker thread) implement it, and the pool schedules trials over slots of either kind.
 */
import type { DatasetRef } from '../models/data/types.js';
import type { ModelSpec } from '../space/index.js';

export type { DatasetRef } from '../models/data/types.js';

export type EngineName = 'torch' | 'tfjs';

/** The training recipe (pycls OPTIM/TRAIN settings). */
export interface Recipe {
  epochs: number;
  batch_size: number;
  /** Base learning rate for 128 images; the engine scales it by batch_size / 128. */
  base_lr: number;
  momentum: number;
  nesterov: boolean;
  weight_decay: number;
  /** When false, BN weights and biases get no weight decay (pycls BN.USE_CUSTOM_WEIGHT_DECAY). */
  bn_weight_decay: boolean;
  warmup_epochs: number;
  /** Warmup starts at base_lr * warmup_factor and rises linearly to base_lr. */
  warmup_factor: number;
  label_smoothing: number;
  /** Random crop with this zero padding and horizontal flip on training images (0 disables crop). */
  augment_pad: number;
  augment_flip: boolean;
  seed: number;
  /**
   * Precise BN statistics (pycls BN.USE_PRECISE_STATS): before every evaluation the BN running
   * statistics are recomputed exactly over this many training images (the first ones of the split,
   * unaugmented; clamped to the split's size); 0 keeps the momentum averages of training.
   */
  precise_bn: number;
  /**
   * Wall-clock limit of one training, minutes; unset: derived from the epoch times the sweep has seen
   * (src/workers/timeLimit.ts). A training over its limit fails "timed out" and its engine is stopped.
   */
  max_minutes?: number;
}

export const DEFAULT_RECIPE: Recipe = {
  epochs: 10,
  batch_size: 128,
  base_lr: 0.1,
  momentum: 0.9,
  nesterov: true,
  weight_decay: 5e-4,
  bn_weight_decay: true,
  warmup_epochs: 0,
  warmup_factor: 0.1,
  label_smoothing: 0,
  augment_pad: 4,
  augment_flip: true,
  seed: 0,
  precise_bn: 8192,
};

/**
 * Upper bounds of a recipe's counts, checked before anything is allocated: a batch of 65,536 images
 * is beyond any GPU's memory for the networks dse trains, and 10,000 epochs beyond any sweep. A
 * time limit must fit a timer (2^31 ms, 24.8 days). Precise BN reads at most a split's worth of images.
 */
export const RECIPE_LIMITS = { epochs: 10_000, batch_size: 65_536, max_minutes: 34_560, precise_bn: 10_000_000 } as const;

/** Learning rate at a (fractional) epoch: linear warmup, then half-period cosine (pycls lr_fun_cos). */
export function learningRate(recipe: Recipe, epoch: number): number {
  const lr = recipe.base_lr * (recipe.batch_size / 128);
  let value = 0.5 * lr * (1 + Math.cos((Math.PI * epoch) / recipe.epochs));
  if (epoch < recipe.warmup_epochs) {
    const alpha = epoch / recipe.warmup_epochs;
    value *= recipe.warmup_factor * (1 - alpha) + alpha;
  }
  return value;
}

/**
 * The precise-BN pass's batches: full batches of batchSize over the first `images` training images,
 * at least one (precise_bn_batches in src/models/torch/dse_torch/precise_bn.py).
 */
export function preciseBnBatches(trainN: number, batchSize: number, images: number): number {
  return Math.max(1, Math.floor(Math.min(images, trainN) / batchSize));
}

export interface TrainRequest {
  trial_id: string;
  spec: ModelSpec;
  dataset: DatasetRef;
  recipe: Recipe;
  /** 'cpu', 'cuda' (the slot's CUDA_VISIBLE_DEVICES picks the GPU) or 'auto'. */
  device: string;
  /**
   * Gradient accumulation: each optimizer step sums the gradients of this many micro-batches of
   * batch_size / accum_steps images (the same effective batch in less memory). Default 1. Only engines
   * in ACCUMULATING_ENGINES honour it.
   */
  accum_steps?: number;
}

/** Engines that implement TrainRequest.accum_steps (the out-of-memory retry needs it). */
export const ACCUMULATING_ENGINES: readonly EngineName[] = ['torch'];

/**
 * Why a training failed: 'oom' (the kernel OOM killer, CUDA or the host allocator ran out of memory;
 * its error starts with OOM_ERROR_PREFIX), 'timeout' (over its time limit), 'diverged' (a non-finite
 * loss or parameters: DIVERGED_PATTERN) or 'error' (anything else).
 */
export type FailureKind = 'oom' | 'timeout' | 'diverged' | 'error';
export const FAILURE_KINDS: readonly FailureKind[] = ['oom', 'timeout', 'diverged', 'error'];
/** What both engines' and the pool's divergence errors say ("non-finite train loss ...; the run diverged"). */
const DIVERGED_PATTERN = /non-finite/;
export const OOM_ERROR_PREFIX = 'out of memory:';

export interface EpochMetrics {
  epoch: number;
  lr: number;
  train_loss: number;
  train_err: number;
  /**
   * Top-1 error on the validation split held out of the training subset (the ranking metric); null
   * or absent when the dataset has none. The test error is reported beside it, never selected on.
   */
  val_err?: number | null;
  test_err: number;
  seconds: number;
  images_per_sec: number;
}

export type TrialStatus = 'done' | 'failed' | 'interrupted';

export interface TrainResult {
  trial_id: string;
  status: TrialStatus;
  epochs: EpochMetrics[];
  final_test_err: number | null;
  best_test_err: number | null;
  /** The last and the lowest validation error; null (or absent) without a validation split. */
  final_val_err?: number | null;
  best_val_err?: number | null;
  /** Parameter count of the network the engine actually built. */
  params_built: number | null;
  peak_mem_bytes: number | null;
  seconds: number;
  error: string | null;
  /** Slot that ran it, e.g. "torch:cuda0#1" or "tfjs:wasm#0". */
  worker: string;
  device: string;
  /** Set on a failed result (the pool fills it in where the engine did not). */
  failure_kind?: FailureKind | null;
  /** The gradient accumulation it trained with (TrainRequest.accum_steps; 1 when absent). */
  accum_steps?: number;
  /** The engine's library and version, e.g. "torch 2.3.1", where the engine knows it. */
  engine_version?: string;
  /** The intra-op threads it trained with (torch.get_num_threads), where the engine reports it. */
  threads?: number;
}

/** A failed result's kind: the engine's, else what its error says. */
export function failureKind(result: Pick<TrainResult, 'status' | 'error' | 'failure_kind'>): FailureKind | null {
  if (result.status !== 'failed') return null;
  if (result.failure_kind && result.failure_kind !== 'error') return result.failure_kind;
  if (result.error?.startsWith(OOM_ERROR_PREFIX)) return 'oom';
  return DIVERGED_PATTERN.test(result.error ?? '') ? 'diverged' : 'error';
}

/** Whether a failed training diverged (a non-finite loss or parameters): the same seed would diverge again. */
export function diverged(result: Pick<TrainResult, 'status' | 'error' | 'failure_kind'>): boolean {
  return failureKind(result) === 'diverged';
}

/** A step between retry seeds far from the small seeds users pick, so a retry never reuses another sweep's seed by accident. */
const RESEED_STEP = 1_000_003;

/** The recipe seed of a trial's training after `reseeds` diverged trainings: the sweep's seed for the first. */
export function retrySeed(seed: number, reseeds: number): number {
  return seed + reseeds * RESEED_STEP;
}

/** Between the seeds of a trial's repeats (`repeats: k`): repeat r trains with seed + r * REPEAT_SEED_STEP. */
export const REPEAT_SEED_STEP = 1000;

/** The seed of a trial's repeat `repeat` after `reseeds` diverged trainings of it: the sweep's seed for the first. */
export function trainingSeed(seed: number, repeat: number, reseeds: number): number {
  return retrySeed(seed + repeat * REPEAT_SEED_STEP, reseeds);
}

/** Bytes as "1.23 GiB" / "456.0 MiB", for error texts. */
export function formatBytes(bytes: number): string {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(2)} GiB`;
  return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}

export type EpochErrors = Required<Pick<TrainResult, 'final_test_err' | 'best_test_err' | 'final_val_err' | 'best_val_err'>>;

/** No errors: a training that finished no epoch (or failed). */
export const NO_ERRORS: EpochErrors = { final_test_err: null, best_test_err: null, final_val_err: null, best_val_err: null };

/**
 * The last and the lowest test and validation errors of the epochs a training finished; null before
 * its first epoch, and for validation when an epoch has none (epoch_errors in train.py).
 */
export function epochErrors(epochs: readonly EpochMetrics[]): EpochErrors {
  if (epochs.length === 0) return NO_ERRORS;
  const val = epochs.map((m) => m.val_err);
  const hasVal = val.every((v): v is number => typeof v === 'number');
  return {
    final_test_err: epochs[epochs.length - 1].test_err,
    best_test_err: Math.min(...epochs.map((m) => m.test_err)),
    final_val_err: hasVal ? val[val.length - 1] : null,
    best_val_err: hasVal ? Math.min(...val) : null,
  };
}

/** A running engine instance bound to one slot. */
export interface EngineSlot {
  readonly name: string;
  readonly engine: EngineName;
  train(req: TrainRequest, onEpoch: (m: EpochMetrics) => void, signal: AbortSignal): Promise<TrainResult>;
  close(): Promise<void>;
}

export class EngineUnavailableError extends Error {}
