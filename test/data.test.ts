/**
 * Datasets: IDX (Fashion-MNIST) and CIFAR-10 binary parsing on small files written in the real
 * formats, error messages for missing and corrupt files, subsets, statistics, resizing, the synthetic
 * generator, and the prepared-file cache.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, truncateSync, utimesSync, writeFileSync, mkdirSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import {
  DatasetError, loadDataset, loadRawDataset, prepareDatasetDetailed, readTensorFile, type ImageSplit,
} from '../src/models/data/index.js';
import { encodeIdx } from '../src/models/data/idx.js';
import { rngFor } from '../src/models/data/rng.js';
import { stratifiedIndices } from '../src/models/data/subset.js';
import { channelStats, resizeDataset } from '../src/models/data/transform.js';

const root = mkdtempSync(join(tmpdir(), 'dse-data-test-'));
after(() => rmSync(root, { recursive: true, force: true }));
let dirCount = 0;
const freshDir = (): string => {
  const dir = join(root, `d${dirCount++}`);
  mkdirSync(dir, { recursive: true });
  return dir;
};

/** Pixel i of image k is a fixed function of (k, i), so any mix-up of images or pixels shows. */
const pixel = (k: number, i: number): number => (k * 31 + i * 7) % 256;
const labelOf = (k: number, classes = 10): number => (k * 3) % classes;

function makeImages(n: number, bytes: number, offset = 0): Uint8Array {
  const x = new Uint8Array(n * bytes);
  for (let k = 0; k < n; k++) for (let i = 0; i < bytes; i++) x[k * bytes + i] = pixel(k + offset, i);
  return x;
}

function writeFashionMnist(dir: string, nTrain: number, nTest: number, side = 6): void {
  const write = (name: string, dims: number[], data: Uint8Array) => writeFileSync(join(dir, name), gzipSync(encodeIdx(dims, data)));
  write('train-images-idx3-ubyte.gz', [nTrain, side, side], makeImages(nTrain, side * side));
  write('train-labels-idx1-ubyte.gz', [nTrain], Uint8Array.from({ length: nTrain }, (_, k) => labelOf(k)));
  write('t10k-images-idx3-ubyte.gz', [nTest, side, side], makeImages(nTest, side * side, 1000));
  write('t10k-labels-idx1-ubyte.gz', [nTest], Uint8Array.from({ length: nTest }, (_, k) => labelOf(k + 1000)));
}

function cifarBatch(n: number, offset: number): Buffer {
  const buf = Buffer.alloc(n * 3073);
  const images = makeImages(n, 3072, offset);
  for (let k = 0; k < n; k++) {
    buf[k * 3073] = labelOf(k + offset);
    buf.set(images.subarray(k * 3072, (k + 1) * 3072), k * 3073 + 1);
  }
  return buf;
}

/** Five training batches of `perBatch` records and a test batch, in dir/cifar-10-batches-bin. */
function writeCifar(dir: string, perBatch: number, nTest: number): string {
  const batchDir = join(dir, 'cifar-10-batches-bin');
  mkdirSync(batchDir, { recursive: true });
  for (let b = 1; b <= 5; b++) writeFileSync(join(batchDir, `data_batch_${b}.bin`), cifarBatch(perBatch, (b - 1) * perBatch));
  writeFileSync(join(batchDir, 'test_batch.bin'), cifarBatch(nTest, 5000));
  return batchDir;
}

function expectDatasetError(f: () => unknown, ...parts: (string | RegExp)[]): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof DatasetError, `expected a DatasetError, got ${String(e)}`);
    assert.doesNotMatch(e.message, /\n/);
    for (const p of parts) {
      if (typeof p === 'string') assert.ok(e.message.includes(p), `message "${e.message}" lacks "${p}"`);
      else assert.match(e.message, p);
    }
    return true;
  });
}

const classCounts = (y: Uint8Array, classes = 10): number[] => Array.from({ length: classes }, (_, c) => y.filter((v) => v === c).length);

