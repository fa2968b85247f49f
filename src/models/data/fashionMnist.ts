/** Fashion-MNIST from its four gzip IDX files (Debian: dataset-fashion-mnist). */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readIdxFile } from './idx.js';
import { DatasetError, type ImageSplit, type RawDataset } from './types.js';

export const FASHION_MNIST_FILES = {
  train: { images: 'train-images-idx3-ubyte.gz', labels: 'train-labels-idx1-ubyte.gz' },
  test: { images: 't10k-images-idx3-ubyte.gz', labels: 't10k-labels-idx1-ubyte.gz' },
} as const;

export const FASHION_MNIST_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

const HOW_TO_GET = 'install it with `apt-get install dataset-fashion-mnist` or pass --data-dir';

/** The paths of the four files, whether present or not. */
export function fashionMnistPaths(dir: string): string[] {
  return [FASHION_MNIST_FILES.train, FASHION_MNIST_FILES.test].flatMap((f) => [join(dir, f.images), join(dir, f.labels)]);
}

function requireFile(path: string): void {
  if (!existsSync(path) && !existsSync(path.replace(/\.gz$/, ''))) throw new DatasetError(`fashion-mnist: ${path} not found; ${HOW_TO_GET}`);
}

function readSplit(dir: string, files: { images: string; labels: string }): ImageSplit & { height: number; width: number } {
  const imagesPath = join(dir, files.images);
  const labelsPath = join(dir, files.labels);
  requireFile(imagesPath);
  requireFile(labelsPath);
  const images = readIdxFile(imagesPath);
  const labels = readIdxFile(labelsPath);
  if (images.dims.length !== 3) throw new DatasetError(`fashion-mnist: ${imagesPath} has dims ${images.dims.join('x')}, expected n x rows x cols; ${HOW_TO_GET}`);
  if (labels.dims.length !== 1) throw new DatasetError(`fashion-mnist: ${labelsPath} has dims ${labels.dims.join('x')}, expected n; ${HOW_TO_GET}`);
  const [n, height, width] = images.dims;
  if (labels.dims[0] !== n) throw new DatasetError(`fashion-mnist: ${labelsPath} has ${labels.dims[0]} labels but ${imagesPath} has ${n} images`);
  const bad = labels.data.findIndex((l) => l >= FASHION_MNIST_CLASSES.length);
  if (bad >= 0) throw new DatasetError(`fashion-mnist: ${labelsPath} label ${labels.data[bad]} at index ${bad} is not in 0..9`);
  return { n, x: images.data, y: labels.data, height, width };
}

export function loadFashionMnist(dir: string): RawDataset {
  const train = readSplit(dir, FASHION_MNIST_FILES.train);
  const test = readSplit(dir, FASHION_MNIST_FILES.test);
  if (train.height !== test.height || train.width !== test.width) {
    throw new DatasetError(`fashion-mnist: train images are ${train.height}x${train.width} but test images are ${test.height}x${test.width} in ${dir}`);
  }
  return {
    name: 'fashion-mnist', num_classes: FASHION_MNIST_CLASSES.length, channels: 1, height: train.height, width: train.width,
    train: { n: train.n, x: train.x, y: train.y }, test: { n: test.n, x: test.x, y: test.y },
  };
}
