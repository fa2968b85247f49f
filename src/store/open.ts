/**
 * Opening a database file: the path checked before SQLite sees it, the schema checked before any
 * write (a foreign or newer file is refused untouched), a new file created whole or not at all, a
 * read-only folder read from a copy, and what a killed creation left behind cleaned up.
 */
import { existsSync, linkSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { UserError, isUserError } from '../util/errors.js';
import { pidAlive } from '../util/pid.js';
import { loadMigrations, migrate, schemaVersion } from './migrate.js';
import { Store } from './store.js';
import { syncTrialsView } from './view.js';

export interface OpenStoreOptions {
  /** Open with SQLITE_OPEN_READONLY: needs no write access, never blocks the writer. */
  readonly?: boolean;
  /** Create the file (and its folder) when missing; otherwise a missing file is a UserError. */
  create?: boolean;
}

const BUSY_TIMEOUT_MS = 10_000;
export function openStore(path: string, opts: OpenStoreOptions = {}): Store {
  const readonly = opts.readonly ?? false;
  if (!databaseFileExists(path)) {
    if (readonly || !opts.create) throw new UserError(`${shown(path)}: no such database (a sweep creates it: \`dse run <experiment.yaml>\`; or pass --db)`);
    createDatabase(path);
  }
  if (!readonly) removeStalePartials(path);
  if (readonly) upgradeForReading(path);
  let db: Database.Database | undefined;
  try {
    db = readonly ? openReadonly(path) : new Database(path, { fileMustExist: true });
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    // Refused before anything is written: someone else's file, or a newer dse's, is left as it was.
    refuseUnusable(db, path, readonly);
    if (!readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      const maxPages = process.env.DSE_TEST_MAX_PAGE_COUNT; // tests: a full disk without filling one
      if (maxPages) db.pragma(`max_page_count = ${Number(maxPages)}`);
      migrate(db);
      syncTrialsView(db);
    }
  } catch (e) {
    db?.close();
    if (isUserError(e)) throw e;
    throw openError(path, e);
  }
  return new Store(db, path, readonly);
}

/**
 * Refuses (UserError) a path that can never hold a database, or a file this dse must not write (not
 * SQLite, someone else's, a newer dse's), reading only: a run checks this before preparing anything.
 */
export function checkDatabasePath(path: string): void {
  if (!databaseFileExists(path)) return;
  let db: Database.Database | undefined;
  try {
    db = openReadonly(path);
    refuseUnusable(db, path, false);
  } catch (e) {
    if (isUserError(e)) throw e;
    throw openError(path, e);
  } finally {
    db?.close();
  }
}

/**
 * Whether the database file is there. A path that can never be a database file (a folder, a path
 * through a file, a name too long) is a UserError here, before SQLite or mkdir report it obscurely.
 */
function databaseFileExists(path: string): boolean {
  let stat;
  try {
    stat = statSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return false;
    if (code === 'ENOTDIR') {
      const file = fileOnPath(path);
      throw new UserError(`${shown(path)}: ${file ? `${shown(file)} is a file, not a folder` : 'a part of the path is a file, not a folder'}; check the --db path`);
    }
    if (code === 'ENAMETOOLONG') throw new UserError(`${shown(path)}: the path or one of its names is too long for the file system; use a shorter --db path`);
    if (code === 'EACCES') throw new UserError(`${shown(path)}: permission denied on a folder of the path; check the --db path and its permissions`);
    throw new UserError(`${shown(path)}: cannot use this path (${(e as Error).message}); check the --db path`);
  }
  if (stat.isDirectory()) throw new UserError(`${shown(path)}: is a folder, not a database file; pass a file, e.g. --db ${shown(join(path, 'sweeps.sqlite'))}`);
  return true;
}

/** The first existing regular file among the path's folders. */
function fileOnPath(path: string): string | null {
  let dir = dirname(path);
  const chain: string[] = [];
  while (dir !== dirname(dir)) {
    chain.unshift(dir);
    dir = dirname(dir);
  }
  for (const d of chain) {
    try {
      if (!statSync(d).isDirectory()) return d;
    } catch {
      return null;
    }
  }
  return null;
}

/** The database's schema must be this dse's (or an older one, migrated by a writer). */
function refuseUnusable(db: Database.Database, path: string, readonly: boolean): void {
  const version = schemaVersion(db);
  const expected = loadMigrations().length;
  if (version === expected) return;
  if (version > expected) throw new UserError(`${shown(path)}: written by a newer dse (schema version ${version}, this dse knows ${expected}); upgrade dse`);
  if (version === 0 && (readonly || foreignSchema(db))) throw new UserError(`${shown(path)}: not a dse database (no dse schema in it)`);
  if (readonly) {
    throw new UserError(
      `${shown(path)}: schema version ${version} is older than this dse's ${expected} and cannot be migrated here (no write access); copy it somewhere writable and read the copy`,
    );
  }
}

/**
 * A read-only connection. A WAL database needs its -shm file, which a reader without write access to
 * the folder cannot create; such a database is then read from a copy in memory (this build of SQLite
 * takes no `file:...?immutable=1` URIs). The copy holds what the last writer checkpointed, which is
 * everything once a `dse run` has exited normally.
 */
function openReadonly(path: string): Database.Database {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    schemaVersion(db); // the first read opens the -wal/-shm files, if the database has them
    return db;
  } catch (e) {
    db.close();
    if (!isCode(e, 'SQLITE_CANTOPEN') && !isCode(e, 'SQLITE_READONLY_DIRECTORY') && !isCode(e, 'SQLITE_READONLY_CANTINIT')) throw e;
  }
  const image = readFileSync(path);
  // an in-memory database has no WAL: the header's read/write versions say rollback journal instead
  if (image.length >= 20 && image[18] === 2 && image[19] === 2) image[18] = image[19] = 1;
  return new Database(image, { readonly: true });
}

