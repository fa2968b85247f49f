/**
 * CIFAR-10, binary version: cifar-10-batches-bin/data_batch_{1..5}.bin and test_batch.bin, each a run
 * of 3073-byte records (one label byte, then 3072 pixel bytes: 32x32 red, then green, then blue, i.e.
 * CHW). `dse data download cifar10` fetches and unpacks the official archive.
 */
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { gunzipSync } from 'node:zlib';
import { readTar } from './tar.js';
import { DatasetError, type ImageSplit, type RawDataset } from './types.js';

export const CIFAR10_URL = 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz';
export const CIFAR10_MD5 = 'c32a1d4ab5d03f1284b67883e8d87530';
export const CIFAR10_CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];
export const CIFAR10_BATCH_DIR = 'cifar-10-batches-bin';
export const CIFAR10_TRAIN_FILES = [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`);
export const CIFAR10_TEST_FILES = ['test_batch.bin'];

const SIDE = 32;
const PIXELS = 3 * SIDE * SIDE;
const RECORD = 1 + PIXELS;
const HOW_TO_GET = 'run `dse data download cifar10` or pass --data-dir';

/** The folder holding the batch files: dir/cifar-10-batches-bin, or dir itself if the batches are there. */
export function cifar10BatchDir(dir: string): string {
  const nested = join(dir, CIFAR10_BATCH_DIR);
  if (!existsSync(join(nested, CIFAR10_TRAIN_FILES[0])) && existsSync(join(dir, CIFAR10_TRAIN_FILES[0]))) return dir;
  return nested;
}

export function cifar10Paths(dir: string): string[] {
  const batchDir = cifar10BatchDir(dir);
  return [...CIFAR10_TRAIN_FILES, ...CIFAR10_TEST_FILES].map((f) => join(batchDir, f));
}

function readBatches(paths: string[]): ImageSplit {
  const buffers = paths.map((path) => {
    if (!existsSync(path)) throw new DatasetError(`cifar10: ${path} not found; ${HOW_TO_GET}`);
    const buf = readFileSync(path);
    if (buf.length === 0 || buf.length % RECORD !== 0) {
      throw new DatasetError(`cifar10: ${path} is corrupt or truncated (${buf.length} bytes is not a whole number of ${RECORD}-byte records); ${HOW_TO_GET}`);
    }
    return { path, buf };
  });
  const n = buffers.reduce((s, b) => s + b.buf.length / RECORD, 0);
  const x = new Uint8Array(n * PIXELS);
  const y = new Uint8Array(n);
  let i = 0;
  for (const { path, buf } of buffers) {
    for (let off = 0; off < buf.length; off += RECORD, i++) {
      const label = buf[off];
      if (label >= CIFAR10_CLASSES.length) throw new DatasetError(`cifar10: ${path} is corrupt (label ${label} in record ${off / RECORD}); ${HOW_TO_GET}`);
      y[i] = label;
      x.set(buf.subarray(off + 1, off + RECORD), i * PIXELS);
    }
  }
  return { n, x, y };
}

export function loadCifar10(dir: string): RawDataset {
  const batchDir = cifar10BatchDir(dir);
  return {
    name: 'cifar10', num_classes: CIFAR10_CLASSES.length, channels: 3, height: SIDE, width: SIDE,
    train: readBatches(CIFAR10_TRAIN_FILES.map((f) => join(batchDir, f))),
    test: readBatches(CIFAR10_TEST_FILES.map((f) => join(batchDir, f))),
  };
}

export interface Cifar10DownloadOptions {
  /** Defaults to $DSE_CIFAR10_URL, else the official archive. */
  url?: string;
  /** Expected MD5 of the archive; defaults to the official one. */
  md5?: string;
  /** Unpack this local archive instead of downloading (for machines without internet). */
  archive?: string;
  onProgress?: (bytes: number, total: number | null) => void;
}

/** Downloads (or takes) the archive, checks its MD5 and unpacks the batches into dir; returns the batch folder. */
export async function downloadCifar10(dir: string, opts: Cifar10DownloadOptions = {}): Promise<string> {
  const md5 = opts.md5 ?? CIFAR10_MD5;
  mkdirSync(dir, { recursive: true });
  let archive: Buffer;
  if (opts.archive) {
    if (!existsSync(opts.archive)) throw new DatasetError(`cifar10: archive ${opts.archive} not found`);
    archive = readFileSync(opts.archive);
  } else {
    archive = await fetchToFile(opts.url ?? process.env.DSE_CIFAR10_URL ?? CIFAR10_URL, join(dir, 'cifar-10-binary.tar.gz.part'), opts.onProgress);
  }
  const where = opts.archive ?? 'downloaded cifar-10-binary.tar.gz';
  const digest = createHash('md5').update(archive).digest('hex');
  if (digest !== md5) throw new DatasetError(`cifar10: ${where} has MD5 ${digest}, expected ${md5} (corrupt or incomplete download); try again`);
  extractBatches(archive, where, dir);
  return join(dir, CIFAR10_BATCH_DIR);
}

async function fetchToFile(url: string, partPath: string, onProgress?: Cifar10DownloadOptions['onProgress']): Promise<Buffer> {
  try {
    const res = await fetch(url);
    if (!res.ok || !res.body) throw new Error(`HTTP ${res.status} ${res.statusText}`);
    const total = Number(res.headers.get('content-length')) || null;
    let bytes = 0;
    const body = Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>);
    body.on('data', (chunk: Buffer) => onProgress?.((bytes += chunk.length), total));
    await pipeline(body, createWriteStream(partPath));
    return readFileSync(partPath);
  } catch (e) {
    const err = e as Error & { cause?: { code?: string; message?: string } };
    const why = err.cause?.code ?? err.cause?.message ?? err.message;
    throw new DatasetError(
      `cifar10: cannot download ${url}: ${why}; without internet, fetch cifar-10-binary.tar.gz elsewhere and run \`dse data download cifar10 --archive <file>\`, or pass --data-dir`,
    );
  } finally {
    rmSync(partPath, { force: true });
  }
}

/** Unpacks the batch files into a staging folder, then renames it into place, so a failure leaves nothing half-written. */
function extractBatches(gz: Buffer, where: string, dir: string): void {
  let tar: Buffer;
  try {
    tar = gunzipSync(gz);
  } catch (e) {
    throw new DatasetError(`cifar10: ${where} is not a valid .tar.gz (${(e as Error).message})`);
  }
  const staging = join(dir, `.${CIFAR10_BATCH_DIR}.${process.pid}.tmp`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  try {
    const wanted = new Set([...CIFAR10_TRAIN_FILES, ...CIFAR10_TEST_FILES, 'batches.meta.txt', 'readme.html']);
    for (const entry of readTar(tar, where)) {
      const m = /^(?:\.\/)?cifar-10-batches-bin\/([^/]+)$/.exec(entry.name);
      if (entry.type === 'file' && m && wanted.has(m[1])) writeFileSync(join(staging, m[1]), entry.data);
    }
    const missing = [...CIFAR10_TRAIN_FILES, ...CIFAR10_TEST_FILES].filter((f) => !existsSync(join(staging, f)));
    if (missing.length) throw new DatasetError(`cifar10: ${where} lacks ${missing.map((f) => `${CIFAR10_BATCH_DIR}/${f}`).join(', ')}`);
    const target = join(dir, CIFAR10_BATCH_DIR);
    rmSync(target, { recursive: true, force: true });
    renameSync(staging, target);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
