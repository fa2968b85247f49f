/** loadDataset: a DatasetConfig in, a ready ImageDataset (subset, channels, resolution, statistics) out. */
import { existsSync } from 'node:fs';
import { CIFAR10_CLASSES, loadCifar10 } from './cifar10.js';
import { type DatasetConfig, dataDirOf, SYNTHETIC_DEFAULTS, validateDatasetConfig, valSizeOf } from './config.js';
import { FASHION_MNIST_CLASSES, loadFashionMnist } from './fashionMnist.js';
import { rngFor } from './rng.js';
import { holdOut, subsetSplit } from './subset.js';
import { generateSynthetic } from './synthetic.js';
import { channelStats, replicateChannels, resizeDataset } from './transform.js';
import { DatasetError, type ImageDataset, type RawDataset } from './types.js';

/** Class names for display; synthetic classes are just numbered. */
export function classNames(name: string, numClasses: number): string[] {
  if (name === 'fashion-mnist') return FASHION_MNIST_CLASSES;
  if (name === 'cifar10') return CIFAR10_CLASSES;
  return Array.from({ length: numClasses }, (_, i) => `class ${i}`);
}

/** Reads a dataset's full train and test splits as they are on disk (or generates the synthetic one). */
export function loadRawDataset(cfg: DatasetConfig): RawDataset {
  validateDatasetConfig(cfg);
  if (cfg.name === 'synthetic') {
    const d = SYNTHETIC_DEFAULTS;
    return generateSynthetic({
      train_size: cfg.train_size ?? d.train_size, test_size: cfg.test_size ?? d.test_size,
      resolution: cfg.resolution ?? d.resolution, channels: cfg.channels ?? d.channels,
      num_classes: cfg.num_classes ?? d.num_classes, seed: cfg.seed,
    });
  }
  const dir = dataDirOf(cfg);
  if (cfg.data_dir && !existsSync(dir)) {
    throw new DatasetError(`${cfg.name}: data dir ${dir} does not exist; check --data-dir${cfg.name === 'cifar10' ? ' or run `dse data download cifar10 --data-dir ' + dir + '`' : ''}`);
  }
  return cfg.name === 'fashion-mnist' ? loadFashionMnist(dir) : loadCifar10(dir);
}

function matchChannels(ds: RawDataset, channels: number | undefined): RawDataset {
  if (channels === undefined || channels === ds.channels) return ds;
  if (ds.channels === 1) return replicateChannels(ds, channels);
  throw new DatasetError(`${ds.name} has ${ds.channels} channels; it cannot be given as ${channels} (only 1-channel data can be replicated)`);
}

export function loadDataset(cfg: DatasetConfig): ImageDataset {
  let ds = loadRawDataset(cfg);
  const item = ds.channels * ds.height * ds.width;
  if (cfg.name !== 'synthetic') {
    ds = {
      ...ds,
      train: subsetSplit(ds.train, cfg.train_size, item, rngFor(cfg.seed, 'subset-train'), `${cfg.name}: a training subset`),
      test: subsetSplit(ds.test, cfg.test_size, item, rngFor(cfg.seed, 'subset-test'), `${cfg.name}: a test subset`),
    };
  }
  // The validation split comes out of the training subset before anything is computed from it.
  const { kept, held } = holdOut(ds.train, valSizeOf(cfg, ds.train.n), item, rngFor(cfg.seed, 'subset-val'));
  ds = { ...ds, train: kept, val: held };
  if (cfg.name !== 'synthetic') {
    if (cfg.resolution !== undefined) ds = resizeDataset(ds, cfg.resolution, cfg.resize ?? 'bilinear');
    ds = matchChannels(ds, cfg.channels); // after resizing: replicated planes need resizing only once
  }
  return { ...ds, ...channelStats(ds.train, ds.channels, ds.height * ds.width) };
}
