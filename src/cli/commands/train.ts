/**
 * `dse train`: trains one model on one dataset with one engine, printing its complexity, a line per
 * epoch and the result. This is how a user debugs a single candidate before (or after) a sweep.
 *
 *   dse train --model anynet --depths 1,1 --widths 16,32 --block res_basic_block --stem res_stem_cifar \
 *             --stem-w 16 --dataset synthetic --epochs 2 --engine tfjs
 *   dse train --spec model.json --dataset cifar10 --device cuda --epochs 10
 */
import type { Command } from 'commander';
import { DATASET_LIMITS, DATASET_NAMES, DEFAULT_VAL_FRACTION, type DatasetConfig, type DatasetName, NATIVE_SHAPES, type PreparedDataset, prepareDatasetDetailed } from '../../models/data/index.js';
import { type ModelSpec, blockCount, complexity, complexityLines, outputClasses, withCommas } from '../../space/index.js';
import { UserError } from '../../util/errors.js';
import { DEFAULT_RECIPE, type EngineName, type EpochMetrics, type Recipe, type TrainRequest, type TrainResult } from '../../workers/engine.js';
import { Pool, abortOnSignals } from '../../workers/pool.js';
import { createSlots } from '../../workers/slots.js';
import { parseNumber } from '../modelOptions.js';
import { RecipeSectionSchema, SWEEP_LIMITS } from '../../experiment/schema.js';
import { expectation } from '../../experiment/locate.js';
import { type ModelSourceValues, addModelSourceOptions, modelSource } from '../modelSource.js';

interface TrainOptions extends ModelSourceValues {
  engine: string;
  backend?: string;
  device: string;
  gpu?: string;
  dataset: string;
  dataDir?: string;
  trainSize?: string;
  testSize?: string;
  valSize?: string;
  resize?: string;
  epochs?: string;
  batchSize?: string;
  lr?: string;
  wd?: string;
  labelSmoothing?: string;
  warmupEpochs?: string;
  preciseBn?: string;
  seed?: string;
  json?: boolean;
}


export function registerTrain(program: Command): void {
  const cmd = program
    .command('train')
    .description('train one model (from model flags, --spec or --preset) on a dataset and print per-epoch metrics')
    .option('--engine <name>', 'torch or tfjs', 'torch')
    .option('--backend <name>', 'tfjs backend: wasm, cpu or tensorflow (default: the best available)')
    .option('--device <device>', 'cpu or cuda (torch)', 'cpu')
    .option('--gpu <index>', 'with --device cuda: the GPU to use (sets CUDA_VISIBLE_DEVICES; default 0)')
    .option('--dataset <name>', `${DATASET_NAMES.join(', ')}`, 'synthetic')
    .option('--data-dir <dir>', 'folder with the dataset files (default: per dataset, see `dse data info`)')
    .option('--train-size <n>', 'training images: a class-stratified seeded subset (default: all; synthetic 2048)')
    .option('--test-size <n>', 'test images (default: all; synthetic 512)')
    .option('--val-size <n>', `validation images held out of the training images (default ${100 * DEFAULT_VAL_FRACTION}% of them; 0: none)`)
    .option('--resize <mode>', 'how images reach --resolution: bilinear or pad (zero-pad / centre-crop)', 'bilinear')
    .option('--epochs <n>', `training epochs (default ${DEFAULT_RECIPE.epochs})`)
    .option('--batch-size <n>', `batch size (default ${DEFAULT_RECIPE.batch_size})`)
    .option('--lr <lr>', `base learning rate for batch 128, scaled linearly with the batch size (default ${DEFAULT_RECIPE.base_lr})`)
    .option('--wd <wd>', `weight decay (default ${DEFAULT_RECIPE.weight_decay})`)
    .option('--label-smoothing <e>', `label smoothing (default ${DEFAULT_RECIPE.label_smoothing})`)
    .option('--warmup-epochs <n>', `linear warmup epochs (default ${DEFAULT_RECIPE.warmup_epochs})`)
    .option('--precise-bn <n>', `training images the BN statistics are recomputed on before each evaluation, 0: off (default ${DEFAULT_RECIPE.precise_bn})`)
    .option('--seed <n>', 'seed of the data subset, initialization and data order (default 0)')
    .option('--json', 'print one JSON object (spec, complexity, dataset, recipe, result) instead of text');
  addModelSourceOptions(cmd).action((opts: TrainOptions) => train(opts));
}

function choice<T extends string>(value: string, flag: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(value)) throw new UserError(`${flag}: must be one of ${choices.join(', ')}, got "${value}"`);
  return value as T;
}

