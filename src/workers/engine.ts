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
};

/**
 * Upper bounds of a recipe's counts, checked before anything is allocated: a batch of 65,536 images
 * is beyond any GPU's memory for the networks dse trains, and 10,000 epochs beyond any sweep.
 */
export const RECIPE_LIMITS = { epochs: 10_000, batch_size: 65_536 } as const;

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

export interface TrainRequest {
  trial_id: string;
  spec: ModelSpec;
  dataset: DatasetRef;
  recipe: Recipe;
  /** 'cpu', 'cuda' (the slot's CUDA_VISIBLE_DEVICES picks the GPU) or 'auto'. */
  device: string;
}

export interface EpochMetrics {
  epoch: number;
  lr: number;
  train_loss: number;
  train_err: number;
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
  /** Parameter count of the network the engine actually built. */
  params_built: number | null;
  peak_mem_bytes: number | null;
  seconds: number;
  error: string | null;
  /** Slot that ran it, e.g. "torch:cuda0#1" or "tfjs:wasm#0". */
  worker: string;
  device: string;
}

/** The last and the lowest test error of the epochs a training finished; null before its first epoch. */
export function testErrors(epochs: readonly EpochMetrics[]): { final_test_err: number | null; best_test_err: number | null } {
  if (epochs.length === 0) return { final_test_err: null, best_test_err: null };
  return { final_test_err: epochs[epochs.length - 1].test_err, best_test_err: Math.min(...epochs.map((m) => m.test_err)) };
}

/** A running engine instance bound to one slot. */
export interface EngineSlot {
  readonly name: string;
  readonly engine: EngineName;
  train(req: TrainRequest, onEpoch: (m: EpochMetrics) => void, signal: AbortSignal): Promise<TrainResult>;
  close(): Promise<void>;
}

export class EngineUnavailableError extends Error {}