describe('fashion-mnist (IDX)', () => {
  test('parses generated gzip IDX files exactly', () => {
    const dir = freshDir();
    writeFashionMnist(dir, 40, 12);
    const ds = loadRawDataset({ name: 'fashion-mnist', data_dir: dir, seed: 0 });
    assert.deepEqual([ds.train.n, ds.test.n, ds.channels, ds.height, ds.width, ds.num_classes], [40, 12, 1, 6, 6, 10]);
    assert.deepEqual(ds.train.x, makeImages(40, 36));
    assert.deepEqual(ds.test.x, makeImages(12, 36, 1000));
    assert.deepEqual(Array.from(ds.train.y), Array.from({ length: 40 }, (_, k) => labelOf(k)));
  });

  test('reads the real Debian files when installed', (t) => {
    const dir = '/usr/share/datasets/fashion-mnist';
    if (!existsSync(join(dir, 'train-images-idx3-ubyte.gz'))) return t.skip(`${dir} is not installed`);
    const ds = loadDataset({ name: 'fashion-mnist', seed: 0, val_size: 0 });
    assert.deepEqual([ds.train.n, ds.test.n, ds.height, ds.width, ds.channels, ds.num_classes], [60000, 10000, 28, 28, 1, 10]);
    assert.deepEqual(classCounts(ds.train.y), new Array(10).fill(6000));
    assert.deepEqual(classCounts(ds.test.y), new Array(10).fill(1000));
    // The statistics every Fashion-MNIST tutorial quotes.
    assert.ok(Math.abs(ds.mean[0] - 0.2860) < 1e-4 && Math.abs(ds.std[0] - 0.3530) < 1e-4, `${ds.mean} ${ds.std}`);
  });

  test('a missing file names the path and how to get it', () => {
    const dir = freshDir();
    expectDatasetError(() => loadDataset({ name: 'fashion-mnist', data_dir: dir, seed: 0 }),
      `fashion-mnist: ${join(dir, 'train-images-idx3-ubyte.gz')} not found`, 'apt-get install dataset-fashion-mnist', '--data-dir');
    expectDatasetError(() => loadDataset({ name: 'fashion-mnist', data_dir: join(dir, 'nope'), seed: 0 }), 'does not exist', '--data-dir');
  });

  test('corrupt, truncated and inconsistent files are named', () => {
    const dir = freshDir();
    writeFashionMnist(dir, 20, 10);
    const images = join(dir, 'train-images-idx3-ubyte.gz');
    const good = readFileSync(images);
    truncateSync(images, good.length - 10);
    expectDatasetError(() => loadDataset({ name: 'fashion-mnist', data_dir: dir, seed: 0 }), images, 'corrupt gzip');

    writeFileSync(images, gzipSync(encodeIdx([20, 6, 6], makeImages(20, 36)).subarray(0, 500)));
    expectDatasetError(() => loadDataset({ name: 'fashion-mnist', data_dir: dir, seed: 0 }), images, 'truncated IDX data');

    const badMagic = encodeIdx([20, 6, 6], makeImages(20, 36));
    badMagic[0] = 7;
    writeFileSync(images, gzipSync(badMagic));
    expectDatasetError(() => loadDataset({ name: 'fashion-mnist', data_dir: dir, seed: 0 }), images, 'bad magic');

    writeFileSync(images, gzipSync(encodeIdx([19, 6, 6], makeImages(19, 36))));
    expectDatasetError(() => loadDataset({ name: 'fashion-mnist', data_dir: dir, seed: 0 }), '20 labels', '19 images');

    writeFileSync(images, good);
    writeFileSync(join(dir, 'train-labels-idx1-ubyte.gz'), gzipSync(encodeIdx([20], new Uint8Array(20).fill(12))));
    expectDatasetError(() => loadDataset({ name: 'fashion-mnist', data_dir: dir, seed: 0 }), 'label 12');
  });
});

