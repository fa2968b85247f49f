/**
 * One trial in the current thread: build the spec's network, train it per the recipe, evaluate after
 * every epoch. Same semantics as the torch engine (src/workers/torch/trainer.py), which follows pycls:
 *   - lr = learningRate(recipe, epoch), set once per epoch;
 *   - each epoch a seeded shuffle and floor(n / batch) full batches (the last partial batch is
 *     dropped; a training set smaller than one batch is one batch);
 *   - BN in training mode on batch statistics, eval mode (running statistics) for the test pass;
 *     with recipe.precise_bn > 0 the running statistics are first recomputed exactly over the first
 *     precise_bn training images, unaugmented, in training-size batches (pycls precise BN);
 *   - errors are top-1 in percent, on the validation split (when the dataset has one) and the test split; train_loss/train_err are means over the epoch's augmented
 *     batches; images_per_sec counts training images over the epoch's training time;
 *   - a non-finite loss fails the trial at once (the step's loss is read every step).
 * Runs in the piscina worker (worker.ts) and, for tests, directly.
 */
import * as tf from '@tensorflow/tfjs-core';
import { rngFor, shuffle } from '../../models/data/rng.js';
import { crossEntropy } from '../../models/tfjs/loss.js';
import { BuildMismatchError, buildTfjsModel, type TfjsModel } from '../../models/tfjs/model.js';
import { type ModelSpec, SpecError, outputClasses } from '../../space/index.js';
import { type EpochMetrics, learningRate, NO_ERRORS, OOM_ERROR_PREFIX, preciseBnBatches, type Recipe, type TrainRequest, type TrainResult, epochErrors } from '../engine.js';
import { fillAugmentedBatch, loadTrainingData, sliceBatch, type Split, type TrainingData, TrialDataError } from './data.js';
import { type FaultKind, faultFor, fireFault } from './faults.js';
import { Sgd } from './optimizer.js';

const MIN_EVAL_BATCH = 256;

/** A problem with this trial's request; fails the trial with this message (no stack trace). */
class TrialError extends Error {}

export interface TrialContext {
  /** TrainResult.device, e.g. 'wasm-simd'. */
  device: string;
  worker: string;
  onEpoch(m: EpochMetrics): void;
}

export async function trainTrial(req: TrainRequest, ctx: TrialContext): Promise<TrainResult> {
  const started = performance.now();
  const epochs: EpochMetrics[] = [];
  const result: TrainResult = {
    trial_id: req.trial_id, status: 'failed', epochs, ...NO_ERRORS,
    params_built: null, peak_mem_bytes: null, seconds: 0, error: null, worker: ctx.worker, device: ctx.device, accum_steps: 1,
    engine_version: `tfjs-core ${tf.version_core}`,
  };
  let model: TfjsModel | null = null;
  let sgd: Sgd | null = null;
  try {
    const fault = faultFor(req);
    const data = loadData(req);
    checkCompatible(req.spec, data);
    model = buildTfjsModel(req.spec, req.recipe.seed);
    result.params_built = model.params;
    sgd = new Sgd(model.parameters, req.recipe);
    const run = new TrialRun(model, sgd, data, req.recipe, fault);
    for (let epoch = 0; epoch < req.recipe.epochs; epoch++) {
      const metrics = await run.epoch(epoch);
      epochs.push(metrics);
      ctx.onEpoch(metrics);
    }
    result.peak_mem_bytes = run.peakBytes;
    result.status = 'done';
  } catch (e) {
    if (isOutOfMemory(e)) {
      result.error = `${OOM_ERROR_PREFIX} ${(e as Error).message.split('\n')[0]}`;
      result.failure_kind = 'oom';
    } else if (e instanceof SpecError) result.error = `spec: ${e.message}`;
    else result.error = e instanceof TrialError || e instanceof TrialDataError || e instanceof BuildMismatchError ? e.message : errorWithStack(e);
  } finally {
    sgd?.dispose();
    model?.dispose();
  }
  Object.assign(result, epochErrors(epochs));
  result.seconds = (performance.now() - started) / 1000;
  return result;
}

/** A failed allocation: V8 ("Array buffer allocation failed") or wasm memory growth. */
function isOutOfMemory(e: unknown): boolean {
  return e instanceof RangeError && /allocation failed|out of memory|memory size exceeded|Memory\.grow/i.test(e.message);
}

function loadData(req: TrainRequest): TrainingData {
  try {
    return loadTrainingData(req.dataset);
  } catch (e) {
    if (e instanceof TrialDataError) throw e;
    throw new TrialDataError((e as Error).message);
  }
}

function checkCompatible(spec: ModelSpec, data: TrainingData): void {
  const { channels, resolution } = spec.input;
  if (channels !== data.channels) throw new TrialError(`spec input has ${channels} channels but dataset ${data.path} has ${data.channels}`);
  if (resolution !== data.height || resolution !== data.width) {
    throw new TrialError(`spec input resolution is ${resolution} but dataset ${data.path} is ${data.height}x${data.width}`);
  }
  const classes = outputClasses(spec);
  if (data.maxLabel >= classes) throw new TrialError(`dataset ${data.path} has label ${data.maxLabel} but the head has ${classes} classes`);
  if (data.train.n === 0 || data.test.n === 0) throw new TrialError(`dataset ${data.path} has ${data.train.n} train and ${data.test.n} test images; both must be > 0`);
}

function errorWithStack(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const stack = e.stack ?? '';
  return stack.startsWith(`${e.name}: ${e.message}`) ? stack.slice(0, 4000) : `${e.name}: ${e.message}\n${stack.slice(0, 4000)}`;
}

