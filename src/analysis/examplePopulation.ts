/**
 * Constructed populations with known answers, for the analysis tests and the README figures: seeded
 * RegNet or AnyNet models whose error is planted as a function of their flops (best near
 * `bestFlops`), with per-epoch curves, written to a store through its public API as a finished sweep.
 */
import seedrandom from 'seedrandom';
import { complexity } from '../space/index.js';
import { buildAnyNetSpec, type NetworkConfig } from '../space/index.js';
import { regnetSpec, regnetStages } from '../space/index.js';
import type { ModelSpec } from '../space/index.js';
import type { Store } from '../store/store.js';
import type { NewTrial } from '../store/types.js';
import { DEFAULT_RECIPE, type EpochMetrics, type Recipe, type TrainResult } from '../workers/engine.js';
import { trainingProvenance } from '../workers/provenance.js';

export interface ExampleOptions {
  sweep: string;
  n: number;
  seed?: number;
  space?: 'regnet' | 'anynet';
  /** Where the planted error is lowest. */
  bestFlops?: number;
  /** Error at the optimum, and its rise per doubling of the flops ratio. */
  baseError?: number;
  slope?: number;
  /** Uniform noise amplitude added to the error. */
  noise?: number;
  epochs?: number;
  /** The recipe epochs each model is recorded as trained with (default: all `epochs`), to plant mixed recipes. */
  recipeEpochsOf?: (index: number) => number;
}

export interface ExampleModel extends NewTrial {
  error: number;
  epochs: EpochMetrics[];
}

const NETWORK: NetworkConfig = { stem: 'res_stem_cifar', stemW: 16, blockType: 'res_bottleneck_block', resolution: 32, numClasses: 10, stride: 2, firstStride: 1 };

/** Seeded models with planted errors; RegNet parameters at pycls's quanta (w0: 8, wa: 0.1, wm: 0.001). */
export function examplePopulation(opts: ExampleOptions): ExampleModel[] {
  const rng = seedrandom.alea(`example:${opts.sweep}:${opts.seed ?? 0}`);
  const uniform = (lo: number, hi: number) => lo + rng() * (hi - lo);
  const quantized = (lo: number, hi: number, q: number) => Math.round(Math.round(uniform(lo, hi) / q) * q * 1e6) / 1e6;
  const epochs = opts.epochs ?? 5;
  const models: ExampleModel[] = [];
  while (models.length < opts.n) {
    let spec: ModelSpec;
    let params: Record<string, unknown>;
    if ((opts.space ?? 'regnet') === 'regnet') {
      const p = { depth: Math.floor(uniform(6, 17)), w0: quantized(16, 64, 8), wa: quantized(8, 48, 0.1), wm: quantized(2, 3, 0.001), group_w: rng() < 0.5 ? 8 : 16, bot_mul: 1 };
      const stages = regnetStages(p);
      if (stages.numStages > 4 || stages.numStages !== stages.totalStages) continue;
      spec = regnetSpec(p, NETWORK);
      params = { ...p, ws: stages.ws, ds: stages.ds };
    } else {
      const ds = [0, 1, 2, 3].map(() => 1 + Math.floor(rng() * 4));
      const ws = [0, 1, 2, 3].map(() => 8 * Math.round(uniform(2, 32)));
      spec = buildAnyNetSpec({ depths: ds, widths: ws, strides: [1, 2, 2, 2], params: { group_w: ws.map(() => 8), bot_mul: ws.map(() => 1) } }, NETWORK);
      params = { ds, ws, gs: ws.map(() => 8), bs: ws.map(() => 1) };
    }
    const cx = complexity(spec);
    const error = (opts.baseError ?? 5) + (opts.slope ?? 3) * Math.abs(Math.log2(cx.flops / (opts.bestFlops ?? 40e6))) + uniform(0, opts.noise ?? 1);
    const curve: EpochMetrics[] = Array.from({ length: epochs }, (_, i) => {
      // Share of the excess error left after epoch i+1: 1 at the start, 0 after the last epoch.
      const left = (Math.exp((-3 * (i + 1)) / epochs) - Math.exp(-3)) / (1 - Math.exp(-3));
      const test = error + 40 * left; // the validation error is planted equal to it
      return { epoch: i + 1, lr: 0.1, train_loss: test / 40, train_err: Math.max(0, test - 3 - i / 2), val_err: test, test_err: test, seconds: 1, images_per_sec: 1000 };
    });
    models.push({ index: models.length, params, spec, cx, error, epochs: curve });
  }
  return models;
}

const EXAMPLE_RECIPE: Omit<Recipe, 'epochs' | 'seed'> = {
  batch_size: 128, base_lr: 0.1, momentum: 0.9, nesterov: true, weight_decay: 5e-4, bn_weight_decay: true,
  warmup_epochs: 0, warmup_factor: 0.1, label_smoothing: 0, augment_pad: 4, augment_flip: true, precise_bn: DEFAULT_RECIPE.precise_bn,
};
const EXAMPLE_DATASET = {
  key: 'example', name: 'synthetic', train_size: null, test_size: null, resolution: NETWORK.resolution, channels: 3, num_classes: NETWORK.numClasses,
  mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25],
};

/** Creates the sweep in the store and records every model as trained, through the store's API. */
export function writeExampleSweep(store: Store, opts: ExampleOptions): ExampleModel[] {
  const models = examplePopulation(opts);
  const config = { name: opts.sweep, n: opts.n, seed: opts.seed ?? 0, space: opts.space === 'anynet' ? 'anynetx_a' : 'regnetx', dataset: { name: 'synthetic' }, recipe: { epochs: opts.epochs ?? 5 }, engine: 'torch' };
  store.createSweep({ name: opts.sweep, config, config_hash: 'example', seed: opts.seed ?? 0, n: opts.n, space: config.space, description: 'constructed population (planted errors)' }, models);
  const ids = new Map(store.readTrials(opts.sweep).map((t) => [t.index, t.id]));
  for (const m of models) {
    const id = ids.get(m.index)!;
    const recipe = { epochs: opts.recipeEpochsOf?.(m.index) ?? m.epochs.length, ...EXAMPLE_RECIPE, seed: opts.seed ?? 0 };
    store.trialStarted(id, 'example#0', process.pid, 1, trainingProvenance('torch', recipe, EXAMPLE_DATASET));
    const result: TrainResult = {
      trial_id: String(id),
      status: 'done',
      epochs: m.epochs,
      final_test_err: m.error,
      best_test_err: Math.min(...m.epochs.map((e) => e.test_err)),
      final_val_err: m.error,
      best_val_err: Math.min(...m.epochs.map((e) => e.test_err)),
      params_built: m.cx.params,
      peak_mem_bytes: null,
      seconds: m.epochs.length,
      error: null,
      worker: 'example#0',
      device: 'cpu',
    };
    store.trialFinished(id, result);
  }
  store.setSweepStatus(opts.sweep, 'done');
  return models;
}
