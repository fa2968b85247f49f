/**
 * `repeats: k` trains every model k times with seeds seed + r * 1000: the trial's errors are the means
 * over its repeats, their spread is stored and shown by `dse analyze`; repeats can grow under
 * --force-config (only the new ones train) but not shrink.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../src/store/index.js';
import { packageRoot } from '../src/util/paths.js';
import { REPEAT_SEED_STEP } from '../src/workers/engine.js';
import { type CliOutcome, runDse } from './helpers/cli.js';
import { torchMissing } from './helpers/torchData.js';

const FIXTURE = join(packageRoot(), 'test', 'fixtures', 'experiments', 'tiny-test.yaml');
const ROOT = mkdtempSync(join(tmpdir(), 'dse-repeats-'));
after(() => rmSync(ROOT, { recursive: true, force: true }));

function writeExperiment(cwd: string, repeats: number): void {
  const text = readFileSync(FIXTURE, 'utf8').replace(/^n: 4$/m, `n: 2\nrepeats: ${repeats}`);
  assert.ok(text.includes(`repeats: ${repeats}\n`));
  writeFileSync(join(cwd, 'exp.yaml'), text);
}

function dse(args: string[], cwd: string): Promise<CliOutcome> {
  return runDse(args, cwd, { DSE_CACHE_DIR: join(ROOT, 'cache') });
}

interface RepeatRow {
  idx: number;
  repeat: number;
  seed: number;
  final_val_err: number;
  final_test_err: number;
}

test('each model trains once per repeat with its own seed; the trial holds the means, the report the spread', async (t) => {
  const missing = await torchMissing();
  if (missing) return t.skip(missing);
  const cwd = mkdtempSync(join(ROOT, 'run-'));
  writeExperiment(cwd, 2);
  const run = await dse(['run', 'exp.yaml'], cwd);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /^trial 0 repeat 1\/2 done {2}error \d+\.\d\d%/m);
  const db = join(cwd, 'db', 'tiny-test.sqlite');
  const read = () => {
    const store = openStore(db, { readonly: true });
    try {
      const repeats = store.db
        .prepare('SELECT t.idx, r.repeat, r.seed, r.final_val_err, r.final_test_err FROM trial_repeats r JOIN trials t ON t.id = r.trial_id ORDER BY t.idx, r.repeat')
        .all() as RepeatRow[];
      const view = store.db.prepare('SELECT idx, status, repeats, error, test_error, error_std, attempts FROM trials_view ORDER BY idx').all() as Record<string, number>[];
      const seeds = store.db.prepare('SELECT t.idx, g.seed FROM trainings g JOIN trials t ON t.id = g.trial_id ORDER BY t.idx, g.attempt').all() as { idx: number; seed: number }[];
      return { repeats, view, seeds };
    } finally {
      store.close();
    }
  };
  const first = read();
  assert.deepEqual(first.seeds, [{ idx: 0, seed: 3 }, { idx: 0, seed: 3 + REPEAT_SEED_STEP }, { idx: 1, seed: 3 }, { idx: 1, seed: 3 + REPEAT_SEED_STEP }]);
  assert.deepEqual(first.repeats.map((r) => [r.idx, r.repeat, r.seed]), [[0, 0, 3], [0, 1, 1003], [1, 0, 3], [1, 1, 1003]]);
  for (const row of first.view) {
    const mine = first.repeats.filter((r) => r.idx === row.idx);
    const vals = mine.map((r) => r.final_val_err);
    assert.equal(row.status, 'done');
    assert.equal(row.repeats, 2);
    assert.ok(Math.abs(row.error - (vals[0] + vals[1]) / 2) < 1e-9, 'error is the mean validation error');
    assert.ok(Math.abs(row.test_error - (mine[0].final_test_err + mine[1].final_test_err) / 2) < 1e-9, 'test_error is the mean test error');
    assert.ok(Math.abs(row.error_std - Math.abs(vals[0] - vals[1]) / Math.SQRT2) < 1e-9, 'error_std is the sample std');
  }

  const report = join(cwd, 'report.html');
  const analyze = await dse(['analyze', 'tiny-test', '-o', report], cwd);
  assert.equal(analyze.code, 0, analyze.stderr);
  const html = readFileSync(report, 'utf8');
  assert.match(html, /<h2[^>]*>Seed noise<\/h2>/);
  assert.match(html, /<td>tiny-test<\/td><td>2<\/td><td>2<\/td>/, 'seed noise over 2 models with 2 repeats');
  assert.match(html, /<td>\d+(\.\d+)? ± \d+(\.\d+)?<\/td>/, 'the best/worst table shows each error with its spread');

  // more repeats: only the new ones train; fewer: refused
  writeExperiment(cwd, 3);
  const grow = await dse(['run', 'exp.yaml', '--force-config'], cwd);
  assert.equal(grow.code, 0, grow.stderr);
  assert.match(grow.stderr, /; 2 done models train more repeats;/);
  const grown = read();
  assert.deepEqual(grown.repeats.slice(0, 2), first.repeats.slice(0, 2), 'the stored repeats are kept as they were');
  assert.deepEqual(grown.repeats.map((r) => [r.idx, r.repeat, r.seed]), [[0, 0, 3], [0, 1, 1003], [0, 2, 2003], [1, 0, 3], [1, 1, 1003], [1, 2, 2003]]);
  assert.deepEqual(grown.view.map((r) => [r.status, r.repeats, r.attempts]), [['done', 3, 3], ['done', 3, 3]]);

  writeExperiment(cwd, 1);
  const shrink = await dse(['run', 'exp.yaml', '--force-config'], cwd);
  assert.equal(shrink.code, 2);
  assert.equal(shrink.stderr, 'dse: sweep tiny-test: repeats can grow (3 -> 4, ...) but not shrink (3 -> 1) once trials have trained; use a new sweep name\n');
});
