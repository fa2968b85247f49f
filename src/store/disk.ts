/**
 * Free space on the disk a database lives on. A sweep on a nearly full disk would stop at its first
 * epoch row, so `dse run` refuses to start below a margin (DSE_MIN_FREE_MB, default 64 MiB).
 */
import { statfsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UserError } from '../util/errors.js';

export const DEFAULT_MIN_FREE_MB = 64;

/** Refuses (UserError) when the disk holding `dbPath` has less free space than the margin. */
export function checkFreeSpace(dbPath: string, minFreeMb = minFreeMbFromEnv()): void {
  if (minFreeMb <= 0) return;
  const dir = existingFolder(dbPath);
  let free: number;
  try {
    const s = statfsSync(dir);
    free = s.bavail * s.bsize;
  } catch {
    return; // no statfs here: the store reports a full disk when it meets one
  }
  if (free < minFreeMb * 2 ** 20) {
    throw new UserError(
      `${dir}: only ${(free / 2 ** 20).toFixed(1)} MiB free on this disk, below the ${minFreeMb} MiB a sweep needs to record its results; ` +
        'free some space (or set DSE_MIN_FREE_MB to a lower margin) and run again',
    );
  }
}

function minFreeMbFromEnv(): number {
  const text = process.env.DSE_MIN_FREE_MB;
  if (text === undefined || text.trim() === '') return DEFAULT_MIN_FREE_MB;
  const v = Number(text);
  if (!Number.isFinite(v) || v < 0) throw new UserError(`DSE_MIN_FREE_MB: expected a number of MiB >= 0, got "${text}"`);
  return v;
}

/** The database's folder, or its nearest existing ancestor when the run will create it. */
function existingFolder(dbPath: string): string {
  let dir = dirname(resolve(dbPath));
  for (;;) {
    try {
      statfsSync(dir);
      return dir;
    } catch {
      const up = dirname(dir);
      if (up === dir) return dir;
      dir = up;
    }
  }
}