describe('cifar10 (binary batches)', () => {
  test('reads the five training batches and the test batch as CHW images', () => {
    const dir = freshDir();
    writeCifar(dir, 8, 6);
    const ds = loadRawDataset({ name: 'cifar10', data_dir: dir, seed: 0 });
    assert.deepEqual([ds.train.n, ds.test.n, ds.channels, ds.height, ds.width], [40, 6, 3, 32, 32]);
    assert.deepEqual(ds.train.x, makeImages(40, 3072));
    assert.deepEqual(Array.from(ds.train.y), Array.from({ length: 40 }, (_, k) => labelOf(k)));
    assert.deepEqual(ds.test.x, makeImages(6, 3072, 5000));
    // The batch folder itself is accepted as --data-dir too.
    assert.equal(loadRawDataset({ name: 'cifar10', data_dir: join(dir, 'cifar-10-batches-bin'), seed: 0 }).train.n, 40);
  });

  test('missing and truncated batches say how to get the data', () => {
    const dir = freshDir();
    expectDatasetError(() => loadDataset({ name: 'cifar10', data_dir: dir, seed: 0 }), 'data_batch_1.bin not found', 'dse data download cifar10', '--data-dir');
    const batchDir = writeCifar(dir, 4, 4);
    truncateSync(join(batchDir, 'data_batch_3.bin'), 3073 * 4 - 100);
    expectDatasetError(() => loadDataset({ name: 'cifar10', data_dir: dir, seed: 0 }), 'data_batch_3.bin is corrupt or truncated', 'dse data download cifar10');
    writeFileSync(join(batchDir, 'data_batch_3.bin'), Buffer.alloc(3073 * 2, 200));
    expectDatasetError(() => loadDataset({ name: 'cifar10', data_dir: dir, seed: 0 }), 'label 200');
  });
});

describe('subsets', () => {
  test('are class-stratified, of the asked size and deterministic by seed', () => {
    const labels = Uint8Array.from({ length: 1000 }, (_, i) => (i < 500 ? 0 : i < 800 ? 1 : 2));
    const a = stratifiedIndices(labels, 100, rngFor(7, 'x'));
    assert.equal(a.length, 100);
    assert.equal(new Set(a).size, 100);
    assert.deepEqual(classCounts(Uint8Array.from(a, (i) => labels[i]), 3), [50, 30, 20]);
    assert.deepEqual(stratifiedIndices(labels, 100, rngFor(7, 'x')), a);
    assert.notDeepEqual(stratifiedIndices(labels, 100, rngFor(8, 'x')), a);
    // Largest remainder: 7 items over 50/30/20% -> 3.5, 2.1, 1.4 -> 4, 2, 1.
    assert.deepEqual(classCounts(Uint8Array.from(stratifiedIndices(labels, 7, rngFor(1, 'x')), (i) => labels[i]), 3), [4, 2, 1]);
  });

  test('loadDataset draws train and test subsets by seed and keeps images with their labels', () => {
    const dir = freshDir();
    writeFashionMnist(dir, 200, 50);
    const cfg = { name: 'fashion-mnist' as const, data_dir: dir, train_size: 30, test_size: 10, seed: 3, val_size: 0 };
    const a = loadDataset(cfg);
    assert.deepEqual([a.train.n, a.test.n], [30, 10]);
    assert.deepEqual(classCounts(a.train.y), new Array(10).fill(3));
    const b = loadDataset(cfg);
    assert.deepEqual(a.train.x, b.train.x);
    assert.deepEqual(a.test.y, b.test.y);
    assert.notDeepEqual(loadDataset({ ...cfg, seed: 4 }).train.x, a.train.x);
    // Each picked image is some original image k, carrying label k's label.
    for (let i = 0; i < a.train.n; i++) {
      const k = Array.from({ length: 200 }, (_, j) => j).find((j) => pixel(j, 0) === a.train.x[i * 36] && pixel(j, 1) === a.train.x[i * 36 + 1] && labelOf(j) === a.train.y[i]);
      assert.ok(k !== undefined, `image ${i} does not match any source image with its label`);
    }
    expectDatasetError(() => loadDataset({ ...cfg, train_size: 201 }), 'training subset of 201', 'only 200');
  });
});

