/**
 * The prepared-dataset file both engines read: a small JSON header, then the four arrays at 64-byte
 * aligned offsets, so Python can np.memmap them and a worker thread can view them without copying.
 *
 *   bytes 0..7   "DSEDATA1"
 *   bytes 8..11  uint32 LE: header length H
 *   bytes 12..   H bytes of JSON header (TensorFileHeader)
 *   then train_x, train_y, test_x, test_y, val_x, val_y at header.offsets
 *
 * Files written before the validation split have no val_n and no val offsets: read as val_n 0.
 *
 * The format is read by src/workers/torch/trainer.py (read_tensor_file) too; keep both in step.
 */
import { closeSync, fstatSync, openSync, readFileSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import { DatasetError, type ImageDataset } from './types.js';

const MAGIC = 'DSEDATA1';
const ALIGN = 64;

export interface TensorFileHeader {
  name: string;
  num_classes: number;
  channels: number;
  height: number;
  width: number;
  train_n: number;
  test_n: number;
  /** Validation images held out of the training subset (absent in older files: 0). */
  val_n?: number;
  mean: number[];
  std: number[];
  layout: 'NCHW';
  offsets: { train_x: number; train_y: number; test_x: number; test_y: number; val_x?: number; val_y?: number; end: number };
}

function align(n: number): number {
  return Math.ceil(n / ALIGN) * ALIGN;
}

/** Writes the dataset atomically (temp file + rename), so a reader never sees half a file; returns the header written. */
export function writeTensorFile(path: string, ds: ImageDataset): TensorFileHeader {
  const chw = ds.channels * ds.height * ds.width;
  const val = ds.val ?? { n: 0, x: new Uint8Array(0), y: new Uint8Array(0) };
  const sizes = { train_x: ds.train.n * chw, train_y: ds.train.n, test_x: ds.test.n * chw, test_y: ds.test.n, val_x: val.n * chw, val_y: val.n };
  const headerBase = {
    name: ds.name, num_classes: ds.num_classes, channels: ds.channels, height: ds.height, width: ds.width,
    train_n: ds.train.n, test_n: ds.test.n, val_n: val.n, mean: ds.mean, std: ds.std, layout: 'NCHW' as const,
  };
  // The header's own length moves the offsets; reserve room for the offsets' digits generously.
  const reserve = Buffer.byteLength(JSON.stringify({ ...headerBase, offsets: { train_x: 0, train_y: 0, test_x: 0, test_y: 0, val_x: 0, val_y: 0, end: 0 } })) + 7 * 16;
  let pos = align(12 + reserve);
  const offsets = { train_x: 0, train_y: 0, test_x: 0, test_y: 0, val_x: 0, val_y: 0, end: 0 };
  for (const key of ['train_x', 'train_y', 'test_x', 'test_y', 'val_x', 'val_y'] as const) {
    offsets[key] = pos;
    pos = align(pos + sizes[key]);
  }
  offsets.end = pos;
  const header: TensorFileHeader = { ...headerBase, offsets };
  const json = Buffer.from(JSON.stringify(header).padEnd(reserve, ' '));
  const prefix = Buffer.alloc(12);
  prefix.write(MAGIC, 0, 'ascii');
  prefix.writeUInt32LE(json.length, 8);

  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    try {
      writeSync(fd, prefix, 0, 12, 0);
      writeSync(fd, json, 0, json.length, 12);
      writeSync(fd, ds.train.x, 0, sizes.train_x, offsets.train_x);
      writeSync(fd, ds.train.y, 0, sizes.train_y, offsets.train_y);
      writeSync(fd, ds.test.x, 0, sizes.test_x, offsets.test_x);
      writeSync(fd, ds.test.y, 0, sizes.test_y, offsets.test_y);
      writeSync(fd, val.x, 0, sizes.val_x, offsets.val_x);
      writeSync(fd, val.y, 0, sizes.val_y, offsets.val_y);
      writeSync(fd, Buffer.alloc(1), 0, 1, offsets.end - 1);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  return header;
}

function parseHeader(path: string, prefix: Buffer, fileSize: number, readJson: (len: number) => Buffer): TensorFileHeader {
  if (prefix.length < 12 || prefix.toString('ascii', 0, 8) !== MAGIC) throw new DatasetError(`${path} is not a dse dataset file (bad magic)`);
  const len = prefix.readUInt32LE(8);
  if (12 + len > fileSize) throw new DatasetError(`${path} is truncated (header of ${len} bytes, file of ${fileSize})`);
  let h: TensorFileHeader;
  try {
    h = JSON.parse(readJson(len).toString('utf8')) as TensorFileHeader;
  } catch (e) {
    throw new DatasetError(`${path} has a corrupt header: ${(e as Error).message}`);
  }
  if (!h?.offsets || typeof h.offsets.end !== 'number') throw new DatasetError(`${path} has a corrupt header (no offsets)`);
  if (fileSize < h.offsets.end) throw new DatasetError(`${path} is truncated (${fileSize} of ${h.offsets.end} bytes)`);
  return h;
}

/** Reads only the header (a few hundred bytes) and checks the file is as long as the header says. */
export function readTensorFileHeader(path: string): TensorFileHeader {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new DatasetError(`prepared dataset ${path} cannot be read: ${(e as Error).message}`);
  }
  try {
    const size = fstatSync(fd).size;
    const prefix = Buffer.alloc(Math.min(12, size));
    readSync(fd, prefix, 0, prefix.length, 0);
    return parseHeader(path, prefix, size, (len) => {
      const json = Buffer.alloc(len);
      readSync(fd, json, 0, len, 12);
      return json;
    });
  } finally {
    closeSync(fd);
  }
}

export function readTensorFile(path: string): ImageDataset {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    throw new DatasetError(`prepared dataset ${path} cannot be read: ${(e as Error).message}`);
  }
  const h = parseHeader(path, buf.subarray(0, 12), buf.length, (len) => buf.subarray(12, 12 + len));
  const chw = h.channels * h.height * h.width;
  const view = (off: number, n: number) => new Uint8Array(buf.buffer, buf.byteOffset + off, n);
  const valN = h.val_n ?? 0;
  const val = valN > 0 && h.offsets.val_x !== undefined && h.offsets.val_y !== undefined
    ? { n: valN, x: view(h.offsets.val_x, valN * chw), y: view(h.offsets.val_y, valN) }
    : { n: 0, x: new Uint8Array(0), y: new Uint8Array(0) };
  return {
    name: h.name, num_classes: h.num_classes, channels: h.channels, height: h.height, width: h.width,
    mean: h.mean, std: h.std,
    train: { n: h.train_n, x: view(h.offsets.train_x, h.train_n * chw), y: view(h.offsets.train_y, h.train_n) },
    test: { n: h.test_n, x: view(h.offsets.test_x, h.test_n * chw), y: view(h.offsets.test_y, h.test_n) },
    val,
  };
}
