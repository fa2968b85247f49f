/**
 * `dse data`: get and inspect datasets.
 *
 *   dse data download cifar10 [--data-dir D] [--archive cifar-10-binary.tar.gz]
 *   dse data info <name> [--data-dir D] [--train-size N ...]   sizes, classes, channel mean/std
 *   dse data check <name> [--data-dir D]                       reads and verifies every file
 */
import type { Command } from 'commander';
import {
  DATASET_LIMITS, DATASET_NAMES, DEFAULT_VAL_FRACTION, type DatasetConfig, type DatasetName, OFFICIAL_SIZES, type ResizeMode, classNames, dataDirOf, defaultCacheDir, downloadCifar10,
  loadDataset, loadRawDataset, sourceFiles,
} from '../../models/data/index.js';
import { UserError } from '../../util/errors.js';
import { parseNumber } from '../modelOptions.js';

interface InfoOptions {
  dataDir?: string;
  trainSize?: string;
  testSize?: string;
  valSize?: string;
  resolution?: string;
  resize?: string;
  channels?: string;
  classes?: string;
  seed?: string;
  json?: boolean;
}

function datasetName(name: string): DatasetName {
  if (!(DATASET_NAMES as readonly string[]).includes(name)) throw new UserError(`unknown dataset "${name}" (known: ${DATASET_NAMES.join(', ')})`);
  return name as DatasetName;
}

function resizeMode(v: string | undefined): ResizeMode {
  if (v === undefined || v === 'bilinear' || v === 'pad') return v ?? 'bilinear';
  throw new UserError(`--resize: must be bilinear or pad, got "${v}"`);
}