describe('statistics and transforms', () => {
  test('per-channel mean and population std on the 0..1 scale', () => {
    // Two 2-channel 1x2 images. Channel 0 holds 0, 255, 255, 255; channel 1 holds 51 everywhere.
    const split: ImageSplit = { n: 2, x: Uint8Array.from([0, 255, 51, 51, 255, 255, 51, 51]), y: Uint8Array.from([0, 1]) };
    const { mean, std } = channelStats(split, 2, 2);
    assert.ok(Math.abs(mean[0] - 0.75) < 1e-12 && Math.abs(std[0] - Math.sqrt(0.1875)) < 1e-12, `${mean} ${std}`);
    assert.ok(Math.abs(mean[1] - 0.2) < 1e-12 && Math.abs(std[1]) < 1e-7, `${mean} ${std}`);
  });

  test('statistics come from the training subset only, after resizing', () => {
    const dir = freshDir();
    writeFashionMnist(dir, 50, 20);
    const ds = loadDataset({ name: 'fashion-mnist', data_dir: dir, train_size: 20, seed: 1, resolution: 10, resize: 'pad' });
    const values = Array.from(ds.train.x, (v) => v / 255);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
    assert.ok(Math.abs(ds.mean[0] - mean) < 1e-12 && Math.abs(ds.std[0] - std) < 1e-12);
  });

  const raw3x3 = {
    name: 't', num_classes: 2, channels: 1, height: 3, width: 3,
    train: { n: 1, x: Uint8Array.from([0, 50, 100, 150, 200, 250, 10, 20, 30]), y: Uint8Array.from([0]) },
    test: { n: 0, x: new Uint8Array(0), y: new Uint8Array(0) },
  };

  test('bilinear resizing matches torch F.interpolate(align_corners=False)', () => {
    // Reference values from torch 1.13: F.interpolate(x, size, mode='bilinear', align_corners=False).round().
    const up = resizeDataset(raw3x3, 5, 'bilinear');
    assert.deepEqual(Array.from(up.train.x), [0, 20, 50, 80, 100, 60, 80, 110, 140, 160, 150, 170, 200, 230, 250, 66, 76, 92, 108, 118, 10, 14, 20, 26, 30]);
    assert.deepEqual(Array.from(resizeDataset(raw3x3, 2, 'bilinear').train.x), [50, 125, 50, 80]);
  });

  test('pad mode centres the image in zeros (and crops when smaller)', () => {
    const padded = resizeDataset(raw3x3, 5, 'pad');
    assert.deepEqual(Array.from(padded.train.x), [0, 0, 0, 0, 0, 0, 0, 50, 100, 0, 0, 150, 200, 250, 0, 0, 10, 20, 30, 0, 0, 0, 0, 0, 0]);
    assert.deepEqual(Array.from(resizeDataset(raw3x3, 1, 'pad').train.x), [200]);
  });

  test('a gray dataset can be replicated to 3 channels; an RGB one cannot be reduced', () => {
    const dir = freshDir();
    writeFashionMnist(dir, 20, 10);
    const ds = loadDataset({ name: 'fashion-mnist', data_dir: dir, seed: 0, channels: 3 });
    assert.equal(ds.channels, 3);
    assert.deepEqual(ds.train.x.subarray(36, 72), ds.train.x.subarray(0, 36));
    assert.equal(ds.mean.length, 3);
    const cifarDir = freshDir();
    writeCifar(cifarDir, 2, 2);
    expectDatasetError(() => loadDataset({ name: 'cifar10', data_dir: cifarDir, seed: 0, channels: 1 }), 'cifar10 has 3 channels');
  });
});

describe('synthetic', () => {
  test('any size, channels, classes and resolution, deterministic by seed', () => {
    const cfg = { name: 'synthetic' as const, train_size: 60, test_size: 15, channels: 2, num_classes: 3, resolution: 12, seed: 5, val_size: 0 };
    const a = loadDataset(cfg);
    assert.deepEqual([a.train.n, a.test.n, a.channels, a.height, a.width, a.num_classes], [60, 15, 2, 12, 12, 3]);
    assert.equal(a.train.x.length, 60 * 2 * 144);
    assert.deepEqual(classCounts(a.train.y, 3), [20, 20, 20]);
    assert.deepEqual(loadDataset(cfg).train.x, a.train.x);
    assert.notDeepEqual(loadDataset({ ...cfg, seed: 6 }).train.x, a.train.x);
  });

  test('is learnable: nearest class mean beats chance by far', () => {
    const ds = loadDataset({ name: 'synthetic', train_size: 500, test_size: 200, resolution: 16, seed: 0 });
    const d = ds.channels * ds.height * ds.width;
    const means = Array.from({ length: ds.num_classes }, () => new Float64Array(d));
    const counts = new Array(ds.num_classes).fill(0);
    for (let i = 0; i < ds.train.n; i++) {
      counts[ds.train.y[i]]++;
      for (let k = 0; k < d; k++) means[ds.train.y[i]][k] += ds.train.x[i * d + k];
    }
    means.forEach((m, c) => m.forEach((_, k) => (m[k] /= counts[c])));
    let correct = 0;
    for (let i = 0; i < ds.test.n; i++) {
      let best = -1;
      let bestDist = Infinity;
      means.forEach((m, c) => {
        let dist = 0;
        for (let k = 0; k < d; k++) dist += (ds.test.x[i * d + k] - m[k]) ** 2;
        if (dist < bestDist) [best, bestDist] = [c, dist];
      });
      if (best === ds.test.y[i]) correct++;
    }
    assert.ok(correct / ds.test.n > 0.3, `nearest-mean accuracy ${correct / ds.test.n} (chance 0.1)`);
  });
});

