/**
 * prepareDataset: loads a dataset once and writes it as the tensor file the engines read, in a cache
 * folder keyed by a hash of everything the file depends on (the normalized config, the source files'
 * sizes and modification times, the file format), so later trials and sweeps reuse it.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { cifar10Paths } from './cifar10.js';
import { DEFAULT_VAL_FRACTION, type DatasetConfig, dataDirOf, SYNTHETIC_DEFAULTS, validateDatasetConfig } from './config.js';
import { fashionMnistPaths } from './fashionMnist.js';
import { loadDataset } from './load.js';
import { readTensorFileHeader, type TensorFileHeader, writeTensorFile } from './tensorFile.js';
import { DatasetError, type DatasetRef } from './types.js';

/** Bumped whenever a loader or transform changes the bytes it produces, so old cache entries are not reused. */
const PREPARE_VERSION = 2;

/** The dataset cache folder: $DSE_CACHE_DIR, else ~/.cache/dse/datasets. */
export function defaultCacheDir(): string {
  return process.env.DSE_CACHE_DIR ? resolve(process.env.DSE_CACHE_DIR) : join(homedir(), '.cache', 'dse', 'datasets');
}

/** The source files a prepared dataset depends on (none for synthetic). */
export function sourceFiles(cfg: DatasetConfig): string[] {
  if (cfg.name === 'synthetic') return [];
  const dir = dataDirOf(cfg);
  return cfg.name === 'fashion-mnist' ? fashionMnistPaths(dir) : cifar10Paths(dir);
}

/** The cache key: a hash of the normalized config and the sources' identities. */
export function datasetKey(cfg: DatasetConfig): string {
  const sources = sourceFiles(cfg).map((p) => {
    const alt = p.replace(/\.gz$/, '');
    const path = existsSync(p) ? p : existsSync(alt) ? alt : p;
    if (!existsSync(path)) return { path, missing: true };
    const st = statSync(path);
    return { path, size: st.size, mtime: st.mtimeMs };
  });
  // Spell out what the loader would default, so equivalent configs share one entry.
  const synthetic = cfg.name === 'synthetic' ? SYNTHETIC_DEFAULTS : null;
  const normalized = {
    v: PREPARE_VERSION, name: cfg.name, data_dir: synthetic ? null : dataDirOf(cfg),
    train_size: cfg.train_size ?? synthetic?.train_size ?? null, test_size: cfg.test_size ?? synthetic?.test_size ?? null,
    val_size: cfg.val_size ?? { fraction: DEFAULT_VAL_FRACTION },
    resolution: cfg.resolution ?? synthetic?.resolution ?? null,
    resize: synthetic || cfg.resolution === undefined ? null : (cfg.resize ?? 'bilinear'),
    channels: cfg.channels ?? synthetic?.channels ?? null, num_classes: cfg.num_classes ?? synthetic?.num_classes ?? null,
    seed: cfg.seed, sources,
  };
  return createHash('sha256').update(JSON.stringify(normalized)).digest('hex').slice(0, 16);
}

export function refFromHeader(path: string, h: TensorFileHeader): DatasetRef {
  if (h.height !== h.width) throw new DatasetError(`${path}: images are ${h.height}x${h.width}; dse trains on square images (set a resolution)`);
  return { name: h.name, path, num_classes: h.num_classes, channels: h.channels, resolution: h.height, mean: h.mean, std: h.std };
}

export interface PreparedDataset {
  ref: DatasetRef;
  /** True when the cached file was reused. */
  cached: boolean;
  train_n: number;
  test_n: number;
  /** Validation images (0: no validation split). */
  val_n: number;
}

/**
 * A dataset loaded and checked but not yet written to the cache: its ref (shape, classes and the
 * cache path it will have) is known, so a caller can refuse to go on before anything is written.
 */
export interface StagedDataset extends PreparedDataset {
  /** Writes the cache file (nothing to do when it was cached) and returns the prepared dataset. */
  commit(): PreparedDataset;
}

/** Loads (or finds in the cache) the dataset a config describes, writing nothing. */
export function stageDataset(cfg: DatasetConfig, cacheDir = defaultCacheDir()): StagedDataset {
  validateDatasetConfig(cfg);
  const path = join(cacheDir, `${cfg.name}-${datasetKey(cfg)}.dsedata`);
  if (existsSync(path)) {
    try {
      const h = readTensorFileHeader(path);
      const prepared: PreparedDataset = { ref: refFromHeader(path, h), cached: true, train_n: h.train_n, test_n: h.test_n, val_n: h.val_n ?? 0 };
      return { ...prepared, commit: () => prepared };
    } catch {
      // A damaged cache entry is rebuilt on commit.
    }
  }
  const ds = loadDataset(cfg);
  if (ds.height !== ds.width) throw new DatasetError(`${cfg.name}: images are ${ds.height}x${ds.width}; dse trains on square images (set a resolution)`);
  const ref: DatasetRef = { name: ds.name, path, num_classes: ds.num_classes, channels: ds.channels, resolution: ds.height, mean: ds.mean, std: ds.std };
  let written: PreparedDataset | undefined;
  return {
    ref, cached: false, train_n: ds.train.n, test_n: ds.test.n, val_n: ds.val?.n ?? 0,
    commit() {
      if (written) return written;
      try {
        mkdirSync(cacheDir, { recursive: true });
      } catch (e) {
        throw new DatasetError(`cannot create the dataset cache ${cacheDir}: ${(e as Error).message}; set DSE_CACHE_DIR to a writable folder`);
      }
      const h = writeTensorFile(path, ds);
      written = { ref: refFromHeader(path, h), cached: false, train_n: h.train_n, test_n: h.test_n, val_n: h.val_n ?? 0 };
      return written;
    },
  };
}

/** Like prepareDataset, also saying whether the cache was hit and the split sizes. */
export function prepareDatasetDetailed(cfg: DatasetConfig, cacheDir = defaultCacheDir()): PreparedDataset {
  return stageDataset(cfg, cacheDir).commit();
}

/** Loads the dataset and writes its prepared tensor file into the cache (reusing it when present). */
export function prepareDataset(cfg: DatasetConfig, cacheDir?: string): DatasetRef {
  return prepareDatasetDetailed(cfg, cacheDir).ref;
}