export function registerData(program: Command): void {
  const data = program.command('data').description('download, inspect and check datasets');

  data
    .command('download <name>')
    .description('download a dataset into its data dir (cifar10; fashion-mnist comes from Debian, synthetic is generated)')
    .option('--data-dir <dir>', 'where to put it (default: $DSE_DATA_DIR/cifar10 or ~/.cache/dse/data/cifar10)')
    .option('--archive <file>', 'unpack this cifar-10-binary.tar.gz instead of downloading it (machines without internet)')
    .action(async (name: string, opts: { dataDir?: string; archive?: string }) => {
      const ds = datasetName(name);
      if (ds === 'fashion-mnist') throw new UserError('fashion-mnist: install it with `apt-get install dataset-fashion-mnist` (into /usr/share/datasets/fashion-mnist), or put its four .gz files in a folder and pass --data-dir');
      if (ds === 'synthetic') throw new UserError('synthetic: nothing to download; the data is generated from --seed');
      const dir = dataDirOf({ name: ds, data_dir: opts.dataDir });
      const progress = process.stderr.isTTY ? (bytes: number, total: number | null) => {
        process.stderr.write(`\rdownloading cifar10: ${(bytes / 2 ** 20).toFixed(1)} MiB${total ? ` of ${(total / 2 ** 20).toFixed(1)} MiB` : ''}`);
      } : undefined;
      const batchDir = await downloadCifar10(dir, { archive: opts.archive, onProgress: progress });
      if (progress) process.stderr.write('\n');
      process.stdout.write(`cifar10: checked (MD5) and unpacked into ${batchDir}\n`);
    });

  data
    .command('info <name>')
    .description('sizes, classes and per-channel mean/std of a dataset (of the subset the options select)')
    .option('--data-dir <dir>', 'folder with the dataset files')
    .option('--train-size <n>', 'a class-stratified training subset of n images')
    .option('--test-size <n>', 'a test subset of n images')
    .option('--val-size <n>', `validation images held out of the training images (default ${100 * DEFAULT_VAL_FRACTION}%; 0: none)`)
    .option('--resolution <px>', 'resize to this square resolution')
    .option('--resize <mode>', 'bilinear or pad', 'bilinear')
    .option('--channels <c>', 'channels (synthetic: any; fashion-mnist: 1 or 3)')
    .option('--classes <n>', 'classes (synthetic only)')
    .option('--seed <n>', 'seed of the subset (and of synthetic images)', '0')
    .option('--json', 'print JSON')
    .action((name: string, opts: InfoOptions) => {
      const num = (v: string | undefined, flag: string) => (v === undefined ? undefined : parseNumber(v, flag, 'positiveInt', DATASET_LIMITS.split_size));
      const cfg: DatasetConfig = {
        name: datasetName(name), data_dir: opts.dataDir, seed: parseNumber(opts.seed ?? '0', '--seed', 'nonNegativeInt'),
        train_size: num(opts.trainSize, '--train-size'), test_size: num(opts.testSize, '--test-size'),
        val_size: opts.valSize === undefined ? undefined : parseNumber(opts.valSize, '--val-size', 'nonNegativeInt', DATASET_LIMITS.split_size),
        resolution: num(opts.resolution, '--resolution'), channels: num(opts.channels, '--channels'), num_classes: num(opts.classes, '--classes'),
        resize: resizeMode(opts.resize),
      };
      const ds = loadDataset(cfg);
      const names = classNames(ds.name, ds.num_classes);
      const counts = (y: Uint8Array) => {
        const perClass = names.map(() => 0);
        for (const v of y) perClass[v]++;
        return perClass;
      };
      const trainCounts = counts(ds.train.y);
      const testCounts = counts(ds.test.y);
      const info = {
        name: ds.name, data_dir: cfg.name === 'synthetic' ? null : dataDirOf(cfg), cache_dir: defaultCacheDir(),
        train: ds.train.n, val: ds.val?.n ?? 0, test: ds.test.n, channels: ds.channels, height: ds.height, width: ds.width, num_classes: ds.num_classes,
        mean: ds.mean, std: ds.std,
        classes: names.map((n, c) => ({ label: c, name: n, train: trainCounts[c], test: testCounts[c] })),
      };
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(info, null, 2)}\n`);
        return;
      }
      const lines = [
        `${info.name}${info.data_dir ? ` (${info.data_dir})` : ' (generated)'}`,
        `  images   ${info.train} train, ${info.val} validation, ${info.test} test, ${info.channels}x${info.height}x${info.width} (CxHxW)`,
        `  mean     ${info.mean.map((v) => v.toFixed(4)).join(' ')}   (per channel, 0..1 scale, training set)`,
        `  std      ${info.std.map((v) => v.toFixed(4)).join(' ')}`,
        `  classes  ${info.num_classes}:`,
        ...info.classes.map((c) => `    ${String(c.label).padStart(3)}  ${c.name.padEnd(12)} ${String(c.train).padStart(6)} train ${String(c.test).padStart(6)} test`),
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    });

  data
    .command('check <name>')
    .description('read every file of a dataset and verify its format, sizes and labels')
    .option('--data-dir <dir>', 'folder with the dataset files')
    .action((name: string, opts: { dataDir?: string }) => {
      const ds = datasetName(name);
      if (ds === 'synthetic') {
        process.stdout.write('synthetic: generated on demand from the seed; nothing to check\n');
        return;
      }
      const cfg: DatasetConfig = { name: ds, data_dir: opts.dataDir, seed: 0 };
      const raw = loadRawDataset(cfg);
      for (const path of sourceFiles(cfg)) process.stdout.write(`ok  ${path}\n`);
      const official = OFFICIAL_SIZES[ds];
      const partial = official && (raw.train.n !== official.train || raw.test.n !== official.test);
      process.stdout.write(
        `${ds}: ${raw.train.n} train + ${raw.test.n} test images, ${raw.channels}x${raw.height}x${raw.width}, labels in 0..${raw.num_classes - 1}` +
          `${partial ? ` (note: the official release has ${official.train} + ${official.test})` : ''}\n`,
      );
    });
}
