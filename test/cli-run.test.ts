/**
 * `dse run` and the read commands through the real CLI, with the real torch engine on tiny synthetic
 * data: the end-to-end path, a deterministic failing trial with retries, Ctrl-C, kill -9 and resume,
 * a second runner refused, a changed config refused, reads while a run writes, and bad experiment
 * files (one line, exit 2, no database created).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../src/store/index.js';
import { packageRoot } from '../src/util/paths.js';

const CLI = join(packageRoot(), 'dist', 'src', 'cli', 'index.js');
const FIXTURE = join(packageRoot(), 'test', 'fixtures', 'experiments', 'tiny-test.yaml');
const ROOT = mkdtempSync(join(tmpdir(), 'dse-cli-run-'));
const CACHE = join(ROOT, 'cache');

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

const running = new Set<ChildProcess>();
// A failed assertion must not leave a sweep running (it would keep the test process alive).
after(() => {
  running.forEach((child) => child.kill('SIGKILL'));
  rmSync(ROOT, { recursive: true, force: true });
});

function start(args: string[], opts: { cwd: string; env?: Record<string, string> }): { child: ChildProcess; done: Promise<Outcome> } {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: opts.cwd, env: { ...process.env, DSE_CACHE_DIR: CACHE, DSE_TEST_FAULT: '', ...opts.env } });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  running.add(child);
  const done = new Promise<Outcome>((resolve) =>
    child.on('close', (code, signal) => {
      running.delete(child);
      resolve({ code, signal, stdout, stderr });
    }),
  );
  return { child, done };
}

function dse(args: string[], opts: { cwd: string; env?: Record<string, string> }): Promise<Outcome> {
  return start(args, opts).done;
}

function workdir(): string {
  return mkdtempSync(join(ROOT, 'work-'));
}

/** The fixture with some lines replaced, written into dir. */
function experiment(dir: string, edits: Record<string, string> = {}, file = 'exp.yaml'): string {
  let text = readFileSync(FIXTURE, 'utf8');
  for (const [from, to] of Object.entries(edits)) {
    assert.ok(text.includes(from), `fixture has no "${from}"`);
    text = text.replace(from, to);
  }
  writeFileSync(join(dir, file), text);
  return file;
}

function readDb(path: string) {
  const store = openStore(path, { readonly: true });
  try {
    return {
      sweep: store.getSweep('tiny-test')!,
      trials: store.readTrials('tiny-test'),
      trainings: store.db.prepare('SELECT trial_id, attempt, status FROM trainings ORDER BY id').all() as { trial_id: number; attempt: number; status: string | null }[],
    };
  } finally {
    store.close();
  }
}

/** Polls until check() holds; a check that throws (the sweep is not created yet) counts as not yet. */
async function waitFor(what: string, check: () => boolean, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  const holds = () => {
    try {
      return check();
    } catch {
      return false;
    }
  };
  while (!holds()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('run, then status, ls, query and export; a trial forced to fail is retried, then stays failed with its error', async () => {
  const cwd = workdir();
  const file = experiment(cwd);
  const run = await dse(['run', file], { cwd, env: { DSE_TEST_FAULT: 'nan@tiny-test:1' } });
  assert.equal(run.code, 3, `a run with a trial failed for good exits 3: ${run.stderr}`);
  assert.match(run.stdout, /^sweep tiny-test done: 3\/4 done, 1 failed; /m);
  assert.match(run.stdout, /^failed for good this run: 0 out of memory, 0 timed out, 1 diverged, 0 error\n {2}trial 1 \(diverged\): non-finite train loss/m);
  assert.match(run.stderr, /trial 1 failed \(will retry\)/);
  assert.ok(existsSync(join(cwd, 'db', 'tiny-test.sqlite')), 'default database path db/<name>.sqlite');

  const { trials, sweep } = readDb(join(cwd, 'db', 'tiny-test.sqlite'));
  assert.equal(sweep.status, 'done');
  assert.deepEqual(trials.map((t) => t.status), ['done', 'failed', 'done', 'done']);
  const failed = trials[1];
  assert.equal(failed.attempts, 2, 'max_retries 1: trained twice');
  assert.equal(failed.failures, 2);
  assert.match(failed.last_error!, /non-finite/i);
  for (const t of trials.filter((t) => t.status === 'done')) {
    assert.equal(t.attempts, 1);
    assert.equal(t.epochs.length, 1);
    assert.ok(t.final_test_err! >= 0 && t.final_test_err! <= 100);
    assert.equal(t.params_built, t.cx.params, 'the engine built the network the spec describes');
  }

  const status = await dse(['status', 'tiny-test'], { cwd });
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, /sweep tiny-test: done\n {2}trials 4: 3 done, 1 failed, 0 running, 0 pending, 0 interrupted\n {2}best error \d+\.\d\d%; \d+\.\d s per trial; nothing left to train/);

  const ls = await dse(['ls', '--format', 'json'], { cwd });
  assert.equal(ls.code, 0, ls.stderr);
  const [row] = JSON.parse(ls.stdout);
  assert.deepEqual({ ...row, best_error: undefined, created: undefined }, { sweep: 'tiny-test', status: 'done', n: 4, done: 3, failed: 1, pending: 0, best_error: undefined, created: undefined, db: join('db', 'tiny-test.sqlite') });

  const query = await dse(['query', '--format', 'json', '--where', "status = 'done'", '--order', '-error'], { cwd });
  assert.equal(query.code, 0, query.stderr);
  const rows = JSON.parse(query.stdout);
  assert.equal(rows.length, 3);
  assert.ok(rows[0].error >= rows[2].error, 'ordered by error, descending');
  assert.ok(Array.isArray(rows[0].ws) && typeof rows[0].flops === 'number');

  const table = await dse(['query', '--sweep', 'tiny-test', '--columns', 'idx,status,last_error', '--where', "status = 'failed'"], { cwd });
  assert.match(table.stdout, /idx {2}status {2}last_error\n.*\n {2}1 {2}failed {2}.*non-finite/i);

  const sql = await dse(['query', '--sql', 'SELECT COUNT(*) AS n FROM trainings'], { cwd });
  assert.match(sql.stdout, /n\n-\n5/);
  const write = await dse(['query', '--sql', "DELETE FROM trials"], { cwd });
  assert.equal(write.code, 2);
  assert.match(write.stderr, /^dse: --sql: only read-only statements are allowed/);

  const exported = await dse(['export', 'tiny-test', '--format', 'json', '-o', 'out.json'], { cwd });
  assert.equal(exported.code, 0, exported.stderr);
  const json = JSON.parse(readFileSync(join(cwd, 'out.json'), 'utf8'));
  assert.equal(json.sweep.name, 'tiny-test');
  assert.equal(json.trials.length, 4);
  assert.equal(json.trials[0].epochs.length, 1);
  assert.equal(json.trials[0].spec.version, 2);
  assert.ok(json.trials[0].spec.nodes.length >= 3);
  assert.equal(json.trials[0].values.group_w, 8);
  const csv = await dse(['export', 'tiny-test', '--format', 'csv'], { cwd });
  assert.match(csv.stdout, /^id,sweep,idx,status,flops,params,acts,error,best_error,/);
  // one record per trial (the failed trial's error spans lines, quoted)
  assert.equal(csv.stdout.split('\n').filter((l) => /^\d+,tiny-test,\d,/.test(l)).length, 4);

  // A finished sweep run again trains nothing.
  const again = await dse(['run', file], { cwd });
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /this run trained 0 /);
});

