/**
 * Which database file a read command means. Experiments default to db/<name>.sqlite, so without
 * --db the commands look there: db/<sweep>.sqlite for a named sweep, else every db/*.sqlite.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../util/errors.js';
import { openStore } from './open.js';
import type { Store } from './store.js';

export const DEFAULT_DB_DIR = 'db';

/** db/<name>.sqlite, relative to the current directory: where an experiment's sweep goes by default. */
export function defaultDbPath(sweepName: string): string {
  return join(DEFAULT_DB_DIR, `${sweepName}.sqlite`);
}

/** The databases in the default folder, sorted. */
export function defaultDatabases(dir = DEFAULT_DB_DIR): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.sqlite'))
    .sort()
    .map((f) => join(dir, f));
}

/** The databases a listing covers: --db, or all in db/. */
export function databasesToList(db: string | undefined): string[] {
  if (db) return [db];
  const found = defaultDatabases();
  if (found.length === 0) throw new UserError(`no databases in ${DEFAULT_DB_DIR}/ (run \`dse run <experiment.yaml>\` first, or pass --db)`);
  return found;
}

/** Opens (read-only) the database holding a sweep: --db, else db/<sweep>.sqlite, else whichever db/*.sqlite has it. */
export function openStoreForSweep(sweep: string, db: string | undefined): Store {
  if (db) return openStore(db, { readonly: true });
  const preferred = defaultDbPath(sweep);
  const candidates = [preferred, ...defaultDatabases().filter((p) => p !== preferred)].filter((p) => existsSync(p));
  for (const path of candidates) {
    const store = openStore(path, { readonly: true });
    if (store.getSweep(sweep)) return store;
    store.close();
  }
  throw new UserError(
    candidates.length
      ? `no sweep named "${sweep}" in ${candidates.join(', ')}; pass --db <file>`
      : `no sweep named "${sweep}": no databases in ${DEFAULT_DB_DIR}/ (run \`dse run <experiment.yaml>\` first, or pass --db)`,
  );
}

/** Opens (read-only) the one database a command without a sweep name means. */
export function openSingleStore(db: string | undefined): Store {
  if (db) return openStore(db, { readonly: true });
  const found = databasesToList(undefined);
  if (found.length > 1) throw new UserError(`several databases in ${DEFAULT_DB_DIR}/ (${found.join(', ')}); pass --db <file> or --sweep <name>`);
  return openStore(found[0], { readonly: true });
}
