/**
 * The experiment file's schema. The sections that describe what is sampled (space, sampler,
 * constraints, network) belong to src/sampler/schema.ts and are embedded as they are; this file owns
 * the rest: the dataset, the recipe, the engine and resources, retries and the database path.
 *
 * Every object is strict (unknown keys are errors) and every bound has a message phrased as
 * "expected ...": the loader appends ", got <what the file says>" and the file:line:col.
 */
import { z } from 'zod';
import { DEFAULT_RECIPE, RECIPE_LIMITS } from '../workers/engine.js';
import { RESOURCE_LIMITS } from '../workers/slots.js';
import { DATASET_LIMITS, DATASET_NAMES, SYNTHETIC_DEFAULTS, type DatasetName } from '../models/data/config.js';
import { ConstraintsSchema, NetworkSectionSchema, SamplerSectionSchema, SpaceSectionSchema } from '../sampler/schema.js';

const positiveInt = () => z.number({ error: 'expected a positive integer' }).int({ error: 'expected a positive integer' }).min(1, { error: 'expected a positive integer' });
const nonNegativeInt = () => z.number({ error: 'expected a non-negative integer' }).int({ error: 'expected a non-negative integer' }).min(0, { error: 'expected a non-negative integer' });
const nonNegative = () => z.number({ error: 'expected a non-negative number' }).min(0, { error: 'expected a non-negative number' });
const positive = () => z.number({ error: 'expected a positive number' }).gt(0, { error: 'expected a positive number' });
/** An integer in [min, max]; `unit` names what is counted ("images", "worker slots"), for the message past the bound. */
const boundedInt = (min: number, max: number, unit = '') => {
  const base = min === 1 ? 'expected a positive integer' : min === 0 ? 'expected a non-negative integer' : `expected an integer in [${min}, ${max}]`;
  const tooBig = min > 1 ? base : `expected at most ${max}${unit ? ` ${unit}` : ''}`;
  return z.number({ error: base }).int({ error: base }).min(min, { error: base }).max(max, { error: tooBig });
};
const boolean = () => z.boolean({ error: 'expected true or false' });
const nonEmptyString = (what: string) => z.string({ error: `expected ${what}` }).min(1, { error: `expected ${what}` });

/** Shape of each dataset's images when the file does not say otherwise. */
export const DATASET_DEFAULTS: Record<DatasetName, { channels: number; resolution: number; num_classes: number }> = {
  cifar10: { channels: 3, resolution: 32, num_classes: 10 },
  'fashion-mnist': { channels: 1, resolution: 28, num_classes: 10 },
  synthetic: { channels: SYNTHETIC_DEFAULTS.channels, resolution: SYNTHETIC_DEFAULTS.resolution, num_classes: SYNTHETIC_DEFAULTS.num_classes },
};

/** Channel counts each dataset can provide (fashion-mnist may replicate its gray channel to 3). */
const CHANNEL_CHOICES: Record<DatasetName, number[] | null> = { cifar10: [3], 'fashion-mnist': [1, 3], synthetic: null };

export const DatasetSectionSchema = z
  .strictObject({
    name: z.enum(DATASET_NAMES, { error: `expected one of ${DATASET_NAMES.join(', ')}` }),
    data_dir: nonEmptyString('a directory path').optional(),
    train_size: boundedInt(1, DATASET_LIMITS.split_size, 'images').optional(),
    test_size: boundedInt(1, DATASET_LIMITS.split_size, 'images').optional(),
    /** Held out of the training subset for ranking; absent: DEFAULT_VAL_FRACTION of it; 0: none. */
    val_size: boundedInt(0, DATASET_LIMITS.split_size, 'images').optional(),
    resolution: boundedInt(1, DATASET_LIMITS.resolution, 'pixels').optional(),
    /** How images reach `resolution`: bilinear resize, or zero-pad / centre-crop. */
    resize: z.enum(['bilinear', 'pad'], { error: 'expected bilinear or pad' }).optional(),
    channels: boundedInt(1, DATASET_LIMITS.channels, 'channels').optional(),
    /** Synthetic data only. */
    num_classes: boundedInt(DATASET_LIMITS.num_classes.min, DATASET_LIMITS.num_classes.max).optional(),
  })
  .superRefine((d, ctx) => {
    const choices = CHANNEL_CHOICES[d.name];
    if (d.channels !== undefined && choices && !choices.includes(d.channels)) {
      ctx.addIssue({ code: 'custom', path: ['channels'], message: `expected ${choices.join(' or ')} for ${d.name}` });
    }
    if (d.num_classes !== undefined && d.name !== 'synthetic') {
      ctx.addIssue({ code: 'custom', path: ['num_classes'], message: `only synthetic data takes num_classes (${d.name} has ${DATASET_DEFAULTS[d.name].num_classes})` });
    }
  });

/** Bounds of a sweep's counts: every sampled model is a row written at creation. */
export const SWEEP_LIMITS = { n: 1_000_000, max_retries: 100, seed: 2 ** 32 - 1, repeats: 100 } as const;