test('Ctrl-C stops cleanly, kill -9 loses only the training in flight, and resuming ends with every trial done exactly once', async () => {
  const cwd = workdir();
  const file = experiment(cwd, { 'n: 4': 'n: 6', 'cpu_workers: 2': 'cpu_workers: 1' });
  const db = join(cwd, 'db', 'tiny-test.sqlite');
  const byIndex = () => readDb(db).trials;

  // 1. Trial 2 hangs; Ctrl-C while it runs: it is stored interrupted, exit 130.
  const first = start(['run', file], { cwd, env: { DSE_TEST_FAULT: 'hang@tiny-test:2' } });
  await waitFor('trial 2 to run', () => byIndex()[2].status === 'running');
  const second = await dse(['run', file], { cwd });
  assert.equal(second.code, 2);
  assert.match(second.stderr, new RegExp(`^dse: sweep tiny-test is already being run by pid ${first.child.pid} on `));
  first.child.kill('SIGINT');
  const interrupted = await first.done;
  assert.equal(interrupted.code, 130, interrupted.stderr);
  let trials = byIndex();
  assert.deepEqual(trials.map((t) => t.status), ['done', 'done', 'interrupted', 'pending', 'pending', 'pending']);
  assert.equal(readDb(db).sweep.status, 'interrupted');

  // 2. Resume; trial 4 hangs; readers query the live database meanwhile; then kill -9.
  const killed = start(['run', file], { cwd, env: { DSE_TEST_FAULT: 'hang@tiny-test:4' } });
  const reads: Outcome[] = [];
  while (!(byIndex()[4].status === 'running')) reads.push(await dse(['query', '--format', 'json', '--columns', 'idx,status,error'], { cwd }));
  reads.push(await dse(['status'], { cwd }));
  assert.ok(reads.length >= 3, `only ${reads.length} reads during the run`);
  for (const r of reads) assert.equal(r.code, 0, `a read during the run failed: ${r.stderr}`);
  assert.ok(reads.every((r) => !/locked|busy/i.test(r.stderr)));
  killed.child.kill('SIGKILL');
  await killed.done;
  trials = byIndex();
  assert.deepEqual(trials.map((t) => t.status), ['done', 'done', 'done', 'done', 'running', 'pending']);
  const status = await dse(['status', 'tiny-test'], { cwd });
  assert.match(status.stdout, /sweep tiny-test: stopped \(its process is gone/);

  // 3. Resume to the end.
  const resumed = await dse(['run', file], { cwd });
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stderr, /1 left running by a stopped run go back in the queue; 2 to train/);
  const final = readDb(db);
  assert.equal(final.sweep.status, 'done');
  assert.deepEqual(final.trials.map((t) => t.status), Array(6).fill('done'));
  assert.deepEqual(final.trials.map((t) => t.attempts), [1, 1, 2, 1, 2, 1]);
  // the log of started trainings: every trial done exactly once, and nothing started but not counted
  for (const t of final.trials) {
    const log = final.trainings.filter((r) => r.trial_id === t.id);
    assert.equal(log.filter((r) => r.status === 'done').length, 1, `trial ${t.index} done once`);
    assert.deepEqual(log.map((r) => r.attempt), Array.from({ length: t.attempts }, (_, i) => i + 1));
  }
  assert.deepEqual(final.trainings.filter((r) => r.status !== 'done').map((r) => r.status), ['interrupted', 'lost']);
});

