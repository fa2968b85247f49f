/**
 * Reading sweeps for analysis. A sweep is named on the command line either by name (found through
 * --db, else db/<name>.sqlite, else whichever db/*.sqlite holds it) or as `file.sqlite:name`, so
 * sweeps kept in different database files can be compared in one command.
 */
import { basename } from 'node:path';
import { openStoreForSweep } from '../store/locate.js';
import { filteredTrialIds } from '../store/query.js';
import type { Store } from '../store/store.js';
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
  /** The --filter these trials passed, and how many of the sweep's trials it kept. */
  filter?: FilterOutcome;
}

export interface FilterOutcome {
  expr: string;
  kept: number;
  of: number;
}

/** The flag analysis commands take a filter in (the --where grammar of `dse query`). */
export const FILTER_FLAG = '--filter';

/**
 * A sweep's trials, those the filter keeps when there is one (compiled to SQL over trials_view by
 * the store); a filter keeping none is a UserError naming it.
 */
export function readFilteredTrials(store: Store, sweep: string, filter?: string): { trials: TrialRecord[]; filter?: FilterOutcome } {
  const trials = store.readTrials(sweep);
  if (filter === undefined) return { trials };
  const ids = filteredTrialIds(store, sweep, filter, FILTER_FLAG);
  const kept = trials.filter((t) => ids.has(t.id));
  if (kept.length === 0) throw new UserError(`${FILTER_FLAG} "${filter}": keeps none of the ${trials.length} trials of sweep ${sweep}; loosen it (\`dse query --sweep ${sweep} --where ...\` shows what a filter keeps)`);
  return { trials: kept, filter: { expr: filter, kept: kept.length, of: trials.length } };
}

/** "filter flops < 150e6: kept 40 of 100 trials of a, 12 of 30 of b", or null when nothing was filtered. */
export function filterNote(sweeps: readonly LoadedSweep[]): string | null {
  const filtered = sweeps.filter((s) => s.filter);
  if (filtered.length === 0) return null;
  const counts = filtered.map((s) => `${s.filter!.kept} of ${s.filter!.of} trials of ${s.label}`);
  return `filter ${filtered[0].filter!.expr}: kept ${counts.join(', ')}`;
}

/**
 * Reads each referenced sweep and its trials (those `filter` keeps, when given), read-only. `db`
 * applies to references without a file.
 */
export function loadSweeps(refs: readonly string[], db?: string, filter?: string): LoadedSweep[] {
  if (refs.length === 0) throw new UserError('name at least one sweep (`dse ls` lists them)');
  const loaded = refs.map((text) => {
    const ref = parseSweepRef(text);
    const store = openStoreForSweep(ref.name, ref.db ?? db);
    try {
      const sweep = store.requireSweep(ref.name);
      return { label: sweep.name, sweep, ...readFilteredTrials(store, sweep.name, filter), dbPath: store.path };
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