function openError(path: string, e: unknown): UserError {
  const message = (e as Error).message;
  if (isCode(e, 'SQLITE_NOTADB')) {
    return new UserError(`${shown(path)}: not an SQLite database (${message}); check the --db path, or restore the file from a backup`);
  }
  if (isCode(e, 'SQLITE_CORRUPT')) {
    return new UserError(`${shown(path)}: the database is damaged (${message}); restore it from a backup, or recover it with \`sqlite3 ${shown(path)} .recover\``);
  }
  if (isCode(e, 'SQLITE_FULL')) return new UserError(`${shown(path)}: cannot open the database (${message}); free some disk space and run again`);
  return new UserError(`${shown(path)}: cannot open the database (${message})`);
}

function isCode(e: unknown, code: string): boolean {
  return (e as { code?: unknown })?.code === code;
}

/** A path as an error message shows it: whole unless absurdly long. */
function shown(path: string): string {
  return path.length > 200 ? `${path.slice(0, 60)}...(${path.length} characters)` : path;
}

/**
 * A reader of a database written by an older dse migrates it first (a short write transaction, as
 * `dse run` would do), so every read command works on old databases; without write access it reads
 * nothing and says so.
 */
function upgradeForReading(path: string): void {
  let db: Database.Database | undefined;
  try {
    db = openReadonly(path);
    const version = schemaVersion(db);
    if (version === 0 || version >= loadMigrations().length) return;
  } catch {
    return; // openStore reports what is wrong with the file
  } finally {
    db?.close();
  }
  try {
    openStore(path).close();
  } catch {
    // no write access: openStore's read-only open explains
  }
}

/**
 * Creates the file with its schema under a temporary name and links it into place, so a reader
 * polling for the file never opens a half-made database, and two processes creating the same file at
 * once cannot replace each other's (a hard link, unlike a rename, fails when the file exists: the
 * loser then simply opens the winner's database).
 */
function createDatabase(path: string): void {
  const partial = `${path}.creating-${process.pid}`;
  try {
    mkdirSync(dirname(path), { recursive: true });
    removeStalePartials(path);
    const db = new Database(partial);
    try {
      db.pragma('journal_mode = WAL');
      migrate(db);
    } finally {
      db.close(); // checkpoints and removes the -wal and -shm files
    }
    placeNewFile(partial, path);
  } catch (e) {
    throw new UserError(`${shown(path)}: cannot create the database (${(e as Error).message})`);
  } finally {
    removeQuietly(partial);
  }
}

/** What a `dse run` killed while creating the file left behind (x.sqlite.creating-<pid>, its -wal, -shm). */
function removeStalePartials(path: string): void {
  const prefix = `${basename(path)}.creating-`;
  let names: string[];
  try {
    names = readdirSync(dirname(path)).filter((n) => n.startsWith(prefix));
  } catch {
    return; // an unreadable folder: nothing we could remove either
  }
  for (const name of names) {
    const m = /^(\d+)(-wal|-shm|-journal)?$/.exec(name.slice(prefix.length));
    if (m && !pidAlive(Number(m[1]))) removeQuietly(join(dirname(path), name));
  }
}

function removeQuietly(file: string): void {
  try {
    rmSync(file, { force: true });
  } catch {
    // a leftover partial file is harmless; the next writer removes it
  }
}

function placeNewFile(partial: string, path: string): void {
  try {
    linkSync(partial, path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return; // created meanwhile by another process: use that one
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw e;
    if (!existsSync(path)) renameSync(partial, path); // a file system without hard links
  }
}

/** Tables without a dse schema version: someone else's database, which must not be migrated into. */
function foreignSchema(db: Database.Database): boolean {
  if (schemaVersion(db) !== 0) return false;
  return (db.prepare("SELECT COUNT(*) AS k FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'").get() as { k: number }).k > 0;
}