const d = DEFAULT_RECIPE;
export const RecipeSectionSchema = z.strictObject({
  epochs: boundedInt(1, RECIPE_LIMITS.epochs, 'epochs').default(d.epochs),
  batch_size: boundedInt(1, RECIPE_LIMITS.batch_size, 'images per batch').default(d.batch_size),
  base_lr: positive().default(d.base_lr),
  momentum: nonNegative().max(1, { error: 'expected a number in [0, 1]' }).default(d.momentum),
  nesterov: boolean().default(d.nesterov),
  weight_decay: nonNegative().default(d.weight_decay),
  bn_weight_decay: boolean().default(d.bn_weight_decay),
  warmup_epochs: nonNegative().default(d.warmup_epochs),
  warmup_factor: positive().max(1, { error: 'expected a number in (0, 1]' }).default(d.warmup_factor),
  label_smoothing: nonNegative().lt(1, { error: 'expected a number in [0, 1)' }).default(d.label_smoothing),
  augment_pad: nonNegativeInt().default(d.augment_pad),
  augment_flip: boolean().default(d.augment_flip),
  /** Training images the BN statistics are recomputed on before each evaluation; 0: off. */
  precise_bn: boundedInt(0, RECIPE_LIMITS.precise_bn, 'images').default(d.precise_bn),
  /** Seed of every trial's initialization and data order; defaults to the experiment's seed. */
  seed: boundedInt(0, SWEEP_LIMITS.seed).optional(),
  /** Time limit of one training, minutes; unset: derived from observed epoch times (src/workers/timeLimit.ts). */
  max_minutes: positive().max(RECIPE_LIMITS.max_minutes, { error: `expected at most ${RECIPE_LIMITS.max_minutes} minutes (24 days)` }).optional(),
});

export const ENGINE_NAMES = ['torch', 'tfjs'] as const;

export const ResourcesSectionSchema = z.strictObject({
  gpus: z.array(boundedInt(0, RESOURCE_LIMITS.gpu_index), { error: 'expected a list of GPU indices, e.g. [0, 1] ([] for CPU)' }).default([]),
  trials_per_gpu: boundedInt(1, RESOURCE_LIMITS.trials_per_gpu, 'trainings per GPU').default(1),
  cpu_workers: boundedInt(1, RESOURCE_LIMITS.cpu_workers, 'worker slots').default(1),
  /** Threads of each worker slot; default: the cores shared out (CPU results are bit-identical per seed and thread count). */
  threads_per_worker: boundedInt(1, RESOURCE_LIMITS.threads_per_worker, 'threads').optional(),
  /** tfjs backend (e.g. wasm, cpu); the engine's default when omitted. */
  backend: nonEmptyString('a tfjs backend name').optional(),
});

export const SWEEP_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
/** A sweep's name is also its default database file name (db/<name>.sqlite), so it must fit a file name. */
export const SWEEP_NAME_MAX = 128;

export const ExperimentSchema = z.strictObject({
  name: z.string({ error: 'expected a sweep name' }).max(SWEEP_NAME_MAX, { error: `expected a name of at most ${SWEEP_NAME_MAX} characters` }).regex(SWEEP_NAME_PATTERN, { error: 'expected a name of letters, digits, ".", "_" or "-", starting with a letter or digit' }),
  description: z.string({ error: 'expected text' }).optional(),
  n: boundedInt(1, SWEEP_LIMITS.n, 'models'),
  seed: boundedInt(0, SWEEP_LIMITS.seed).default(0),
  /** Trainings of each model, with seeds seed + r * REPEAT_SEED_STEP: its error is their mean, `dse analyze` shows their spread. */
  repeats: boundedInt(1, SWEEP_LIMITS.repeats, 'trainings per model').default(1),
  space: SpaceSectionSchema,
  sampler: SamplerSectionSchema.optional(),
  constraints: ConstraintsSchema.optional(),
  network: NetworkSectionSchema.default({}),
  dataset: DatasetSectionSchema,
  recipe: RecipeSectionSchema.default(RecipeSectionSchema.parse({})),
  engine: z.enum(ENGINE_NAMES, { error: `expected one of ${ENGINE_NAMES.join(', ')}` }).default('torch'),
  resources: ResourcesSectionSchema.default(ResourcesSectionSchema.parse({})),
  max_retries: boundedInt(0, SWEEP_LIMITS.max_retries, 'retries').default(2),
  db: nonEmptyString('a database file path').optional(),
}).superRefine((e, ctx) => {
  if (!e.network || !e.space) return;
  if (e.network.strides && e.space.kind !== 'family') {
    const stages = e.space.kind === 'anynet' ? e.space.stages : undefined;
    if (stages === undefined) ctx.addIssue({ code: 'custom', message: 'a stride per stage needs a fixed stage count (an anynet space); use stride and first_stride for RegNets', path: ['network', 'strides'] });
    else if (e.network.strides.length !== stages) ctx.addIssue({ code: 'custom', message: `has ${e.network.strides.length} entries but space ${e.space.name} has ${stages} stages`, path: ['network', 'strides'] });
  }
  if (e.space.kind !== 'family') return;
  // A family generates its whole network; only the dataset decides its input and classes.
  for (const key of Object.keys(e.network)) {
    ctx.addIssue({ code: 'custom', message: `family ${e.space.family} builds its own network; network.${key} applies to anynet and regnet spaces (set the family's parameters in space.params or space.fixed)`, path: ['network', key] });
  }
});

export type ExperimentConfig = z.output<typeof ExperimentSchema>;
export type DatasetSection = z.output<typeof DatasetSectionSchema>;
export type RecipeSection = z.output<typeof RecipeSectionSchema>;
export type ResourcesSection = z.output<typeof ResourcesSectionSchema>;
