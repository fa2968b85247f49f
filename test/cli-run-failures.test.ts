/**
 * `dse run` with trials that run out of memory and hang (the torch trainer's DSE_TEST_FAULT hooks):
 * the OOM trial is retried once with gradient accumulation and then fails for good, the hung one times
 * out at recipe.max_minutes, the others train; the run exits 3 and its summary lists the failures by
 * kind. `dse status` names a running trial that is past its expected time.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../src/store/index.js';
import { packageRoot } from '../src/util/paths.js';
import { type CliOutcome, runDse } from './helpers/cli.js';
import { findTorchPython } from '../src/workers/torch/python.js';

const FIXTURE = join(packageRoot(), 'test', 'fixtures', 'experiments', 'tiny-test.yaml');
const ROOT = mkdtempSync(join(tmpdir(), 'dse-cli-failures-'));
after(() => rmSync(ROOT, { recursive: true, force: true }));

function dse(args: string[], cwd: string, env: Record<string, string> = {}): Promise<CliOutcome> {
  return runDse(args, cwd, { DSE_CACHE_DIR: join(ROOT, 'cache'), ...env });
}

test('OOM retried with accumulation then failed for good, a hang timed out: exit 3, failures by kind; status shows an overdue trial', async (t) => {
  try {
    await findTorchPython();
  } catch (e) {
    return t.skip((e as Error).message);
  }
  const cwd = mkdtempSync(join(ROOT, 'work-'));
  const text = readFileSync(FIXTURE, 'utf8').replace('  batch_size: 32\n', '  batch_size: 32\n  max_minutes: 0.15\n');
  assert.ok(text.includes('max_minutes'));
  writeFileSync(join(cwd, 'exp.yaml'), text);
  const run = await dse(['run', 'exp.yaml'], cwd, { DSE_TEST_FAULT: 'oom-always@tiny-test:1,hang@tiny-test:2' });
  assert.equal(run.code, 3, run.stderr);
  assert.match(run.stderr, /trial 1 ran out of memory; retrying with 2 micro-batches of 16 per step \(same effective batch 32\)/);
  assert.match(run.stdout, /^failed for good this run: 1 out of memory, 1 timed out, 0 diverged, 0 error$/m);
  assert.match(run.stdout, /^ {2}trial 1 \(out of memory\): out of memory: CUDA out of memory\..*; batch 32 as 2 micro-batches$/m);
  assert.match(run.stdout, /^ {2}trial 2 \(timed out\): timed out after 0\.15 min \(recipe\.max_minutes = 0\.15\)$/m);

  const db = join(cwd, 'db', 'tiny-test.sqlite');
  const store = openStore(db);
  try {
    const trials = store.readTrials('tiny-test');
    assert.deepEqual(trials.map((tr) => [tr.status, tr.failure_kind, tr.accum_steps]), [['done', null, 1], ['failed', 'oom', 2], ['failed', 'timeout', 1], ['done', null, 1]]);
    assert.ok(trials[1].peak_mem_bytes! > 0, 'peak memory of the OOM failure');
    const trainings = store.db.prepare('SELECT t.idx, g.attempt, g.status, g.failure_kind, g.accum_steps FROM trainings g JOIN trials t ON t.id = g.trial_id WHERE t.idx IN (1, 2) ORDER BY t.idx, g.attempt').all();
    assert.deepEqual(trainings, [
      { idx: 1, attempt: 1, status: 'failed', failure_kind: 'oom', accum_steps: 1 },
      { idx: 1, attempt: 2, status: 'failed', failure_kind: 'oom', accum_steps: 2 },
      { idx: 2, attempt: 1, status: 'failed', failure_kind: 'timeout', accum_steps: 1 },
      { idx: 2, attempt: 2, status: 'failed', failure_kind: 'timeout', accum_steps: 1 },
    ]);
    // The OOM trial spent its accumulation retry: a resume does not queue it again.
    assert.deepEqual(store.queuedTrials('tiny-test', { maxRetries: 5, accumulation: true }).map((q) => q.index), [2]);

    // A run (this process stands in for it) whose trial 2 has been training for 14 minutes.
    store.claimRunner('tiny-test');
    store.setSweepStatus('tiny-test', 'running');
    store.trialStarted(trials[2].id, 'torch:cpu#1');
    store.db.prepare('UPDATE trials SET started = ? WHERE id = ?').run(new Date(Date.now() - 14 * 60_000).toISOString(), trials[2].id);
  } finally {
    store.close();
  }
  const status = await dse(['status', 'tiny-test'], cwd);
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, /^ {2}overdue: trial 2 running 14m0\ds, expected ~\d+s \(torch:cpu#1\)$/m);
});