describe('config validation', () => {
  test('bad values are one-line DatasetErrors', () => {
    expectDatasetError(() => loadDataset({ name: 'imagenet' as 'cifar10', seed: 0 }), 'unknown dataset "imagenet"', 'synthetic, fashion-mnist, cifar10');
    expectDatasetError(() => loadDataset({ name: 'synthetic', train_size: 0, seed: 0 }), 'train_size');
    expectDatasetError(() => loadDataset({ name: 'cifar10', num_classes: 5, seed: 0 }), 'num_classes applies to the synthetic dataset only');
  });
});

describe('prepared dataset cache', () => {
  test('the prepared file round-trips and is reused from the cache', () => {
    const cache = freshDir();
    const cfg = { name: 'synthetic' as const, train_size: 40, test_size: 10, resolution: 8, seed: 2 };
    const first = prepareDatasetDetailed(cfg, cache);
    assert.equal(first.cached, false);
    assert.deepEqual([first.train_n, first.val_n, first.test_n, first.ref.resolution, first.ref.channels, first.ref.num_classes], [36, 4, 10, 8, 3, 10]);
    const expected = loadDataset(cfg);
    const onDisk = readTensorFile(first.ref.path);
    assert.deepEqual(onDisk.train.x, expected.train.x);
    assert.deepEqual(onDisk.train.y, expected.train.y);
    assert.deepEqual(onDisk.test.x, expected.test.x);
    assert.deepEqual(onDisk.mean, expected.mean);
    assert.deepEqual(first.ref.std, expected.std);

    const again = prepareDatasetDetailed(cfg, cache);
    assert.equal(again.cached, true);
    assert.deepEqual(again.ref, first.ref);
    // Spelling out the synthetic defaults (3 channels, 10 classes) names the same entry.
    assert.equal(prepareDatasetDetailed({ ...cfg, channels: 3, num_classes: 10 }, cache).cached, true);
    const other = prepareDatasetDetailed({ ...cfg, seed: 3 }, cache);
    assert.notEqual(other.ref.path, first.ref.path);

    // A damaged cache entry is rebuilt rather than handed to an engine.
    truncateSync(first.ref.path, 100);
    const rebuilt = prepareDatasetDetailed(cfg, cache);
    assert.equal(rebuilt.cached, false);
    assert.deepEqual(readTensorFile(rebuilt.ref.path).train.x, expected.train.x);
  });

  test('a changed source file invalidates the cache entry', () => {
    const cache = freshDir();
    const dir = freshDir();
    writeFashionMnist(dir, 30, 10);
    const cfg = { name: 'fashion-mnist' as const, data_dir: dir, seed: 0, val_size: 0 };
    const first = prepareDatasetDetailed(cfg, cache);
    assert.equal(prepareDatasetDetailed(cfg, cache).cached, true);
    writeFashionMnist(dir, 31, 10);
    utimesSync(join(dir, 'train-images-idx3-ubyte.gz'), new Date(), new Date(Date.now() + 5000));
    const second = prepareDatasetDetailed(cfg, cache);
    assert.equal(second.cached, false);
    assert.notEqual(second.ref.path, first.ref.path);
    assert.equal(second.train_n, 31);
  });
});
