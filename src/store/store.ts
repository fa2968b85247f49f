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
import { hostname } from 'node:os';
import Database from 'better-sqlite3';
import { UserError } from '../util/errors.js';
import { pidAlive } from '../util/pid.js';
import { mean, sampleStd } from '../util/stats.js';
import { type EpochMetrics, type TrainResult, failureKind } from '../workers/engine.js';
import { upgradeSpec } from '../space/index.js';
import { type EarlierRow, type EpochRow, type RepeatRow, type SweepRow, type TrainingRow, type TrialRow, type ValueRow, decodeValues, earlierResult, epochMetrics, provenanceColumns, repeatRecord, sweepRecord, trainingRecord, trialColumns, trialRecord, trialValues } from './rows.js';
import { syncTrialsView } from './view.js';
import type {
  EarlierResult,
  FinishedTraining,
  NewSweep,
  NewTrial,
  Provenance,
  QueuedTrial,
  RunnerInfo,
  RunningTrial,
  SweepRecord,
  SweepState,
  SweepSummary,
  SweepVersion,
  TrainingRecord,
  TrialCounts,
  TrialRecord,
  TrialState,
  WidthFit,
} from './types.js';

/** The trial's stored epochs (table epochs) as a JSON list, for keeping them with a repeat or an earlier version. */
const EPOCHS_JSON = `(SELECT json_group_array(json_object('epoch', e.epoch, 'lr', e.lr, 'train_loss', e.train_loss, 'train_err', e.train_err,
                      'val_err', e.val_err, 'test_err', e.test_err, 'seconds', e.seconds, 'images_per_sec', e.images_per_sec))
                    FROM (SELECT * FROM epochs WHERE trial_id = t.id ORDER BY epoch) e)`;

