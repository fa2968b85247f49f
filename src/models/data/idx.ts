/**
 * IDX files (the MNIST / Fashion-MNIST format): a 4-byte magic (0, 0, element type, number of
 * dimensions), one big-endian uint32 per dimension, then the elements in row-major order. Only the
 * unsigned-byte element type (0x08), which every MNIST-family file uses, is accepted.
 */
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { DatasetError } from './types.js';

const UBYTE = 0x08;

export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

/** Parses an (already decompressed) IDX buffer; `where` names the file in error messages. */
export function parseIdx(buf: Uint8Array, where: string): IdxArray {
  if (buf.length < 4) throw new DatasetError(`${where}: not an IDX file (only ${buf.length} bytes)`);
  if (buf[0] !== 0 || buf[1] !== 0) throw new DatasetError(`${where}: not an IDX file (bad magic ${hex(buf.subarray(0, 4))})`);
  if (buf[2] !== UBYTE) throw new DatasetError(`${where}: IDX element type 0x${buf[2].toString(16)} is not unsigned byte (0x08)`);
  const ndims = buf[3];
  if (ndims < 1) throw new DatasetError(`${where}: IDX file with no dimensions`);
  const headerLen = 4 + 4 * ndims;
  if (buf.length < headerLen) throw new DatasetError(`${where}: truncated IDX header`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const dims: number[] = [];
  for (let i = 0; i < ndims; i++) dims.push(view.getUint32(4 + 4 * i, false));
  const count = dims.reduce((a, b) => a * b, 1);
  const have = buf.length - headerLen;
  if (have < count) throw new DatasetError(`${where}: truncated IDX data (${have} of ${count} bytes for dims ${dims.join('x')})`);
  if (have > count) throw new DatasetError(`${where}: ${have - count} bytes of trailing data after dims ${dims.join('x')}`);
  return { dims, data: new Uint8Array(buf.buffer, buf.byteOffset + headerLen, count) };
}

/** Writes an IDX buffer of unsigned bytes (for tests and tools that make small datasets). */
export function encodeIdx(dims: number[], data: Uint8Array): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header[2] = UBYTE;
  header[3] = dims.length;
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, data]);
}

/** Reads `path` (gzip-compressed) or, if only that exists, the uncompressed file without `.gz`. */
export function readIdxFile(path: string): IdxArray {
  const plain = path.replace(/\.gz$/, '');
  if (!existsSync(path) && plain !== path && existsSync(plain)) return parseIdx(readFileSync(plain), plain);
  const raw = readFileSync(path);
  let buf: Buffer;
  try {
    buf = gunzipSync(raw);
  } catch (e) {
    throw new DatasetError(`${path}: corrupt gzip data (${(e as Error).message}); download the file again`);
  }
  return parseIdx(buf, path);
}

function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ');
}
