/**
 * Read-only queries over `trials_view` (db/migrations/001_init.sql): `dse query`'s --where / --order /
 * --columns, and raw --sql. Only statements SQLite itself reports as read-only are run, on a
 * connection opened read-only, so a query can never change a sweep.
 */
import { UserError } from '../util/errors.js';
import type { Store } from './store.js';

/** The columns of trials_view, with what they hold (also the README's table). */
export const VIEW_COLUMNS: Record<string, string> = {
  id: 'trial id (unique in the database)',
  sweep: 'sweep name',
  idx: 'sample index in the sweep (0..n-1)',
  status: 'pending | running | done | failed | interrupted',
  flops: 'multiply-adds of one forward pass (pycls counting)',
  params: 'parameters',
  acts: 'activations (output elements of conv layers)',
  error: 'top-1 test error after the last epoch, % (final_test_err)',
  best_error: 'lowest per-epoch top-1 test error, % (best_test_err)',
  depth: 'total blocks',
  num_stages: 'stages',
  w0: 'RegNet initial width',
  wa: 'RegNet width slope',
  wm: 'RegNet width multiplier',
  group_w: 'group width (RegNet g, or the one all stages share)',
  bot_mul: 'bottleneck multiplier (the one all stages share)',
  se_r: 'squeeze-excitation ratio (0: none)',
  ws: 'per-stage widths, JSON list (ws ->> 2 for stage 3)',
  ds: 'per-stage depths, JSON list',
  gs: 'per-stage group widths, JSON list',
  bs: 'per-stage bottleneck multipliers, JSON list',
  attempts: 'trainings started',
  last_error: 'error of the last failed or interrupted training',
  worker: 'slot of the last training, e.g. torch:cpu#0',
  device: 'device of the last training',
  started: 'start of the last training (ISO-8601 UTC)',
  finished: 'end of the last training',
  seconds: 'wall time of the last training',
  fit_w0: 'width-rule fit (dse fit): w0',
  fit_wa: 'width-rule fit: wa',
  fit_wm: 'width-rule fit: wm',
  fit_err: 'width-rule fit: e_fit',
  sample: 'the sampled parameters, JSON',
  spec: 'the model spec, JSON',
};

export const JSON_COLUMNS = new Set(['ws', 'ds', 'gs', 'bs', 'sample', 'spec']);
export const DEFAULT_TABLE_COLUMNS = ['sweep', 'idx', 'status', 'error', 'flops', 'params', 'depth', 'w0', 'wa', 'wm', 'group_w', 'num_stages', 'seconds'];

export interface QueryResult {
  columns: string[];
  rows: Record<string, unknown>[];
}

export interface TrialQuery {
  sweep?: string;
  /** An SQL expression over the view's columns. */
  where?: string;
  /** "error", "-error", "flops desc, error": view columns, optionally descending. */
  order?: string;
  limit?: number;
  /** View columns to return; all but spec/sample when omitted. */
  columns?: string[];
}

export function queryTrials(store: Store, q: TrialQuery): QueryResult {
  const columns = q.columns?.length ? q.columns : Object.keys(VIEW_COLUMNS).filter((c) => c !== 'spec' && c !== 'sample');
  for (const c of columns) checkColumn(c, '--columns');
  const clauses: string[] = [];
  const params: unknown[] = [];
  if (q.sweep !== undefined) {
    store.requireSweep(q.sweep);
    clauses.push('sweep = ?');
    params.push(q.sweep);
  }
  if (q.where?.trim()) clauses.push(`(${q.where})`);
  let sql = `SELECT ${columns.map(quote).join(', ')} FROM trials_view`;
  if (clauses.length) sql += ` WHERE ${clauses.join(' AND ')}`;
  sql += ` ORDER BY ${orderBy(q.order)}`;
  if (q.limit !== undefined) sql += ` LIMIT ${q.limit}`;
  return run(store, sql, params, q.where?.trim() ? '--where' : '--columns');
}

/** Runs the user's own SELECT (`dse query --sql`). */
export function querySql(store: Store, sql: string): QueryResult {
  return run(store, sql, [], '--sql');
}

function run(store: Store, sql: string, params: unknown[], flag: string): QueryResult {
  let stmt;
  try {
    stmt = store.db.prepare(sql);
  } catch (e) {
    throw new UserError(`${flag}: ${(e as Error).message} (the trials_view columns are: ${Object.keys(VIEW_COLUMNS).join(', ')})`);
  }
  if (!stmt.readonly) throw new UserError(`${flag}: only read-only statements are allowed (SELECT, WITH ... SELECT); the database is opened read-only`);
  if (!stmt.reader) throw new UserError(`${flag}: the statement returns no rows; give a SELECT`);
  try {
    const columns = stmt.columns().map((c) => c.name);
    return { columns, rows: stmt.all(...params) as Record<string, unknown>[] };
  } catch (e) {
    throw new UserError(`${flag}: ${(e as Error).message}`);
  }
}

function orderBy(order: string | undefined): string {
  if (!order?.trim()) return 'sweep, idx';
  const terms = order.split(',').map((term) => {
    const m = /^\s*(-)?\s*([A-Za-z_][A-Za-z0-9_]*)\s*(asc|desc)?\s*$/i.exec(term);
    if (!m) throw new UserError(`--order: expected columns like "error", "-error" or "flops desc", got "${term.trim()}"`);
    checkColumn(m[2], '--order');
    const desc = m[1] === '-' || m[3]?.toLowerCase() === 'desc';
    // NULLs (untrained trials) last either way
    return `${quote(m[2])} IS NULL, ${quote(m[2])}${desc ? ' DESC' : ''}`;
  });
  return [...terms, 'sweep', 'idx'].join(', ');
}

function checkColumn(name: string, flag: string): void {
  if (!Object.hasOwn(VIEW_COLUMNS, name)) throw new UserError(`${flag}: unknown column "${name}" (columns: ${Object.keys(VIEW_COLUMNS).join(', ')})`);
}

function quote(name: string): string {
  return `"${name}"`;
}