test('a changed experiment is refused, naming the change, unless --force-config; flags are checked', async () => {
  const cwd = workdir();
  const tfjs = { 'engine: torch': 'engine: tfjs' }; // starts faster; the engine does not matter here
  const file = experiment(cwd, { ...tfjs, 'n: 4': 'n: 2' });
  const first = await dse(['run', file, '--db', 'x.sqlite', '--quiet'], { cwd });
  assert.equal(first.code, 0, first.stderr);
  assert.equal(first.stdout + first.stderr, '');
  experiment(cwd, { ...tfjs, 'n: 4': 'n: 2', 'epochs: 1': 'epochs: 2' });
  const refused = await dse(['run', file, '--db', 'x.sqlite'], { cwd });
  assert.equal(refused.code, 2);
  assert.equal(
    refused.stderr.trim(),
    'dse: sweep tiny-test exists in x.sqlite with a different config (recipe.epochs: 1 -> 2); use a new name, or --force-config to continue with the new file',
  );
  // -n that extends an unchanged sampling is allowed under --force-config: the first samples stay;
  // the recipe change starts version 2, which trains every trial again (version 1's results are kept)
  const grown = await dse(['run', file, '--db', 'x.sqlite', '--force-config', '-n', '3', '--cpu-workers', '1'], { cwd });
  assert.equal(grown.code, 0, grown.stderr);
  const store = openStore(join(cwd, 'x.sqlite'), { readonly: true });
  const trials = store.readTrials('tiny-test');
  assert.deepEqual(trials.map((t) => [t.index, t.status, t.epochs.length, t.earlier!.map((r) => [r.version, r.epochs.length])]), [[0, 'done', 2, [[1, 1]]], [1, 'done', 2, [[1, 1]]], [2, 'done', 2, []]]);
  assert.equal((store.getSweep('tiny-test')!.config as { recipe: { epochs: number } }).recipe.epochs, 2);
  store.close();

  const badFlag = await dse(['run', file, '--db', 'y.sqlite', '--cpu-workers', 'two'], { cwd });
  assert.equal(badFlag.code, 2);
  assert.equal(badFlag.stderr.trim(), 'dse: --cpu-workers: expected an integer in [1, 256], got "two"');
  assert.equal(existsSync(join(cwd, 'y.sqlite')), false);
});

test('each bad experiment file is one precise line, exit 2, and no database is created', async () => {
  const cwd = workdir();
  const cases: [string, Record<string, string>, RegExp][] = [
    ['syntax', { 'n: 4': 'n: [4' }, /^dse: syntax\.yaml:\d+:\d+: YAML syntax error: /],
    ['unknown-key', { 'epochs: 1': 'epochs: 1\n  epoch: 2' }, /^dse: unknown-key\.yaml:26:3: recipe\.epoch: unknown key \(did you mean epochs\?\)$/],
    ['wrong-type', { 'batch_size: 32': 'batch_size: big' }, /^dse: wrong-type\.yaml:26:15: recipe\.batch_size: expected a positive integer, got big$/],
    ['out-of-range', { 'epochs: 1': 'epochs: -3' }, /^dse: out-of-range\.yaml:25:11: recipe\.epochs: expected a positive integer, got -3$/],
    ['unknown-space', { 'base: regnetx': 'base: regnetz' }, /^dse: unknown-space\.yaml:6:9: space\.base: unknown space "regnetz" \(built-in: .*\)$/],
    ['bad-constraint', { 'stages: [1, 2]': 'stages: [1, 2]\n  flops: [null, "4 lots"]' }, /^dse: bad-constraint\.yaml:14:17: constraints\.flops\[1\]: .*"4 lots"$/],
  ];
  const outcomes = await Promise.all(cases.map(([name, edits]) => dse(['run', experiment(cwd, edits, `${name}.yaml`), '--db', `${name}.sqlite`], { cwd })));
  outcomes.forEach((o, i) => {
    const [name, , pattern] = cases[i];
    assert.equal(o.code, 2, `${name}: ${o.stderr}`);
    assert.equal(o.stderr.trim().split('\n').length, 1, `${name}: one line`);
    assert.match(o.stderr.trim(), pattern, name);
    assert.equal(existsSync(join(cwd, `${name}.sqlite`)), false, `${name}: no database`);
    assert.equal(existsSync(join(cwd, 'db')), false);
  });
  const missing = await dse(['status', 'nope'], { cwd });
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /^dse: no sweep named "nope": no databases in db\//);
});
