/**
 * The SQLite store. One writer -- the `dse run` process, which receives every result from the pool's
 * callbacks -- and any number of readers (`dse ls/status/query/export`, the analysis).
 *
 * Settings, and why:
 * - WAL: readers read a snapshot while the writer appends, so a query never waits on a running sweep
 *   and the sweep never waits on a query ("database is locked" cannot happen between them).
 * - synchronous=NORMAL: in WAL mode a commit is a write into the -wal file without an fsync; it
 *   survives the process being killed (the OS has the data), and the database can never be corrupted.
 *   Only an OS crash or power loss can roll back the last few commits, which a resume then retrains.
 *   That trade costs nothing in safety that matters here and saves an fsync per epoch row.
 * - busy_timeout: a second writer (`dse fit` saving width fits during a run) waits its turn instead
 *   of failing; write transactions are BEGIN IMMEDIATE and short, so waits are milliseconds.
 * - Every result is committed in its own transaction as it arrives, epochs as they arrive, so kill -9
 *   loses at most the trainings in flight.
 */
import { existsSync, linkSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { UserError, isUserError } from '../util/errors.js';
import { type EpochMetrics, type TrainResult, failureKind } from '../workers/engine.js';
import { loadMigrations, migrate, schemaVersion } from './migrate.js';
import { upgradeSpec } from '../space/index.js';
import { type EpochRow, type SweepRow, type TrialRow, type ValueRow, decodeValues, epochMetrics, sweepRecord, trialColumns, trialRecord, trialValues } from './rows.js';
import { syncTrialsView } from './view.js';
import type {
  NewSweep,
  NewTrial,
  QueuedTrial,
  RunnerInfo,
  RunningTrial,
  SweepRecord,
  SweepState,
  SweepSummary,
  TrialCounts,
  TrialRecord,
  TrialState,
  WidthFit,
} from './types.js';

export interface OpenStoreOptions {
  /** Open with SQLITE_OPEN_READONLY: needs no write access, never blocks the writer. */
  readonly?: boolean;
  /** Create the file (and its folder) when missing; otherwise a missing file is a UserError. */
  create?: boolean;
}

const BUSY_TIMEOUT_MS = 10_000;
/** A runner whose heartbeat is older than this is considered dead. */
export const RUNNER_STALE_MS = 60_000;
export const TRIAL_STATES: TrialState[] = ['pending', 'running', 'done', 'failed', 'interrupted'];

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

export class Store {
  constructor(
    readonly db: Database.Database,
    readonly path: string,
    readonly readonly: boolean,
  ) {}

  close(): void {
    if (this.db.open) this.db.close();
  }

  // ------------------------------------------------------------------ sweeps

  listSweeps(): SweepRecord[] {
    return (this.db.prepare('SELECT * FROM sweeps ORDER BY created, id').all() as SweepRow[]).map(sweepRecord);
  }

  getSweep(name: string): SweepRecord | undefined {
    const row = this.db.prepare('SELECT * FROM sweeps WHERE name = ?').get(name) as SweepRow | undefined;
    return row && sweepRecord(row);
  }

  /** The sweep, or a UserError that lists the sweeps there are. */
  requireSweep(name: string): SweepRecord {
    const sweep = this.getSweep(name);
    if (sweep) return sweep;
    const names = this.listSweeps().map((s) => s.name);
    throw new UserError(`no sweep named "${name}" in ${this.path} (${names.length ? `sweeps: ${names.join(', ')}` : 'it holds no sweeps yet'})`);
  }

  /** Creates a sweep and all its sampled trials, pending, in one transaction. */
  createSweep(sweep: NewSweep, trials: NewTrial[]): SweepRecord {
    this.writable();
    const now = timestamp();
    this.db
      .transaction(() => {
        const info = this.db
          .prepare(
            `INSERT INTO sweeps (name, description, config, config_hash, seed, n, space, sample_stats, created, updated, status)
             VALUES (@name, @description, @config, @config_hash, @seed, @n, @space, @sample_stats, @now, @now, 'created')`,
          )
          .run({ ...sweep, description: sweep.description ?? null, config: JSON.stringify(sweep.config), sample_stats: json(sweep.sample_stats), now });
        this.insertTrials(Number(info.lastInsertRowid), trials);
      })
      .immediate();
    return this.requireSweep(sweep.name);
  }

  /** Adds trials to an existing sweep (n raised under --force-config), in one transaction. */
  addTrials(sweepName: string, trials: NewTrial[]): void {
    this.writable();
    const id = this.requireSweep(sweepName).id;
    this.db.transaction(() => this.insertTrials(id, trials)).immediate();
  }

  private insertTrials(sweepId: number, trials: NewTrial[]): void {
    const insert = this.db.prepare(
      `INSERT INTO trials (sweep_id, idx, sample, depth, num_stages, ws, ds, spec, flops, params, acts, duplicate_of)
       VALUES (@sweep_id, @idx, @sample, @depth, @num_stages, @ws, @ds, @spec, @flops, @params, @acts, @duplicate_of)`,
    );
    const insertValue = this.db.prepare('INSERT INTO trial_values (trial_id, name, value, json) VALUES (?, ?, ?, ?)');
    for (const t of trials) {
      const id = insert.run({ sweep_id: sweepId, ...trialColumns(t) }).lastInsertRowid;
      for (const v of trialValues(t)) insertValue.run(id, v.name, v.value, v.json);
    }
    syncTrialsView(this.db);
  }

  /** Replaces a sweep's stored config (continuing under a changed experiment file, --force-config). */
  updateSweepConfig(name: string, config: unknown, configHash: string, n: number): void {
    this.writable();
    this.db.prepare('UPDATE sweeps SET config = ?, config_hash = ?, n = ?, updated = ? WHERE name = ?').run(JSON.stringify(config), configHash, n, timestamp(), name);
  }

  setSweepStatus(name: string, status: SweepState): void {
    this.writable();
    this.db.prepare('UPDATE sweeps SET status = ?, updated = ? WHERE name = ?').run(status, timestamp(), name);
  }

  // ------------------------------------------------------------------ the runner lock

  /**
   * Claims the sweep for this process, refusing while another live process holds it. A holder on this
   * host is alive if its pid exists and its heartbeat is fresh (a reused pid has a stale heartbeat);
   * one on another host, if its heartbeat is fresh.
   */
  claimRunner(sweepName: string, pid = process.pid): void {
    this.writable();
    const sweep = this.requireSweep(sweepName);
    const host = hostname();
    this.db
      .transaction(() => {
        const holder = this.db.prepare('SELECT pid, host, started, heartbeat FROM runners WHERE sweep_id = ?').get(sweep.id) as RunnerInfo | undefined;
        if (holder && !(holder.pid === pid && holder.host === host) && runnerAlive(holder)) {
          const age = Math.round((Date.now() - Date.parse(holder.heartbeat)) / 1000);
          throw new UserError(
            `sweep ${sweepName} is already being run by pid ${holder.pid} on ${holder.host} (heartbeat ${age} s ago); ` +
              `wait for it, or stop it (kill -INT ${holder.pid}) and run again`,
          );
        }
        const now = timestamp();
        this.db
          .prepare('INSERT OR REPLACE INTO runners (sweep_id, pid, host, started, heartbeat) VALUES (?, ?, ?, ?, ?)')
          .run(sweep.id, pid, host, now, now);
      })
      .immediate();
  }

  heartbeat(sweepName: string, pid = process.pid): void {
    this.db
      .prepare('UPDATE runners SET heartbeat = ? WHERE pid = ? AND sweep_id = (SELECT id FROM sweeps WHERE name = ?)')
      .run(timestamp(), pid, sweepName);
  }

  releaseRunner(sweepName: string, pid = process.pid): void {
    this.db.prepare('DELETE FROM runners WHERE pid = ? AND sweep_id = (SELECT id FROM sweeps WHERE name = ?)').run(pid, sweepName);
  }

  getRunner(sweepName: string): RunnerInfo | null {
    const row = this.db
      .prepare('SELECT pid, host, started, heartbeat FROM runners WHERE sweep_id = (SELECT id FROM sweeps WHERE name = ?)')
      .get(sweepName) as RunnerInfo | undefined;
    return row ?? null;
  }

  // ------------------------------------------------------------------ trial lifecycle

  /**
   * Trials a previous run left 'running' (it was killed) go back to 'pending', and their open
   * trainings are closed as 'lost'. Only call while holding the runner claim. Returns how many.
   */
  requeueStale(sweepName: string): number {
    this.writable();
    const id = this.requireSweep(sweepName).id;
    return this.db
      .transaction(() => {
        this.db
          .prepare(
            `UPDATE trainings SET status = 'lost', finished = ?, error = 'the run stopped before this training finished'
             WHERE finished IS NULL AND trial_id IN (SELECT id FROM trials WHERE sweep_id = ?)`,
          )
          .run(timestamp(), id);
        return this.db.prepare(`UPDATE trials SET status = 'pending' WHERE sweep_id = ? AND status = 'running'`).run(id).changes;
      })
      .immediate();
  }

  /**
   * Trials still to train: pending, interrupted, or failed fewer than max_retries + 1 times; by index.
   * An out-of-memory failure is retried with twice the gradient accumulation, once: one that ran out of
   * memory with accumulation already is not queued again, nor any when `accumulation` is false (the
   * engine cannot accumulate, so a retry would be identical).
   */
  queuedTrials(sweepName: string, opts: { maxRetries: number; n?: number; accumulation?: boolean }): QueuedTrial[] {
    const id = this.requireSweep(sweepName).id;
    const maxOomAccum = opts.accumulation === false ? 0 : 1;
    const rows = this.db
      .prepare(
        `SELECT id, idx, spec, sample, flops, attempts, failures,
                CASE WHEN status = 'failed' AND failure_kind = 'oom' THEN accum_steps * 2 ELSE accum_steps END AS accum,
                CASE WHEN status = 'failed' AND last_error LIKE '%non-finite%' THEN reseeds + 1 ELSE reseeds END AS reseeds FROM trials
         WHERE sweep_id = ? AND idx < ? AND duplicate_of IS NULL AND (status IN ('pending', 'interrupted')
           OR (status = 'failed' AND failures <= ? AND NOT (failure_kind IS 'oom' AND accum_steps > ?)))
         ORDER BY idx`,
      )
      .all(id, opts.n ?? Number.MAX_SAFE_INTEGER, opts.maxRetries, maxOomAccum) as { id: number; idx: number; spec: string; sample: string; flops: number; attempts: number; failures: number; accum: number; reseeds: number }[];
    return rows.map((r) => ({ id: r.id, index: r.idx, spec: upgradeSpec(JSON.parse(r.spec)), params: JSON.parse(r.sample), flops: r.flops, attempts: r.attempts, failures: r.failures, accum_steps: r.accum, reseeds: r.reseeds }));
  }

  /**
   * Records that a training of the trial started; returns its attempt number (1-based). `seed` is the
   * recipe seed it trains with and `reseeds` how many times the trial's seed was moved on from.
   */
  trialStarted(trialId: number, worker: string, pid = process.pid, accumSteps = 1, training: { seed?: number; reseeds?: number } = {}): number {
    this.writable();
    return this.db
      .transaction(() => {
        const row = this.db.prepare('SELECT status, attempts FROM trials WHERE id = ?').get(trialId) as { status: TrialState; attempts: number } | undefined;
        if (!row) throw new Error(`no trial with id ${trialId}`);
        if (row.status === 'done') throw new Error(`trial ${trialId} is done; it must not be trained again`);
        const attempt = row.attempts + 1;
        const now = timestamp();
        this.db
          .prepare(
            `UPDATE trials SET status = 'running', attempts = ?, worker = ?, device = NULL, started = ?, finished = NULL, seconds = NULL,
               final_test_err = NULL, best_test_err = NULL, params_built = NULL, peak_mem_bytes = NULL, failure_kind = NULL, accum_steps = ?, reseeds = ? WHERE id = ?`,
          )
          .run(attempt, worker, now, accumSteps, training.reseeds ?? 0, trialId);
        this.db.prepare('DELETE FROM epochs WHERE trial_id = ?').run(trialId);
        // a training that never reported (its worker was lost and the pool requeued the trial)
        this.db
          .prepare("UPDATE trainings SET status = 'lost', finished = ?, error = 'its worker was lost before it finished' WHERE trial_id = ? AND finished IS NULL")
          .run(now, trialId);
        this.db
          .prepare('INSERT INTO trainings (trial_id, attempt, worker, pid, started, accum_steps, seed) VALUES (?, ?, ?, ?, ?, ?, ?)')
          .run(trialId, attempt, worker, pid, now, accumSteps, training.seed ?? null);
        return attempt;
      })
      .immediate();
  }

  /** Stores one epoch of a running trial (ignored once the trial has finished). */
  saveEpoch(trialId: number, m: EpochMetrics): void {
    this.writable();
    this.db
      .prepare(
        `INSERT OR REPLACE INTO epochs (trial_id, epoch, lr, train_loss, train_err, test_err, seconds, images_per_sec)
         SELECT @trial_id, @epoch, @lr, @train_loss, @train_err, @test_err, @seconds, @images_per_sec
         WHERE EXISTS (SELECT 1 FROM trials WHERE id = @trial_id AND status = 'running')`,
      )
      .run(epochParams(trialId, m));
  }

  /** Stores a training's result (done, failed or interrupted) and its epochs, in one transaction. */
  trialFinished(trialId: number, result: TrainResult): void {
    this.writable();
    const now = timestamp();
    this.db
      .transaction(() => {
        const row = this.db.prepare('SELECT status, attempts FROM trials WHERE id = ?').get(trialId) as { status: TrialState; attempts: number } | undefined;
        if (!row) throw new Error(`no trial with id ${trialId}`);
        if (row.status !== 'running') throw new Error(`trial ${trialId} got a result while ${row.status}`);
        const upsertEpoch = this.db.prepare(
          `INSERT OR REPLACE INTO epochs (trial_id, epoch, lr, train_loss, train_err, test_err, seconds, images_per_sec)
           VALUES (@trial_id, @epoch, @lr, @train_loss, @train_err, @test_err, @seconds, @images_per_sec)`,
        );
        for (const m of result.epochs) upsertEpoch.run(epochParams(trialId, m));
        const done = result.status === 'done';
        this.db
          .prepare(
            `UPDATE trials SET status = @status, failures = failures + @failed, last_error = @error, worker = @worker, device = @device,
               finished = @now, seconds = @seconds, final_test_err = @final, best_test_err = @best, params_built = @params_built,
               peak_mem_bytes = @peak_mem, failure_kind = @kind WHERE id = @id`,
          )
          .run({
            id: trialId,
            status: result.status,
            failed: result.status === 'failed' ? 1 : 0,
            error: done ? null : (result.error ?? (result.status === 'interrupted' ? 'interrupted' : 'failed without an error message')),
            worker: result.worker,
            device: result.device,
            now,
            seconds: result.seconds,
            final: done ? result.final_test_err : null,
            best: done ? result.best_test_err : null,
            params_built: result.params_built,
            peak_mem: result.peak_mem_bytes,
            kind: failureKind(result),
          });
        this.db
          .prepare('UPDATE trainings SET finished = ?, status = ?, error = ?, failure_kind = ?, threads = ? WHERE trial_id = ? AND attempt = ?')
          .run(now, result.status, result.error, failureKind(result), result.threads ?? null, trialId, row.attempts);
      })
      .immediate();
  }

  // ------------------------------------------------------------------ reading results

  readTrials(sweep: string, opts: { status?: TrialState[] } = {}): TrialRecord[] {
    // one read transaction: trials and epochs from the same snapshot while a run commits
    return this.db.transaction(() => this.readTrialsNow(sweep, opts.status ?? TRIAL_STATES))();
  }

  private readTrialsNow(sweep: string, statuses: TrialState[]): TrialRecord[] {
    const record = this.requireSweep(sweep);
    const marks = statuses.map(() => '?').join(', ');
    const rows = this.db
      .prepare(`SELECT t.*, ? AS sweep FROM trials t WHERE t.sweep_id = ? AND t.status IN (${marks}) ORDER BY t.idx`)
      .all(record.name, record.id, ...statuses) as TrialRow[];
    const epochs = new Map<number, EpochMetrics[]>();
    const epochRows = this.db
      .prepare('SELECT e.* FROM epochs e JOIN trials t ON t.id = e.trial_id WHERE t.sweep_id = ? ORDER BY e.trial_id, e.epoch')
      .all(record.id) as EpochRow[];
    for (const e of epochRows) {
      const list = epochs.get(e.trial_id) ?? [];
      list.push(epochMetrics(e));
      epochs.set(e.trial_id, list);
    }
    const values = new Map<number, ValueRow[]>();
    const valueRows = this.db
      .prepare('SELECT v.trial_id, v.name, v.value, v.json FROM trial_values v JOIN trials t ON t.id = v.trial_id WHERE t.sweep_id = ? ORDER BY v.trial_id')
      .all(record.id) as (ValueRow & { trial_id: number })[];
    for (const v of valueRows) {
      const list = values.get(v.trial_id) ?? [];
      list.push(v);
      values.set(v.trial_id, list);
    }
    return rows.map((r) => trialRecord(r, epochs.get(r.id) ?? [], decodeValues(values.get(r.id) ?? [])));
  }

  counts(sweep: string): TrialCounts {
    const id = this.requireSweep(sweep).id;
    const counts: TrialCounts = { pending: 0, running: 0, done: 0, failed: 0, interrupted: 0, total: 0, duplicate: 0 };
    const rows = this.db
      .prepare("SELECT CASE WHEN duplicate_of IS NULL THEN status ELSE 'duplicate' END AS status, COUNT(*) AS k FROM trials WHERE sweep_id = ? GROUP BY 1")
      .all(id) as { status: TrialState | 'duplicate'; k: number }[];
    for (const r of rows) {
      counts[r.status] = r.k;
      counts.total += r.k;
    }
    return counts;
  }

  summary(sweep: string): SweepSummary {
    return this.db.transaction(() => this.summaryNow(sweep))();
  }

  private summaryNow(sweep: string): SweepSummary {
    const record = this.requireSweep(sweep);
    const stats = this.db
      .prepare(`SELECT MIN(final_test_err) AS best, AVG(seconds) AS mean_seconds FROM trials WHERE sweep_id = ? AND status = 'done'`)
      .get(record.id) as { best: number | null; mean_seconds: number | null };
    const running = this.db
      .prepare(`SELECT idx AS "index", started, worker FROM trials WHERE sweep_id = ? AND status = 'running' ORDER BY started, idx`)
      .all(record.id) as RunningTrial[];
    return { sweep: record, counts: this.counts(sweep), best_error: stats.best, mean_seconds: stats.mean_seconds, runner: this.getRunner(sweep), running };
  }

  /** Stores `dse fit` results: the fitted width rule of each trial. */
  saveWidthFits(sweep: string, fits: WidthFit[]): void {
    this.writable();
    const id = this.requireSweep(sweep).id;
    const update = this.db.prepare('UPDATE trials SET fit_w0 = ?, fit_wa = ?, fit_wm = ?, fit_err = ? WHERE id = ? AND sweep_id = ?');
    this.db
      .transaction(() => {
        for (const f of fits) {
          if (update.run(f.w0, f.wa, f.wm, f.e_fit, f.trialId, id).changes !== 1) throw new Error(`trial ${f.trialId} is not in sweep ${sweep}`);
        }
      })
      .immediate();
  }

  private writable(): void {
    if (this.readonly) throw new Error(`store ${this.path} was opened read-only`);
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

/** SQLite could not read or write the file (a full disk, an I/O error, a lock held too long): not a bug. */
export function isStoreError(e: unknown): boolean {
  return e instanceof Database.SqliteError && /^SQLITE_(FULL|IOERR|BUSY|LOCKED|READONLY|CANTOPEN|CORRUPT|NOTADB|PERM|NOMEM)/.test(e.code);
}

/** Whether a runner row belongs to a live process (see claimRunner). */
export function runnerAlive(runner: RunnerInfo, now = Date.now()): boolean {
  const fresh = now - Date.parse(runner.heartbeat) < RUNNER_STALE_MS;
  if (runner.host !== hostname()) return fresh;
  return fresh && pidAlive(runner.pid);
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function epochParams(trialId: number, m: EpochMetrics): Record<string, number | null> {
  return {
    trial_id: trialId,
    epoch: m.epoch,
    lr: m.lr,
    train_loss: finite(m.train_loss),
    train_err: finite(m.train_err),
    test_err: finite(m.test_err),
    seconds: finite(m.seconds),
    images_per_sec: finite(m.images_per_sec),
  };
}

function finite(v: number | null | undefined): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function json(v: unknown): string | null {
  return v === undefined || v === null ? null : JSON.stringify(v);
}

function timestamp(): string {
  return new Date().toISOString();
}
