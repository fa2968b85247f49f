/**
 * trials_view, the table `dse query` reads: one row per trial with its sweep's name, the trial's
 * own columns, and one column per parameter name found in trial_values (every sampled or fixed
 * design-space parameter, and every block parameter all of a network's blocks share: w0, wa, wm,
 * group_w, act, exp_r, ...). The parameter columns follow whatever families the database holds, so
 * the view is rebuilt whenever a new name arrives.
 */
import type Database from 'better-sqlite3';

function latestTraining(column: string): string {
  return `(SELECT g.${column} FROM trainings g WHERE g.trial_id = t.id ORDER BY g.attempt DESC LIMIT 1)`;
}

/** The columns every trials_view has, with what they hold (also the README's table). */
export const CORE_COLUMNS: Record<string, { sql: string; doc: string }> = {
  id: { sql: 't.id', doc: 'trial id (unique in the database)' },
  sweep: { sql: 's.name', doc: 'sweep name' },
  idx: { sql: 't.idx', doc: 'sample index in the sweep (0..n-1)' },
  status: { sql: 't.status', doc: 'pending | running | done | failed | interrupted' },
  flops: { sql: 't.flops', doc: 'multiply-adds of one forward pass (pycls counting)' },
  params: { sql: 't.params', doc: 'parameters' },
  acts: { sql: 't.acts', doc: 'activations (output elements of convs, linears and pools with a kernel)' },
  error: { sql: 'COALESCE(t.final_val_err, t.final_test_err)', doc: 'the ranking error: val_error when the trial has a validation split, else test_error' },
  best_error: { sql: 'COALESCE(t.best_val_err, t.best_test_err)', doc: 'best_val_error when the trial has a validation split, else best_test_error' },
  val_error: { sql: 't.final_val_err', doc: 'top-1 validation error after the last epoch, % (final_val_err; NULL without a validation split)' },
  best_val_error: { sql: 't.best_val_err', doc: 'lowest per-epoch top-1 validation error, % (best_val_err)' },
  test_error: { sql: 't.final_test_err', doc: 'top-1 test error after the last epoch, % (final_test_err; reported, never ranked on)' },
  best_test_error: { sql: 't.best_test_err', doc: 'lowest per-epoch top-1 test error, % (best_test_err)' },
  depth: { sql: 't.depth', doc: 'total blocks' },
  num_stages: { sql: 't.num_stages', doc: 'stages' },
  ws: { sql: 't.ws', doc: 'per-stage widths, JSON list (ws ->> 2 for stage 3)' },
  ds: { sql: 't.ds', doc: 'per-stage depths, JSON list' },
  attempts: { sql: 't.attempts', doc: 'trainings started' },
  repeats: { sql: 't.repeats', doc: 'trainings finished under the current version (`repeats: k` trains each model k times; its errors are their means)' },
  error_std: { sql: 'COALESCE(t.val_err_std, t.test_err_std)', doc: 'sample standard deviation of error over the repeats, points (NULL with one repeat)' },
  duplicate_of: { sql: 't.duplicate_of', doc: 'index of the earlier trial with the same network (never trained, kept out of analysis); NULL if first' },
  last_error: { sql: 't.last_error', doc: 'error of the last failed or interrupted training' },
  failure_kind: { sql: 't.failure_kind', doc: 'why the last training failed: oom | timeout | diverged | error (NULL unless failed)' },
  accum_steps: { sql: 't.accum_steps', doc: 'gradient accumulation of the last training (2: the retry after running out of memory)' },
  worker: { sql: 't.worker', doc: 'slot of the last training, e.g. torch:cpu#0' },
  device: { sql: 't.device', doc: 'device of the last training' },
  started: { sql: 't.started', doc: 'start of the last training (ISO-8601 UTC)' },
  finished: { sql: 't.finished', doc: 'end of the last training' },
  seconds: { sql: 't.seconds', doc: 'wall time of the last training' },
  recipe_hash: { sql: latestTraining('recipe_hash'), doc: 'sha256 of the recipe the last training ran with (trainings.recipe holds it)' },
  dataset_key: { sql: latestTraining('dataset_key'), doc: 'cache key of the prepared dataset the last training read (trainings.dataset)' },
  engine: { sql: latestTraining('engine'), doc: 'engine of the last training: torch | tfjs' },
  dse_version: { sql: latestTraining('dse_version'), doc: 'version of the dse that ran the last training' },
  fit_w0: { sql: 't.fit_w0', doc: 'width-rule fit (dse fit): w0' },
  fit_wa: { sql: 't.fit_wa', doc: 'width-rule fit: wa' },
  fit_wm: { sql: 't.fit_wm', doc: 'width-rule fit: wm' },
  fit_err: { sql: 't.fit_err', doc: 'width-rule fit: e_fit' },
  sample: { sql: 't.sample', doc: 'the sampled parameters, JSON' },
  spec: { sql: 't.spec', doc: 'the model spec, JSON' },
};

export const PARAMETER_COLUMNS_DOC =
  'and one column per parameter: every sampled or fixed design-space parameter (w0, wa, wm, group_w, ...; per-stage lists as JSON) and every block parameter all blocks of a network share (act, se_r, ...)';

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** Parameter names with a column in the view (not shadowed by a core column), sorted. */
export function parameterNames(db: Database.Database): string[] {
  const rows = db.prepare('SELECT DISTINCT name FROM trial_values ORDER BY name').all() as { name: string }[];
  return rows.map((r) => r.name).filter((n) => !Object.hasOwn(CORE_COLUMNS, n));
}

/** Parameter names whose values are JSON lists. */
export function jsonParameterNames(db: Database.Database): Set<string> {
  const rows = db.prepare('SELECT DISTINCT name FROM trial_values WHERE json = 1').all() as { name: string }[];
  return new Set(rows.map((r) => r.name));
}

/** The names trials_view has now. */
export function viewColumns(db: Database.Database): string[] {
  return (db.prepare('SELECT name FROM pragma_table_info(?)').all('trials_view') as { name: string }[]).map((r) => r.name);
}

/**
 * (Re)creates trials_view when its parameter columns differ from the names in trial_values. The check
 * and the rebuild are one immediate transaction, so processes opening one database at once (two
 * sweeps created together) never drop and create the view over each other.
 */
export function syncTrialsView(db: Database.Database): void {
  db.transaction(() => {
    const names = parameterNames(db);
    const have = viewColumns(db);
    const want = [...Object.keys(CORE_COLUMNS).filter((c) => c !== 'sample' && c !== 'spec'), ...names, 'sample', 'spec'];
    if (have.length === want.length && have.every((c, i) => c === want[i])) return;
    const cols = want.map((c) =>
      Object.hasOwn(CORE_COLUMNS, c)
        ? `  ${CORE_COLUMNS[c].sql} AS ${quote(c)}`
        : `  (SELECT v.value FROM trial_values v WHERE v.trial_id = t.id AND v.name = '${c.replace(/'/g, "''")}') AS ${quote(c)}`,
    );
    db.exec(`DROP VIEW IF EXISTS trials_view;\nCREATE VIEW trials_view AS SELECT\n${cols.join(',\n')}\nFROM trials t JOIN sweeps s ON s.id = t.sweep_id;`);
  }).immediate();
}
