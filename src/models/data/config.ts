/**
 * What a user asks for when naming a dataset (the `dataset:` block of an experiment, or the flags of
 * `dse train`), its validation, and where each dataset's files live by default.
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { DatasetError } from './types.js';

export const DATASET_NAMES = ['synthetic', 'fashion-mnist', 'cifar10'] as const;
export type DatasetName = (typeof DATASET_NAMES)[number];

/**
 * How images are brought to a requested resolution: 'bilinear' resizes (half-pixel centres, no
 * antialiasing: torch's F.interpolate(mode='bilinear', align_corners=False)); 'pad' zero-pads
 * (or centre-crops) symmetrically, e.g. Fashion-MNIST 28 -> 32 with 2 black pixels on each side.
 */
export type ResizeMode = 'bilinear' | 'pad';

export interface DatasetConfig {
  name: DatasetName;
  /** Folder holding the dataset's files; defaults per dataset (defaultDataDir). */
  data_dir?: string;
  /** Size of the training subset (class-stratified, seeded); the whole split when absent. */
  train_size?: number;
  test_size?: number;
  /**
   * Images of the training subset held out as a validation split (class-stratified, seeded): models
   * are ranked on it, never on the test split. Absent: DEFAULT_VAL_FRACTION of it; 0: none.
   */
  val_size?: number;
  /** Square resolution to bring images to; the dataset's own when absent. */
  resolution?: number;
  resize?: ResizeMode;
  /** Synthetic: any count; fashion-mnist: 1, or 3 to replicate the gray channel; cifar10: 3. */
  channels?: number;
  /** Synthetic only. */
  num_classes?: number;
  /** Seeds the subset draw (and, for synthetic, the images themselves). */
  seed: number;
}

/** The validation split's default share of the training subset. */
export const DEFAULT_VAL_FRACTION = 0.1;

/** Validation images of a config whose training subset has trainN images. */
export function valSizeOf(cfg: Pick<DatasetConfig, 'val_size'>, trainN: number): number {
  const size = cfg.val_size ?? Math.floor(trainN * DEFAULT_VAL_FRACTION);
  if (size >= trainN) throw new DatasetError(`dataset val_size ${size} leaves no training images of ${trainN}; use a smaller val_size (0: no validation split)`);
  return size;
}

/** Defaults of the synthetic dataset: small enough for a smoke test, large enough to learn from. */
export const SYNTHETIC_DEFAULTS = { train_size: 2048, test_size: 512, resolution: 32, channels: 3, num_classes: 10 };

/** Each dataset's images as they come (synthetic: its defaults), before any resizing or channel replication. */
export const NATIVE_SHAPES: Record<DatasetName, { channels: number; resolution: number; num_classes: number }> = {
  synthetic: { channels: SYNTHETIC_DEFAULTS.channels, resolution: SYNTHETIC_DEFAULTS.resolution, num_classes: SYNTHETIC_DEFAULTS.num_classes },
  'fashion-mnist': { channels: 1, resolution: 28, num_classes: 10 },
  cifar10: { channels: 3, resolution: 32, num_classes: 10 },
};

/** Split sizes of the official releases, to flag a partial copy in `dse data check`. */
export const OFFICIAL_SIZES: Partial<Record<DatasetName, { train: number; test: number }>> = {
  'fashion-mnist': { train: 60000, test: 10000 },
  cifar10: { train: 50000, test: 10000 },
};

/** The data root for downloaded datasets: $DSE_DATA_DIR, else ~/.cache/dse/data. */
export function dataRoot(): string {
  return process.env.DSE_DATA_DIR ? resolve(process.env.DSE_DATA_DIR) : join(homedir(), '.cache', 'dse', 'data');
}

/** Where a dataset's files are looked for when no data_dir is given. */
export function defaultDataDir(name: DatasetName): string {
  switch (name) {
    case 'fashion-mnist':
      return '/usr/share/datasets/fashion-mnist';
    case 'cifar10':
      return join(dataRoot(), 'cifar10');
    case 'synthetic':
      return '';
  }
}

export function dataDirOf(cfg: Pick<DatasetConfig, 'name' | 'data_dir'>): string {
  return cfg.data_dir ? resolve(cfg.data_dir) : defaultDataDir(cfg.name);
}

function checkCount(key: string, v: unknown, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (v === undefined) return;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new DatasetError(`dataset ${key} must be an integer in [${min}, ${max}], got ${JSON.stringify(v)}`);
  }
}

/** Checks a config's shape and ranges; the dataset-specific limits are checked by each loader. */
/**
 * Bounds of a dataset config's sizes, checked before anything is allocated. A split holds at most
 * DATASET_LIMITS.split_size images (CIFAR-10 and Fashion-MNIST have 60k; synthetic data is generated
 * in memory, so a larger request would only exhaust it).
 */
export const DATASET_LIMITS = {
  split_size: 10_000_000,
  resolution: 4096,
  channels: 64,
  num_classes: { min: 2, max: 256 },
} as const;

export function validateDatasetConfig(cfg: DatasetConfig): void {
  if (!(DATASET_NAMES as readonly string[]).includes(cfg.name)) {
    throw new DatasetError(`unknown dataset "${cfg.name}" (known: ${DATASET_NAMES.join(', ')})`);
  }
  const L = DATASET_LIMITS;
  checkCount('train_size', cfg.train_size, 1, L.split_size);
  checkCount('test_size', cfg.test_size, 1, L.split_size);
  checkCount('val_size', cfg.val_size, 0, L.split_size);
  checkCount('resolution', cfg.resolution, 1, L.resolution);
  checkCount('channels', cfg.channels, 1, L.channels);
  checkCount('num_classes', cfg.num_classes, L.num_classes.min, L.num_classes.max);
  if (typeof cfg.seed !== 'number' || !Number.isInteger(cfg.seed)) throw new DatasetError(`dataset seed must be an integer, got ${JSON.stringify(cfg.seed)}`);
  if (cfg.resize !== undefined && cfg.resize !== 'bilinear' && cfg.resize !== 'pad') {
    throw new DatasetError(`dataset resize must be "bilinear" or "pad", got ${JSON.stringify(cfg.resize)}`);
  }
  if (cfg.name !== 'synthetic' && cfg.num_classes !== undefined) {
    throw new DatasetError(`num_classes applies to the synthetic dataset only (${cfg.name} has its own classes)`);
  }
}