/** The model: from --spec, --preset or the model flags, with the dataset's shape as the defaults. */
function modelSpec(opts: TrainOptions, dataset: DatasetName): ModelSpec {
  const shape = NATIVE_SHAPES[dataset];
  return modelSource(opts, { resolution: shape.resolution, numClasses: shape.num_classes, inputChannels: shape.channels }).spec;
}

/** The dataset the model needs: its resolution and channels (and, for synthetic, its classes). */
function datasetConfig(opts: TrainOptions, name: DatasetName, spec: ModelSpec, seed: number): DatasetConfig {
  const shape = NATIVE_SHAPES[name];
  const synthetic = name === 'synthetic';
  const classes = outputClasses(spec);
  if (!synthetic && classes !== shape.num_classes) {
    throw new UserError(`${opts.spec ? '--spec' : '--classes'}: the model has ${classes} classes but ${name} has ${shape.num_classes}`);
  }
  return {
    name, seed, data_dir: opts.dataDir,
    train_size: opts.trainSize === undefined ? undefined : parseNumber(opts.trainSize, '--train-size', 'positiveInt', DATASET_LIMITS.split_size),
    test_size: opts.testSize === undefined ? undefined : parseNumber(opts.testSize, '--test-size', 'positiveInt', DATASET_LIMITS.split_size),
    val_size: opts.valSize === undefined ? undefined : parseNumber(opts.valSize, '--val-size', 'nonNegativeInt', DATASET_LIMITS.split_size),
    resolution: synthetic || spec.input.resolution !== shape.resolution ? spec.input.resolution : undefined,
    resize: choice(opts.resize ?? 'bilinear', '--resize', ['bilinear', 'pad'] as const),
    channels: synthetic || spec.input.channels !== shape.channels ? spec.input.channels : undefined,
    num_classes: synthetic ? classes : undefined,
  };
}

/** The recipe from the flags, checked against the experiment file's recipe schema (one set of bounds for both). */
function recipeFrom(opts: TrainOptions, seed: number): Recipe {
  const flags = { epochs: '--epochs', batch_size: '--batch-size', base_lr: '--lr', weight_decay: '--wd', label_smoothing: '--label-smoothing', warmup_epochs: '--warmup-epochs', precise_bn: '--precise-bn' } as const;
  const texts: Record<keyof typeof flags, string | undefined> = {
    epochs: opts.epochs, batch_size: opts.batchSize, base_lr: opts.lr, weight_decay: opts.wd, label_smoothing: opts.labelSmoothing, warmup_epochs: opts.warmupEpochs, precise_bn: opts.preciseBn,
  };
  const given: Record<string, number> = {};
  for (const [key, text] of Object.entries(texts)) if (text !== undefined) given[key] = parseNumber(text, flags[key as keyof typeof flags], 'number');
  const parsed = RecipeSectionSchema.safeParse(given);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = String(issue.path[0]) as keyof typeof flags;
    throw new UserError(`${flags[key]}: ${expectation(issue)}, got "${texts[key]}"`);
  }
  return { ...parsed.data, seed };
}

const EPOCH_HEADER = ['epoch', 'lr', 'train_loss', 'train_err', 'val_err', 'test_err', 'seconds', 'img/s'];
const EPOCH_WIDTHS = [5, 10, 10, 9, 8, 8, 8, 9];

function tableLine(cells: string[]): string {
  return cells.map((c, i) => c.padStart(EPOCH_WIDTHS[i])).join('  ');
}

/** One table line per epoch (engines count epochs from 1). */
export function epochLine(m: EpochMetrics): string {
  const f = (v: number, digits: number) => (!Number.isFinite(v) ? String(v) : Math.abs(v) >= 1e6 ? v.toExponential(3) : v.toFixed(digits));
  return tableLine([String(m.epoch), m.lr.toPrecision(4), f(m.train_loss, 4), f(m.train_err, 2), typeof m.val_err === 'number' ? f(m.val_err, 2) : '-', f(m.test_err, 2), f(m.seconds, 1), f(m.images_per_sec, 0)]);
}

function datasetLine(p: PreparedDataset): string {
  const r = p.ref;
  const stats = (v: number[]) => `[${v.map((x) => x.toFixed(4)).join(', ')}]`;
  return `dataset ${r.name}: ${p.train_n} train / ${p.val_n} validation / ${p.test_n} test, ${r.channels}x${r.resolution}x${r.resolution}, ${r.num_classes} classes, mean ${stats(r.mean)} std ${stats(r.std)}${p.cached ? ' (cached)' : ''}`;
}

