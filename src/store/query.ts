/**
 * Read-only queries over `trials_view` (src/store/view.ts): `dse query`'s --where (a parsed filter,
 * src/store/where.ts) / --order / --columns, and raw --sql. Only statements SQLite itself reports as read-only are run, on a
 * connection opened read-only, so a query can never change a sweep.
 */
import { suggest } from '../space/index.js';
import { UserError } from '../util/errors.js';
import type { Store } from './store.js';
import { jsonParameterNames, viewColumns } from './view.js';
import { compileWhere } from './where.js';

const CORE_JSON_COLUMNS = ['ws', 'ds', 'sample', 'spec'];

export interface QueryResult {
  columns: string[];
  rows: Record<string, unknown>[];
  /** Columns holding JSON text (per-stage lists, the sample, the spec). */
  jsonColumns: string[];
}

export interface TrialQuery {
  sweep?: string;
  /** A filter over the view's columns (src/store/where.ts). */
  where?: string;
  /** "error", "-error", "flops desc, error": view columns, optionally descending. */
  order?: string;
  limit?: number;
  /** View columns to return; all but spec/sample when omitted. */
  columns?: string[];
}

/**
 * What `dse query` shows when no --columns are given: identity, result, complexity, then the
 * parameters the sweeps' spaces sample, then stages and time.
 */
export function defaultTableColumns(store: Store, sweep?: string): string[] {
  const have = new Set(viewColumns(store.db));
  const sweeps = sweep ? [store.requireSweep(sweep)] : store.listSweeps();
  const sampled = new Set<string>();
  for (const s of sweeps) for (const name of Object.keys((s.config as { space?: { params?: object } })?.space?.params ?? {})) sampled.add(name);
  const params = [...sampled].filter((c) => have.has(c) && c !== 'depth');
  return ['sweep', 'idx', 'status', 'error', 'flops', 'params', 'depth', ...params, 'num_stages', 'seconds'];
}

export function queryTrials(store: Store, q: TrialQuery): QueryResult {
  const known = viewColumns(store.db);
  const columns = q.columns?.length ? q.columns : known.filter((c) => c !== 'spec' && c !== 'sample');
  for (const c of columns) checkColumn(known, c, '--columns');
  const clauses: string[] = [];
  const params: unknown[] = [];
  if (q.sweep !== undefined) {
    store.requireSweep(q.sweep);
    clauses.push('sweep = ?');
    params.push(q.sweep);
  }
  if (q.where?.trim()) {
    const where = compileWhere(q.where, known);
    clauses.push(where.sql);
    params.push(...where.params);
  }
  let sql = `SELECT ${columns.map(quote).join(', ')} FROM trials_view`;
  if (clauses.length) sql += ` WHERE ${clauses.join(' AND ')}`;
  sql += ` ORDER BY ${orderBy(known, q.order)}`;
  if (q.limit !== undefined) sql += ` LIMIT ${q.limit}`;
  return run(store, sql, params, q.where?.trim() ? '--where' : '--columns');
}

/**
 * The ids of a sweep's trials that a filter (the --where grammar) keeps, e.g. the analysis
 * commands' --filter. Problems are one-line UserErrors naming `flag`.
 */
export function filteredTrialIds(store: Store, sweep: string, expr: string, flag: string): Set<number> {
  const where = compileWhere(expr, viewColumns(store.db), flag);
  const result = run(store, `SELECT id FROM trials_view WHERE sweep = ? AND ${where.sql}`, [sweep, ...where.params], flag);
  return new Set(result.rows.map((r) => Number(r.id)));
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
    throw new UserError(`${flag}: ${(e as Error).message} (the trials_view columns are: ${viewColumns(store.db).join(', ')})`);
  }
  if (!stmt.readonly) throw new UserError(`${flag}: only read-only statements are allowed (SELECT, WITH ... SELECT); the database is opened read-only`);
  if (!stmt.reader) throw new UserError(`${flag}: the statement returns no rows; give a SELECT`);
  try {
    const columns = stmt.columns().map((c) => c.name);
    const json = new Set([...CORE_JSON_COLUMNS, ...jsonParameterNames(store.db)]);
    return { columns, rows: stmt.all(...params) as Record<string, unknown>[], jsonColumns: columns.filter((c) => json.has(c)) };
  } catch (e) {
    throw new UserError(`${flag}: ${(e as Error).message}`);
  }
}

function orderBy(known: string[], order: string | undefined): string {
  if (!order?.trim()) return 'sweep, idx';
  const terms = order.split(',').map((term) => {
    const m = /^\s*(-)?\s*([A-Za-z_][A-Za-z0-9_]*)\s*(asc|desc)?\s*$/i.exec(term);
    if (!m) throw new UserError(`--order: expected columns like "error", "-error" or "flops desc", got "${term.trim()}"`);
    checkColumn(known, m[2], '--order');
    const desc = m[1] === '-' || m[3]?.toLowerCase() === 'desc';
    // NULLs (untrained trials) last either way
    return `${quote(m[2])} IS NULL, ${quote(m[2])}${desc ? ' DESC' : ''}`;
  });
  return [...terms, 'sweep', 'idx'].join(', ');
}

function checkColumn(known: string[], name: string, flag: string): void {
  if (!known.includes(name)) throw new UserError(`${flag}: unknown column "${name}"${suggest(name, known)} (columns: ${known.join(', ')})`);
}

function quote(name: string): string {
  return `"${name}"`;
}
