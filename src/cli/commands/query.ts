/**
 * Reading sweeps, at any time (also while `dse run` writes them; every read is a read-only WAL
 * snapshot): `dse ls`, `dse status [sweep]`, `dse query`, `dse export <sweep>`.
 */
import type { Command } from 'commander';
import { type Store, openStore, runnerAlive } from '../../store/index.js';
import { databasesToList, openSingleStore, openStoreForSweep } from '../../store/locate.js';
import { type QueryResult, defaultTableColumns, queryTrials, querySql } from '../../store/query.js';
import { CORE_COLUMNS, PARAMETER_COLUMNS_DOC } from '../../store/view.js';
import type { SweepSummary } from '../../store/types.js';
import { UserError } from '../../util/errors.js';
import { checkOutputFile, writeOutputFile } from '../../util/files.js';
import { formatDuration, formatError } from '../progress.js';

type Format = 'table' | 'json' | 'csv';

export function registerQuery(program: Command): void {
  program
    .command('ls')
    .description('list the sweeps: status, trial counts, best error')
    .option('--db <file>', 'database file (default: every db/*.sqlite)')
    .option('--format <format>', 'table | json', 'table')
    .action((flags: { db?: string; format: string }) => {
      const format = formatFlag(flags.format, ['table', 'json']);
      const rows = everySummary(flags.db).map(({ summary, path }) => lsRow(summary, path));
      if (format === 'json') return print(JSON.stringify(rows, null, 2));
      if (rows.length === 0) return print('no sweeps');
      print(table(Object.keys(rows[0]), rows.map((r) => ({ ...r, best_error: formatError(r.best_error) }))));
    });

  program
    .command('status')
    .description('progress of a sweep (or of every sweep): counts by status, best error, time per trial, ETA')
    .argument('[sweep]', 'sweep name')
    .option('--db <file>', 'database file (default: db/<sweep>.sqlite, or every db/*.sqlite)')
    .action((sweep: string | undefined, flags: { db?: string }) => {
      const summaries = sweep
        ? withStore(openStoreForSweep(sweep, flags.db), (store) => [store.summary(sweep)])
        : everySummary(flags.db).map(({ summary }) => summary);
      if (summaries.length === 0) return print('no sweeps');
      print(summaries.map(statusText).join('\n\n'));
    });

  program
    .command('query')
    .description('select trials with SQL over the trials_view columns (read-only)')
    .option('--db <file>', 'database file (default: db/<sweep>.sqlite, or the only db/*.sqlite)')
    .option('--sweep <name>', 'only this sweep')
    .option('--where <expr>', 'filter over the columns (comparisons, AND/OR/NOT, IN, BETWEEN, LIKE, arithmetic), e.g. "flops < 4e8 AND status = \'done\'"')
    .option('--order <columns>', 'sort by columns, e.g. error, -flops, "params desc"', 'error')
    .option('--limit <n>', 'at most n rows')
    .option('--columns <list>', 'comma-separated columns (default for tables: sweep, idx, status, error, flops, params, depth, the sampled parameters, num_stages, seconds)')
    .option('--format <format>', 'table | json | csv', 'table')
    .option('--sql <statement>', 'run your own SELECT instead (views: trials_view; tables: sweeps, trials, epochs, trainings)')
    .addHelpText('after', `\ntrials_view columns:\n${Object.entries(CORE_COLUMNS).map(([k, v]) => `  ${k.padEnd(12)} ${v.doc}`).join('\n')}\n  ${PARAMETER_COLUMNS_DOC}`)
    .action((flags: { db?: string; sweep?: string; where?: string; order: string; limit?: string; columns?: string; format: string; sql?: string }) => {
      const format = formatFlag(flags.format, ['table', 'json', 'csv']);
      const store = flags.sweep ? openStoreForSweep(flags.sweep, flags.db) : openSingleStore(flags.db);
      const result = withStore(store, (s) => {
        if (flags.sql !== undefined) {
          if (flags.where || flags.columns || flags.sweep || flags.limit) throw new UserError('--sql: give the whole statement; it does not combine with --sweep, --where, --columns or --limit');
          return querySql(s, flags.sql);
        }
        const columns = flags.columns?.split(',').map((c) => c.trim()).filter(Boolean) ?? (format === 'table' ? defaultTableColumns(s, flags.sweep) : undefined);
        const limit = flags.limit === undefined ? undefined : positiveInt('--limit', flags.limit);
        return queryTrials(s, { sweep: flags.sweep, where: flags.where, order: flags.order, limit, columns });
      });
      print(render(result, format));
    });

  program
    .command('export')
    .description('write a sweep\'s trials (parameters, complexity, results; json also has the per-epoch curves, each training\'s provenance, the sweep\'s versions and earlier versions\' results)')
    .argument('<sweep>', 'sweep name')
    .option('--db <file>', 'database file (default: db/<sweep>.sqlite, or whichever db/*.sqlite holds it)')
    .option('--format <format>', 'json | csv', 'json')
    .option('-o, --output <file>', 'write to this file instead of stdout')
    .action((sweep: string, flags: { db?: string; format: string; output?: string }) => {
      const format = formatFlag(flags.format, ['json', 'csv']);
      if (flags.output) checkOutputFile(flags.output, '-o');
      const text = withStore(openStoreForSweep(sweep, flags.db), (store) => {
        if (format === 'csv') return render(queryTrials(store, { sweep, order: 'idx' }), 'csv');
        const record = store.requireSweep(sweep);
        return JSON.stringify({ sweep: record, versions: store.sweepVersions(sweep), trials: store.readTrials(sweep) }, null, 2);
      });
      if (flags.output) writeOutputFile(flags.output, `${text}\n`, '-o');
      else print(text);
    });
}