function resultLines(result: TrainResult, counted: number): string[] {
  const err = (v: number | null) => (v === null ? '-' : `${v.toFixed(2)}%`);
  const lines = [`result: ${result.status} on ${result.worker} in ${result.seconds.toFixed(1)} s`];
  if (result.status === 'done') {
    if (typeof result.final_val_err === 'number') lines.push(`final validation error ${err(result.final_val_err)}, best ${err(result.best_val_err ?? null)}`);
    lines.push(`final test error ${err(result.final_test_err)}, best ${err(result.best_test_err)}`);
  }
  if (result.params_built !== null) {
    lines.push(`params built ${withCommas(result.params_built)}${result.params_built === counted ? ' (matches the count)' : ` (the count says ${withCommas(counted)})`}`);
  }
  if (result.peak_mem_bytes) lines.push(`peak memory ${(result.peak_mem_bytes / 2 ** 20).toFixed(1)} MiB`);
  if (result.error) lines.push(`error: ${result.error}`);
  return lines;
}

async function train(opts: TrainOptions): Promise<void> {
  const engine = choice(opts.engine, '--engine', ['torch', 'tfjs'] as const) as EngineName;
  const device = choice(opts.device, '--device', ['cpu', 'cuda'] as const);
  if (engine === 'tfjs' && device !== 'cpu') throw new UserError('--device: the tfjs engine runs on the CPU; use --engine torch for cuda');
  if (opts.backend !== undefined && engine !== 'tfjs') throw new UserError('--backend: applies to --engine tfjs only');
  const gpu = opts.gpu === undefined ? 0 : parseNumber(opts.gpu, '--gpu', 'nonNegativeInt');
  if (opts.gpu !== undefined && device !== 'cuda') throw new UserError('--gpu: applies to --device cuda only');
  const datasetName = choice(opts.dataset, '--dataset', DATASET_NAMES);
  const seed = opts.seed === undefined ? 0 : parseNumber(opts.seed, '--seed', 'nonNegativeInt', SWEEP_LIMITS.seed);
  const recipe = recipeFrom(opts, seed);
  const spec = modelSpec(opts, datasetName);
  const cx = complexity(spec);
  const datasetCfg = datasetConfig(opts, datasetName, spec, seed); // its flags are checked before anything is printed
  const out = (line: string) => {
    if (!opts.json) process.stdout.write(`${line}\n`);
  };
  out(`model: ${spec.input.channels}x${spec.input.resolution}x${spec.input.resolution} input, ${blockCount(spec)} blocks, ${outputClasses(spec)} classes`);
  for (const line of complexityLines(cx)) out(line);

  const prepared = prepareDatasetDetailed(datasetCfg);
  out(datasetLine(prepared));

  const slots = await createSlots({ engine, gpus: device === 'cuda' ? [gpu] : [], trials_per_gpu: 1, cpu_workers: 1, backend: opts.backend });
  const req: TrainRequest = { trial_id: 'train', spec, dataset: prepared.ref, recipe, device };
  let printedHeader = false;
  const pool = new Pool(slots, {
    onStart: (_r, slot) => out(`training on ${slot} (${device}${device === 'cuda' ? `, GPU ${gpu}` : ''}): ${recipe.epochs} epochs, batch ${recipe.batch_size}, lr ${recipe.base_lr}, wd ${recipe.weight_decay}`),
    onEpoch: (_r, m) => {
      if (!printedHeader) out(tableLine(EPOCH_HEADER));
      printedHeader = true;
      out(epochLine(m));
    },
  });
  const removeSignals = abortOnSignals(pool, () => process.stderr.write('dse: interrupted; stopping the training (press Ctrl-C again to quit at once)\n'));
  let result: TrainResult;
  try {
    pool.push(req);
    const summary = await pool.run();
    result = summary.results[0];
  } finally {
    removeSignals();
    await pool.close();
  }
  if (!result) throw new UserError('interrupted before the training started');
  if (opts.json) {
    const json = { spec, complexity: cx, dataset: { ...prepared.ref, train_n: prepared.train_n, val_n: prepared.val_n, test_n: prepared.test_n }, recipe, engine, result };
    process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
  } else {
    for (const line of resultLines(result, cx.params)) out(line);
  }
  if (result.status !== 'done') {
    const first = (result.error ?? '').split('\n')[0];
    throw new UserError(result.status === 'interrupted' ? 'training interrupted' : `training failed${first ? `: ${first}` : ''}`);
  }
}