/** The state of one trial's training: batches, steps, evaluation. */
class TrialRun {
  peakBytes: number | null = null;
  private readonly rng;
  private readonly batchSize: number;
  private readonly steps: number;
  private readonly batch: Float32Array;
  private readonly order: number[];
  private readonly trainable: tf.Variable[];

  constructor(
    private readonly model: TfjsModel,
    private readonly sgd: Sgd,
    private readonly data: TrainingData,
    private readonly recipe: Recipe,
    private readonly fault: FaultKind | null,
  ) {
    this.rng = rngFor(recipe.seed, 'tfjs-train');
    this.batchSize = Math.min(recipe.batch_size, data.train.n);
    this.steps = Math.floor(data.train.n / this.batchSize);
    this.batch = new Float32Array(this.batchSize * data.height * data.width * data.channels);
    this.order = Array.from({ length: data.train.n }, (_, i) => i);
    this.trainable = model.parameters.map((p) => p.variable);
  }

  async epoch(epoch: number): Promise<EpochMetrics> {
    const t0 = performance.now();
    const lr = learningRate(this.recipe, epoch);
    shuffle(this.order, this.rng);
    let lossSum = 0;
    let correct = 0;
    const faultEpoch = Math.min(1, this.recipe.epochs - 1);
    for (let step = 0; step < this.steps; step++) {
      const indices = this.order.slice(step * this.batchSize, (step + 1) * this.batchSize);
      const poison = this.fault !== null && epoch === faultEpoch && step === 0 ? await fireFault(this.fault) : false;
      const { loss, hits } = epoch === 0 && step === 0 ? await this.profiledStep(indices, lr, poison) : this.step(indices, lr, poison);
      if (!Number.isFinite(loss)) {
        throw new TrialError(`non-finite train loss (${loss}) in epoch ${epoch + 1} (lr ${lr.toPrecision(6)}); the run diverged`);
      }
      lossSum += loss * this.batchSize;
      correct += hits;
    }
    const trainSeconds = (performance.now() - t0) / 1000;
    const seen = this.steps * this.batchSize;
    this.preciseBn();
    const valErr = this.evaluate(this.data.val);
    const testErr = this.evaluate(this.data.test);
    return {
      epoch: epoch + 1,
      lr,
      train_loss: lossSum / seen,
      train_err: 100 * (1 - correct / seen),
      val_err: valErr,
      test_err: testErr!,
      seconds: (performance.now() - t0) / 1000,
      images_per_sec: trainSeconds > 0 ? seen / trainSeconds : 0,
    };
  }

  /** The first step under tf.profile, for the peak tensor memory of a training step. */
  private async profiledStep(indices: number[], lr: number, poison: boolean): Promise<{ loss: number; hits: number }> {
    let out = { loss: 0, hits: 0 };
    const info = await tf.profile(() => {
      out = this.step(indices, lr, poison);
    });
    this.peakBytes = info.peakBytes;
    return out;
  }

  /** One SGD step; returns the batch's mean loss and its number of correct predictions. */
  private step(indices: number[], lr: number, poison: boolean): { loss: number; hits: number } {
    fillAugmentedBatch(this.data, this.data.train, indices, { pad: this.recipe.augment_pad, flip: this.recipe.augment_flip }, this.rng, this.batch);
    const { data } = this;
    const x = tf.tensor4d(this.batch, [indices.length, data.height, data.width, data.channels]);
    const y = tf.tensor1d(Int32Array.from(indices, (i) => data.train.y[i]), 'int32');
    const kept: { predicted?: tf.Tensor; value?: tf.Scalar; grads?: tf.NamedTensorMap } = {};
    try {
      const { value, grads } = tf.variableGrads(() => {
        const logits = this.model.forward(x, true);
        kept.predicted = tf.keep(tf.argMax(logits, 1));
        const loss = crossEntropy(logits, y, this.recipe.label_smoothing);
        return poison ? tf.mul(loss, NaN) : loss;
      }, this.trainable);
      Object.assign(kept, { value, grads });
      const loss = value.dataSync()[0];
      if (Number.isFinite(loss)) this.sgd.step(grads, lr);
      const hits = tf.tidy(() => tf.sum(tf.equal(kept.predicted!, y)).dataSync()[0]);
      return { loss, hits };
    } finally {
      tf.dispose([x, y, kept.predicted, kept.value, ...Object.values(kept.grads ?? {})].filter((t): t is tf.Tensor => t !== undefined));
    }
  }

  private preciseBn(): void {
    const { data } = this;
    if (this.recipe.precise_bn <= 0) return;
    const batches = preciseBnBatches(data.train.n, this.batchSize, this.recipe.precise_bn);
    this.model.recomputeBnStats(() => {
      for (let b = 0; b < batches; b++) {
        tf.tidy(() => {
          const x = tf.tensor4d(sliceBatch(data, data.train, b * this.batchSize, this.batchSize), [this.batchSize, data.height, data.width, data.channels]);
          this.model.forward(x, true);
        });
      }
    });
  }

  /** Top-1 error (percent) on a split, BN in eval mode; null for an empty split. */
  private evaluate(split: Split): number | null {
    const { data } = this;
    if (split.n === 0) return null;
    const size = Math.max(this.batchSize, MIN_EVAL_BATCH);
    let wrong = 0;
    for (let start = 0; start < split.n; start += size) {
      const count = Math.min(size, split.n - start);
      wrong += tf.tidy(() => {
        const x = tf.tensor4d(sliceBatch(data, split, start, count), [count, data.height, data.width, data.channels]);
        const y = tf.tensor1d(Int32Array.from(split.y.subarray(start, start + count)), 'int32');
        return tf.sum(tf.notEqual(tf.argMax(this.model.forward(x, false), 1), y)).dataSync()[0];
      });
    }
    return (100 * wrong) / split.n;
  }
}
