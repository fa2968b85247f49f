/**
 * Reading sweeps for analysis. A sweep is named on the command line either by name (found through
 * --db, else db/<name>.sqlite, else whichever db/*.sqlite holds it) or as `file.sqlite:name`, so
 * sweeps kept in different database files can be compared in one command.
 */
import { basename } from 'node:path';
import { openStoreForSweep } from '../store/locate.js';
import type { SweepRecord, TrialRecord } from '../store/types.js';
import { UserError } from '../util/errors.js';

export interface SweepRef {
  name: string;
  /** Database file, when the reference names one. */
  db?: string;
}

/** "name" or "path/to/file.sqlite:name" (sweep names cannot hold a colon, so the last one splits). */
export function parseSweepRef(text: string): SweepRef {
  const cut = text.lastIndexOf(':');
  const ref = cut >= 0 ? { db: text.slice(0, cut), name: text.slice(cut + 1) } : { name: text };
  if (!ref.name || (ref.db !== undefined && !ref.db)) {
    throw new UserError(`sweep "${text}": expected a sweep name or file.sqlite:name`);
  }
  return ref;
}

export interface LoadedSweep {
  /** The name shown in figures and tables (file:name when two compared sweeps share a name). */
  label: string;
  sweep: SweepRecord;
  trials: TrialRecord[];
  dbPath: string;
}

/** Reads each referenced sweep and all its trials, read-only. `db` applies to references without a file. */
export function loadSweeps(refs: readonly string[], db?: string): LoadedSweep[] {
  if (refs.length === 0) throw new UserError('name at least one sweep (`dse ls` lists them)');
  const loaded = refs.map((text) => {
    const ref = parseSweepRef(text);
    const store = openStoreForSweep(ref.name, ref.db ?? db);
    try {
      const sweep = store.requireSweep(ref.name);
      return { label: sweep.name, sweep, trials: store.readTrials(sweep.name), dbPath: store.path };
    } finally {
      store.close();
    }
  });
  const seen = new Map<string, number>();
  for (const s of loaded) seen.set(s.label, (seen.get(s.label) ?? 0) + 1);
  for (const s of loaded) if ((seen.get(s.label) ?? 0) > 1) s.label = `${basename(s.dbPath)}:${s.sweep.name}`;
  const labels = new Set<string>();
  for (const s of loaded) {
    if (labels.has(s.label)) throw new UserError(`sweep ${s.label} is named twice; name each sweep once`);
    labels.add(s.label);
  }
  return loaded;
}