/** A runner whose heartbeat is older than this is considered dead. */
export const RUNNER_STALE_MS = 60_000;
export const TRIAL_STATES: TrialState[] = ['pending', 'running', 'done', 'failed', 'interrupted'];

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
        const id = Number(info.lastInsertRowid);
        this.db.prepare('INSERT INTO sweep_versions (sweep_id, version, config, config_hash, created) VALUES (?, 1, ?, ?, ?)').run(id, JSON.stringify(sweep.config), sweep.config_hash, now);
        this.insertTrials(id, trials);
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

  /**
   * Replaces the config of the sweep's current version (continuing under --force-config with a change
   * that leaves stored results valid: n, or nothing trained yet).
   */
  updateSweepConfig(name: string, config: unknown, configHash: string, n: number): void {
    this.writable();
    const text = JSON.stringify(config);
    this.db
      .transaction(() => {
        const id = this.requireSweep(name).id;
        this.db.prepare('UPDATE sweeps SET config = ?, config_hash = ?, n = ?, updated = ? WHERE id = ?').run(text, configHash, n, timestamp(), id);
        this.db.prepare('UPDATE sweep_versions SET config = ?, config_hash = ? WHERE sweep_id = ? AND version = (SELECT version FROM sweeps WHERE id = ?)').run(text, configHash, id, id);
      })
      .immediate();
  }

  /**
   * Starts the sweep's next version under a config whose trainings differ: each trial's result so far
   * is kept in trial_results under the version it belongs to, and every trial goes back to pending
   * (attempt numbers go on counting, so trainings keep each version's history). Refused while a live
   * process runs the sweep. Returns the new version and how many results were kept.
   */
  newSweepVersion(name: string, config: unknown, configHash: string, n: number): { version: number; kept: number } {
    this.writable();
    return this.db
      .transaction(() => {
        const sweep = this.requireSweep(name);
        const runner = this.getRunner(name);
        if (runner && runner.pid !== process.pid && runnerAlive(runner)) {
          throw new UserError(`sweep ${name} is being run by pid ${runner.pid} on ${runner.host}; stop it (kill -INT ${runner.pid}) before changing its config`);
        }
        const version = (sweep.version ?? 1) + 1;
        const now = timestamp();
        const kept = this.db
          .prepare(
            `INSERT INTO trial_results (trial_id, version, status, attempt, final_test_err, best_test_err, final_val_err, best_val_err, seconds, last_error, failure_kind, epochs)
             SELECT t.id, ?, t.status, t.attempts, t.final_test_err, t.best_test_err, t.final_val_err, t.best_val_err, t.seconds, t.last_error, t.failure_kind, ${EPOCHS_JSON}
             FROM trials t WHERE t.sweep_id = ? AND t.status IN ('done', 'failed', 'interrupted')`,
          )
          .run(version - 1, sweep.id).changes;
        this.db.prepare('DELETE FROM epochs WHERE trial_id IN (SELECT id FROM trials WHERE sweep_id = ?)').run(sweep.id);
        this.db
          .prepare(
            `UPDATE trials SET status = 'pending', failures = 0, last_error = NULL, worker = NULL, device = NULL, started = NULL, finished = NULL,
               seconds = NULL, final_test_err = NULL, best_test_err = NULL, final_val_err = NULL, best_val_err = NULL, params_built = NULL, peak_mem_bytes = NULL,
               failure_kind = NULL, accum_steps = 1, repeats = 0, val_err_std = NULL, test_err_std = NULL
             WHERE sweep_id = ?`,
          )
          .run(sweep.id);
        const text = JSON.stringify(config);
        this.db.prepare('INSERT INTO sweep_versions (sweep_id, version, config, config_hash, created) VALUES (?, ?, ?, ?, ?)').run(sweep.id, version, text, configHash, now);
        this.db.prepare('UPDATE sweeps SET version = ?, config = ?, config_hash = ?, n = ?, updated = ? WHERE id = ?').run(version, text, configHash, n, now, sweep.id);
        return { version, kept };
      })
      .immediate();
  }

  /** Whether any trial of the sweep has started a training under its current version. */
  trained(name: string): boolean {
    const id = this.requireSweep(name).id;
    return this.db.prepare('SELECT 1 FROM trials t JOIN sweeps s ON s.id = t.sweep_id WHERE s.id = ? AND EXISTS (SELECT 1 FROM trainings g WHERE g.trial_id = t.id AND g.version = s.version)').get(id) !== undefined;
  }

  /** The sweep's versions, oldest first. */
  sweepVersions(name: string): SweepVersion[] {
    const id = this.requireSweep(name).id;
    const rows = this.db.prepare('SELECT version, config, config_hash, created FROM sweep_versions WHERE sweep_id = ? ORDER BY version').all(id) as (Omit<SweepVersion, 'config'> & { config: string })[];
    return rows.map((r) => ({ ...r, config: JSON.parse(r.config) }));
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
        `SELECT id, idx, spec, sample, flops, attempts, failures, repeats,
                CASE WHEN status = 'failed' AND failure_kind = 'oom' THEN accum_steps * 2 ELSE accum_steps END AS accum,
                CASE WHEN status = 'failed' AND failure_kind = 'diverged' THEN reseeds + 1 ELSE reseeds END AS reseeds FROM trials
         WHERE sweep_id = ? AND idx < ? AND duplicate_of IS NULL AND (status IN ('pending', 'interrupted')
           OR (status = 'failed' AND failures <= ? AND NOT (failure_kind IS 'oom' AND accum_steps > ?)))
         ORDER BY idx`,
      )
      .all(id, opts.n ?? Number.MAX_SAFE_INTEGER, opts.maxRetries, maxOomAccum) as { id: number; idx: number; spec: string; sample: string; flops: number; attempts: number; failures: number; accum: number; reseeds: number; repeats: number }[];
    return rows.map((r) => ({
      id: r.id, index: r.idx, spec: upgradeSpec(JSON.parse(r.spec)), params: JSON.parse(r.sample), flops: r.flops, attempts: r.attempts, failures: r.failures,
      accum_steps: r.accum, reseeds: r.reseeds, repeats: r.repeats,
    }));
  }

  /**
   * Done trials with fewer than `repeats` finished repeats go back to pending, to train the rest (the
   * sweep's `repeats` grew under --force-config). Only call while holding the runner claim. Returns how many.
   */
  reopenForRepeats(sweepName: string, repeats: number): number {
    this.writable();
    const id = this.requireSweep(sweepName).id;
    return this.db.prepare(`UPDATE trials SET status = 'pending' WHERE sweep_id = ? AND status = 'done' AND repeats < ?`).run(id, repeats).changes;
  }

  /**
   * Records that a training of the trial started, with what it runs with (a sweep always passes its
   * provenance; tests of the lifecycle alone may not); returns its attempt number (1-based).
   * `reseeds` is how many times the trial's seed was moved on from (a diverged training's retry).
   */
  trialStarted(trialId: number, worker: string, pid = process.pid, accumSteps = 1, provenance?: Provenance, reseeds = 0): number {
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
               final_test_err = NULL, best_test_err = NULL, final_val_err = NULL, best_val_err = NULL, params_built = NULL, peak_mem_bytes = NULL, failure_kind = NULL, accum_steps = ?, reseeds = ? WHERE id = ?`,
          )
          .run(attempt, worker, now, accumSteps, reseeds, trialId);
        this.db.prepare('DELETE FROM epochs WHERE trial_id = ?').run(trialId);
        // a training that never reported (its worker was lost and the pool requeued the trial)
        this.db
          .prepare("UPDATE trainings SET status = 'lost', finished = ?, error = 'its worker was lost before it finished' WHERE trial_id = ? AND finished IS NULL")
          .run(now, trialId);
        this.db
          .prepare(
            `INSERT INTO trainings (trial_id, attempt, version, worker, pid, started, accum_steps, recipe, recipe_hash, dataset, dataset_key, engine, dse_version, seed)
             VALUES (@trial_id, @attempt, (SELECT s.version FROM sweeps s JOIN trials t ON t.sweep_id = s.id WHERE t.id = @trial_id),
                     @worker, @pid, @started, @accum_steps, @recipe, @recipe_hash, @dataset, @dataset_key, @engine, @dse_version, @seed)`,
          )
          .run({ trial_id: trialId, attempt, worker, pid, started: now, accum_steps: accumSteps, ...provenanceColumns(provenance) });
        return attempt;
      })
      .immediate();
  }

  /** Stores one epoch of a running trial (ignored once the trial has finished). */
  saveEpoch(trialId: number, m: EpochMetrics): void {
    this.writable();
    this.db
      .prepare(
        `INSERT OR REPLACE INTO epochs (trial_id, epoch, lr, train_loss, train_err, val_err, test_err, seconds, images_per_sec)
         SELECT @trial_id, @epoch, @lr, @train_loss, @train_err, @val_err, @test_err, @seconds, @images_per_sec
         WHERE EXISTS (SELECT 1 FROM trials WHERE id = @trial_id AND status = 'running')`,
      )
      .run(epochParams(trialId, m));
  }

  /**
   * Stores a training's result (done, failed or interrupted) and its epochs, in one transaction. A done
   * training is one of the trial's `repeats` (kept in trial_repeats): the trial's errors become the
   * means over its repeats so far, and it is done once it has them all, else pending for the next.
   */
  trialFinished(trialId: number, result: TrainResult, opts: { repeats?: number } = {}): FinishedTraining {
    this.writable();
    const now = timestamp();
    const wanted = opts.repeats ?? 1;
    return this.db
      .transaction((): FinishedTraining => {
        const row = this.db.prepare('SELECT status, attempts, repeats FROM trials WHERE id = ?').get(trialId) as { status: TrialState; attempts: number; repeats: number } | undefined;
        if (!row) throw new Error(`no trial with id ${trialId}`);
        if (row.status !== 'running') throw new Error(`trial ${trialId} got a result while ${row.status}`);
        const upsertEpoch = this.db.prepare(
          `INSERT OR REPLACE INTO epochs (trial_id, epoch, lr, train_loss, train_err, val_err, test_err, seconds, images_per_sec)
           VALUES (@trial_id, @epoch, @lr, @train_loss, @train_err, @val_err, @test_err, @seconds, @images_per_sec)`,
        );
        for (const m of result.epochs) upsertEpoch.run(epochParams(trialId, m));
        const done = result.status === 'done';
        const repeats = done ? this.keepRepeat(trialId, row.attempts, row.repeats, result) : null;
        const complete = !done || repeats!.count >= wanted;
        this.db
          .prepare(
            `UPDATE trials SET status = @status, failures = failures + @failed, last_error = @error, worker = @worker, device = @device,
               finished = @now, seconds = @seconds, final_test_err = @final, best_test_err = @best,
               final_val_err = @final_val, best_val_err = @best_val, params_built = @params_built,
               peak_mem_bytes = @peak_mem, failure_kind = @kind, repeats = @repeats, val_err_std = @val_std, test_err_std = @test_std,
               reseeds = CASE WHEN @next_repeat THEN 0 ELSE reseeds END WHERE id = @id`,
          )
          .run({
            id: trialId,
            status: complete ? result.status : 'pending',
            failed: result.status === 'failed' ? 1 : 0,
            error: done ? null : (result.error ?? (result.status === 'interrupted' ? 'interrupted' : 'failed without an error message')),
            worker: result.worker,
            device: result.device,
            now,
            seconds: result.seconds,
            final: repeats ? repeats.final_test_err : null,
            best: repeats ? repeats.best_test_err : null,
            final_val: repeats ? repeats.final_val_err : null,
            best_val: repeats ? repeats.best_val_err : null,
            params_built: result.params_built,
            peak_mem: result.peak_mem_bytes,
            kind: failureKind(result),
            repeats: repeats ? repeats.count : row.repeats,
            val_std: repeats ? repeats.val_std : null,
            test_std: repeats ? repeats.test_std : null,
            next_repeat: complete ? 0 : 1, // the next repeat starts from its own seed
          });
        this.db
          .prepare('UPDATE trainings SET finished = ?, status = ?, error = ?, failure_kind = ?, device = ?, engine_version = ?, threads = ? WHERE trial_id = ? AND attempt = ?')
          .run(now, result.status, result.error, failureKind(result), result.device, result.engine_version ?? null, result.threads ?? null, trialId, row.attempts);
        return { complete, repeats: repeats ? repeats.count : row.repeats };
      })
      .immediate();
  }

  /**
   * Keeps a done training as the trial's repeat number `repeat` under the current version, and
   * returns the means over the version's repeats with the sample spread of the final errors.
   */
  private keepRepeat(trialId: number, attempt: number, repeat: number, result: TrainResult) {
    this.db
      .prepare(
        `INSERT OR REPLACE INTO trial_repeats (trial_id, version, repeat, attempt, seed, final_val_err, best_val_err, final_test_err, best_test_err, seconds, epochs)
         SELECT t.id, s.version, @repeat, @attempt, COALESCE((SELECT g.seed FROM trainings g WHERE g.trial_id = t.id AND g.attempt = @attempt), s.seed),
                @final_val, @best_val, @final, @best, @seconds, ${EPOCHS_JSON}
         FROM trials t JOIN sweeps s ON s.id = t.sweep_id WHERE t.id = @id`,
      )
      .run({
        id: trialId, repeat, attempt, seconds: result.seconds, final: result.final_test_err, best: result.best_test_err,
        final_val: finite(result.final_val_err), best_val: finite(result.best_val_err),
      });
    const rows = this.db
      .prepare('SELECT r.final_val_err, r.best_val_err, r.final_test_err, r.best_test_err FROM trial_repeats r JOIN trials t ON t.id = r.trial_id JOIN sweeps s ON s.id = t.sweep_id WHERE r.trial_id = ? AND r.version = s.version')
      .all(trialId) as { final_val_err: number | null; best_val_err: number | null; final_test_err: number | null; best_test_err: number | null }[];
    const column = (key: keyof (typeof rows)[number]) => rows.map((r) => r[key]);
    return {
      count: rows.length,
      final_val_err: meanOf(column('final_val_err')),
      best_val_err: meanOf(column('best_val_err')),
      final_test_err: meanOf(column('final_test_err')),
      best_test_err: meanOf(column('best_test_err')),
      val_std: spreadOf(column('final_val_err')),
      test_std: spreadOf(column('final_test_err')),
    };
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
    const ofSweep = <R extends { trial_id: number }>(sql: string) => this.db.prepare(sql).all(record.id) as R[];
    const epochs = byTrial(ofSweep<EpochRow>('SELECT e.* FROM epochs e JOIN trials t ON t.id = e.trial_id WHERE t.sweep_id = ? ORDER BY e.trial_id, e.epoch'), epochMetrics);
    const values = byTrial(
      ofSweep<ValueRow & { trial_id: number }>('SELECT v.trial_id, v.name, v.value, v.json FROM trial_values v JOIN trials t ON t.id = v.trial_id WHERE t.sweep_id = ? ORDER BY v.trial_id'),
      (v) => v,
    );
    const trainings = byTrial(ofSweep<TrainingRow>('SELECT g.* FROM trainings g JOIN trials t ON t.id = g.trial_id WHERE t.sweep_id = ? ORDER BY g.trial_id, g.attempt'), trainingRecord);
    const earlier = byTrial(ofSweep<EarlierRow>('SELECT r.* FROM trial_results r JOIN trials t ON t.id = r.trial_id WHERE t.sweep_id = ? ORDER BY r.trial_id, r.version'), earlierResult);
    const repeats = byTrial(
      ofSweep<RepeatRow>('SELECT r.* FROM trial_repeats r JOIN trials t ON t.id = r.trial_id JOIN sweeps s ON s.id = t.sweep_id WHERE t.sweep_id = ? AND r.version = s.version ORDER BY r.trial_id, r.repeat'),
      repeatRecord,
    );
    return rows.map((r) =>
      trialRecord(r, epochs.get(r.id) ?? [], decodeValues(values.get(r.id) ?? []), { trainings: trainings.get(r.id) ?? [], earlier: earlier.get(r.id) ?? [], repeats: repeats.get(r.id) ?? [] }),
    );
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
      .prepare(`SELECT MIN(COALESCE(final_val_err, final_test_err)) AS best, AVG(seconds) AS mean_seconds FROM trials WHERE sweep_id = ? AND status = 'done'`)
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

/** Rows of a sweep's per-trial table, each made into its record, grouped by trial in row order. */
function byTrial<R extends { trial_id: number }, T>(rows: R[], make: (row: R) => T): Map<number, T[]> {
  const out = new Map<number, T[]>();
  for (const row of rows) {
    const list = out.get(row.trial_id) ?? [];
    list.push(make(row));
    out.set(row.trial_id, list);
  }
  return out;
}

function epochParams(trialId: number, m: EpochMetrics): Record<string, number | null> {
  return {
    trial_id: trialId,
    epoch: m.epoch,
    lr: m.lr,
    train_loss: finite(m.train_loss),
    train_err: finite(m.train_err),
    val_err: finite(m.val_err),
    test_err: finite(m.test_err),
    seconds: finite(m.seconds),
    images_per_sec: finite(m.images_per_sec),
  };
}

/** The mean of a repeat column; null when a repeat lacks the value (e.g. trained without a validation split). */
function meanOf(values: (number | null)[]): number | null {
  return values.length === 0 || values.some((v) => v === null) ? null : mean(values as number[]);
}

/** The sample standard deviation of a repeat column; null for fewer than two values, or one missing. */
function spreadOf(values: (number | null)[]): number | null {
  return values.length < 2 || values.some((v) => v === null) ? null : sampleStd(values as number[]);
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