/** The summary of every sweep in --db, or in every db/*.sqlite, with the file it is in. */
function everySummary(db: string | undefined): { summary: SweepSummary; path: string }[] {
  return databasesToList(db).flatMap((path) =>
    withStore(openStore(path, { readonly: true }), (store) => store.listSweeps().map((s) => ({ summary: store.summary(s.name), path }))),
  );
}

function withStore<T>(store: Store, fn: (store: Store) => T): T {
  try {
    return fn(store);
  } finally {
    store.close();
  }
}

function print(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

function formatFlag(value: string, allowed: Format[]): Format {
  if (!(allowed as string[]).includes(value)) throw new UserError(`--format: expected ${allowed.join(' | ')}, got "${value}"`);
  return value as Format;
}

function positiveInt(flag: string, text: string): number {
  const v = Number(text);
  if (!Number.isInteger(v) || v < 1) throw new UserError(`${flag}: expected a positive integer, got "${text}"`);
  return v;
}

// ------------------------------------------------------------------ ls / status

function runState(s: SweepSummary): string {
  if (s.sweep.status === 'running' && !(s.runner && runnerAlive(s.runner))) return 'stopped';
  return s.sweep.status;
}

function lsRow(s: SweepSummary, db: string) {
  const c = s.counts;
  return {
    sweep: s.sweep.name,
    status: runState(s),
    n: s.sweep.n ?? c.total,
    done: c.done,
    failed: c.failed,
    pending: c.pending + c.interrupted + c.running,
    best_error: s.best_error,
    created: s.sweep.created.slice(0, 19).replace('T', ' '),
    db,
  };
}

function parallelism(config: unknown): number {
  const r = (config as { resources?: { gpus?: number[]; trials_per_gpu?: number; cpu_workers?: number } })?.resources;
  if (r?.gpus?.length) return r.gpus.length * (r.trials_per_gpu ?? 1);
  return r?.cpu_workers ?? 1;
}

function statusText(s: SweepSummary): string {
  const c = s.counts;
  const state = runState(s);
  let head = `sweep ${s.sweep.name}: ${state}`;
  if (state === 'running' && s.runner) head += ` (pid ${s.runner.pid} on ${s.runner.host}, heartbeat ${Math.round((Date.now() - Date.parse(s.runner.heartbeat)) / 1000)} s ago)`;
  if (state === 'stopped') head += ' (its process is gone; `dse run` the experiment again to resume)';
  const remaining = c.pending + c.interrupted + c.running;
  const parallel = parallelism(s.sweep.config);
  const eta = s.mean_seconds !== null && remaining > 0 ? `ETA ~${formatDuration((remaining * s.mean_seconds) / parallel)} at ${parallel} parallel` : remaining > 0 ? 'ETA --' : 'nothing left to train';
  return [
    head,
    `  trials ${c.total}: ${c.done} done, ${c.failed} failed, ${c.running} running, ${c.pending} pending, ${c.interrupted} interrupted` +
      (c.duplicate ? `, ${c.duplicate} duplicate (an earlier trial's network; not trained)` : ''),
    `  best error ${formatError(s.best_error)}; ${s.mean_seconds === null ? 'no trial finished yet' : `${s.mean_seconds.toFixed(1)} s per trial`}; ${eta}`,
    ...(state === 'running' ? overdueLines(s) : []),
  ].join('\n');
}

/** A running trial is overdue once it has run this many times the sweep's mean time per trial. */
const OVERDUE_FACTOR = 2;

/** "  overdue: trial 12 running 14m00s, expected ~2m00s (torch:cuda0#1)" per running trial past its expected time. */
export function overdueLines(s: Pick<SweepSummary, 'running' | 'mean_seconds'>, now = Date.now()): string[] {
  if (s.mean_seconds === null || !s.running) return [];
  const expected = s.mean_seconds;
  return s.running.flatMap((t) => {
    const ran = (now - Date.parse(t.started)) / 1000;
    if (!(ran > OVERDUE_FACTOR * expected)) return [];
    return [`  overdue: trial ${t.index} running ${formatDuration(ran)}, expected ~${formatDuration(expected)}${t.worker ? ` (${t.worker})` : ''}`];
  });
}

// ------------------------------------------------------------------ output formats

export function render(result: QueryResult, format: Format): string {
  if (format === 'json') return JSON.stringify(result.rows.map((r) => parseJsonColumns(r, result.jsonColumns)), null, 2);
  if (format === 'csv') return csv(result.columns, result.rows);
  if (result.rows.length === 0) return '(no rows)';
  return table(result.columns, result.rows);
}

function parseJsonColumns(row: Record<string, unknown>, json: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) out[k] = json.includes(k) && typeof v === 'string' ? JSON.parse(v) : v;
  return out;
}

function cellText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Math.round(v * 10000) / 10000);
  return String(v);
}

export function table(columns: string[], rows: Record<string, unknown>[]): string {
  const cells = rows.map((r) => columns.map((c) => cellText(r[c])));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i].length)));
  const numeric = columns.map((c) => rows.some((r) => typeof r[c] === 'number'));
  const line = (row: string[]) => row.map((v, i) => (numeric[i] ? v.padStart(widths[i]) : v.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(columns), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

export function csv(columns: string[], rows: Record<string, unknown>[]): string {
  const quote = (v: unknown) => {
    const s = v === null || v === undefined ? '' : String(v);
    return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [columns.join(','), ...rows.map((r) => columns.map((c) => quote(r[c])).join(','))].join('\n');
}
