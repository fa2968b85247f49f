/**
 * A database written by dse 0.1 (schema version 1, spec version 1; test/fixtures/db/v1-sweep.sqlite:
 * the sweep of test/fixtures/experiments/v1-resume.yaml stopped with Ctrl-C after 3 of 6 trials) keeps
 * working: the read commands migrate and read it, its specs upgrade to version 2 with the same exact
 * counts, and `dse run` resumes it without retraining a finished trial.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { complexity } from '../src/space/index.js';
import { openStore } from '../src/store/index.js';
import { packageRoot } from '../src/util/paths.js';

const CLI = join(packageRoot(), 'dist', 'src', 'cli', 'index.js');
const FIXTURE_DB = join(packageRoot(), 'test', 'fixtures', 'db', 'v1-sweep.sqlite');
const EXPERIMENT = join(packageRoot(), 'test', 'fixtures', 'experiments', 'v1-resume.yaml');

function copy(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'dse-v1-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const db = join(dir, 'v1.sqlite');
  copyFileSync(FIXTURE_DB, db);
  return db;
}

function dse(args: string[], cwd = packageRoot()) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', env: { ...process.env, DSE_CACHE_DIR: join(tmpdir(), 'dse-v1-cache'), DSE_TEST_FAULT: '' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('the fixture is what dse 0.1 wrote: schema 1, version 1 specs, 3 done, 1 interrupted, 2 pending', () => {
  const db = new Database(FIXTURE_DB, { readonly: true });
  try {
    assert.equal(db.pragma('user_version', { simple: true }), 1);
    const rows = db.prepare('SELECT status, spec, w0 FROM trials ORDER BY idx').all() as { status: string; spec: string; w0: number }[];
    assert.deepEqual(rows.map((r) => r.status), ['done', 'done', 'done', 'interrupted', 'pending', 'pending']);
    assert.ok(rows.every((r) => JSON.parse(r.spec).version === 1 && r.w0 > 0));
  } finally {
    db.close();
  }
});

test('status, query, fit and analyze read it (migrating it once), with every count still exact', (t) => {
  const db = copy(t);
  const status = dse(['status', 'v1-resume', '--db', db]);
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, /trials 6: 3 done, 0 failed, 0 running, 2 pending, 1 interrupted/);
  const query = dse(['query', '--db', db, '--format', 'json', '--order', 'idx']);
  assert.equal(query.code, 0, query.stderr);
  const rows = JSON.parse(query.stdout);
  assert.deepEqual(rows.map((r: { status: string }) => r.status), ['done', 'done', 'done', 'interrupted', 'pending', 'pending']);
  assert.ok(rows.every((r: { w0: number; wa: number; group_w: number; se_r: number }) => r.w0 > 0 && r.wa > 0 && r.group_w === 8 && r.se_r === 0.25), 'the RegNet columns survive the migration');
  const table = dse(['query', '--db', db, '--sweep', 'v1-resume', '--limit', '2']);
  assert.match(table.stdout.split('\n')[0], /sweep\s+idx\s+status\s+error\s+flops\s+params\s+depth\s+w0\s+wa\s+wm\s+group_w\s+num_stages\s+seconds/);
  const store = openStore(db, { readonly: true });
  try {
    for (const trial of store.readTrials('v1-resume')) {
      assert.equal(trial.spec.version, 2, 'read back as version 2');
      assert.deepEqual(complexity(trial.spec), trial.cx, `trial ${trial.index}: the stored counts are the v2 counts`);
      // each finished result is the trial's one repeat, with its seed and curve
      const repeats = trial.repeats!.map((r) => [r.repeat, r.final_test_err, r.epochs.length]);
      assert.deepEqual(repeats, trial.status === 'done' ? [[0, trial.final_test_err, trial.epochs.length]] : [], `trial ${trial.index}'s repeats`);
    }
  } finally {
    store.close();
  }
  const fit = dse(['fit', 'v1-resume', '--db', db]);
  assert.equal(fit.code, 0, fit.stderr);
  assert.match(fit.stdout, /exact \(e_fit = 0\): 6/);
  const report = join(db, '..', 'report.html');
  const analyze = dse(['analyze', 'v1-resume', '--db', db, '-o', report]);
  assert.equal(analyze.code, 0, analyze.stderr);
});

test('dse run resumes it: the 3 unfinished trials train, the 3 finished ones are not trained again', (t) => {
  const db = copy(t);
  const refused = dse(['run', EXPERIMENT, '--db', db]);
  assert.equal(refused.code, 2);
  // dse 0.1 trained without precise BN statistics and without a validation split; so must the rest
  assert.match(refused.stderr, /different config \(dataset\.val_size: 0 -> \(unset\), recipe\.precise_bn: 0 -> 8192\)/);
  const legacy = join(db, '..', 'legacy.yaml');
  writeFileSync(legacy, readFileSync(EXPERIMENT, 'utf8').replace('  num_classes: 4\n', '  num_classes: 4\n  val_size: 0\n').replace('  batch_size: 32\n', '  batch_size: 32\n  precise_bn: 0\n'));
  const run = dse(['run', legacy, '--db', db]);
  assert.equal(run.code, 0, run.stderr + run.stdout);
  assert.match(run.stdout + run.stderr, /6\/6 done, 0 failed; this run trained 3 \(\+0 failed, 0 interrupted\)/);
  const raw = new Database(db, { readonly: true });
  try {
    const trainings = raw.prepare('SELECT t.idx, COUNT(*) AS k FROM trainings g JOIN trials t ON t.id = g.trial_id GROUP BY t.idx ORDER BY t.idx').all() as { idx: number; k: number }[];
    // 0-2 trained once by dse 0.1; 3 once interrupted, then once more; 4-5 once, now.
    assert.deepEqual(trainings.map((r) => r.k), [1, 1, 1, 2, 1, 1]);
    const done = raw.prepare("SELECT COUNT(*) AS k FROM trials WHERE status = 'done'").get() as { k: number };
    assert.equal(done.k, 6);
  } finally {
    raw.close();
  }
});

test('a database it cannot migrate (no write access) is one line saying what to do', (t) => {
  if (process.getuid?.() === 0) return t.skip('root can write a read-only file');
  const db = copy(t);
  chmodSync(db, 0o444);
  const status = dse(['status', 'v1-resume', '--db', db]);
  assert.equal(status.code, 2);
  assert.match(status.stderr, /schema version 1 is older than this dse's 7 and cannot be migrated here \(no write access\); copy it somewhere writable and read the copy\n$/);
});
