/**
 * A small reader for (ustar / GNU) tar archives held in memory: enough to unpack a dataset archive
 * without a tar binary. Headers are checksum-verified; GNU long names ('L') are understood; links,
 * devices and PAX extended headers are skipped.
 */
import { DatasetError } from './types.js';

const BLOCK = 512;

export interface TarEntry {
  name: string;
  type: 'file' | 'directory' | 'other';
  data: Uint8Array;
}

function field(h: Uint8Array, start: number, len: number): string {
  const end = h.indexOf(0, start);
  return Buffer.from(h.buffer, h.byteOffset + start, (end < 0 || end > start + len ? start + len : end) - start).toString('utf8');
}

function octal(h: Uint8Array, start: number, len: number, where: string): number {
  if (h[start] & 0x80) throw new DatasetError(`${where}: tar entry uses a base-256 size (over 8 GiB), which is not supported`);
  const text = field(h, start, len).trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw new DatasetError(`${where}: corrupt tar header (size field "${text}")`);
  return parseInt(text, 8);
}

function checksumOk(h: Uint8Array, where: string): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i];
  return sum === octal(h, 148, 8, where);
}

/** Yields the entries of an uncompressed tar archive; `where` names the archive in errors. */
export function* readTar(buf: Uint8Array, where: string): Generator<TarEntry> {
  let pos = 0;
  let longName: string | null = null;
  while (pos + BLOCK <= buf.length) {
    const h = buf.subarray(pos, pos + BLOCK);
    if (h.every((b) => b === 0)) return;
    if (!checksumOk(h, where)) throw new DatasetError(`${where}: corrupt tar header at byte ${pos} (checksum mismatch)`);
    const size = octal(h, 124, 12, where);
    const typeflag = String.fromCharCode(h[156] || 0x30);
    const dataStart = pos + BLOCK;
    if (dataStart + size > buf.length) throw new DatasetError(`${where}: truncated tar archive (entry at byte ${pos} needs ${size} bytes)`);
    const data = buf.subarray(dataStart, dataStart + size);
    pos = dataStart + Math.ceil(size / BLOCK) * BLOCK;
    if (typeflag === 'L') {
      longName = field(data, 0, data.length);
      continue;
    }
    const prefix = field(h, 345, 155);
    const name = longName ?? (prefix ? `${prefix}/${field(h, 0, 100)}` : field(h, 0, 100));
    longName = null;
    const type = typeflag === '0' || typeflag === '7' ? 'file' : typeflag === '5' ? 'directory' : 'other';
    yield { name, type, data };
  }
  throw new DatasetError(`${where}: truncated tar archive (no end-of-archive marker)`);
}
