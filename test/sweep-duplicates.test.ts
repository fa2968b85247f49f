/**
 * Samples that quantize to the same network are one network: the later ones are stored pointing at
 * the first (duplicate_of), never trained nor counted in the EDF's population; `dse run` and
 * `dse status` report them.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadExperiment } from '../src/experiment/load.js';
import { openStore } from '../src/store/index.js';
import { sampleTrials } from '../src/sweep/sample.js';
import { packageRoot } from '../src/util/paths.js';
import { type CliOutcome, runDse } from './helpers/cli.js';
import { findTorchPython } from '../src/workers/torch/python.js';

const FIXTURE = join(packageRoot(), 'test', 'fixtures', 'experiments', 'tiny-test.yaml');
const ROOT = mkdtempSync(join(tmpdir(), 'dse-duplicates-'));
after(() => rmSync(ROOT, { recursive: true, force: true }));

/** tiny-test with one width and depths 1-2: its 4 samples (seed 5) quantize to 2 networks, trials 1 and 3 repeating trial 0's. */
function writeExperiment(cwd: string): string {
  const text = readFileSync(FIXTURE, 'utf8')
    .replace('depth: {dist: uniform, low: 1, high: 3, q: 1}', 'depth: {dist: choice, values: [1, 2]}')
    .replace('w0: {dist: log_uniform, low: 8, high: 16, q: 8}', 'w0: {dist: choice, values: [8]}')
    .replace(/^seed: .*$/m, 'seed: 5');
  assert.ok(text.includes('values: [1, 2]') && text.includes('values: [8]') && text.includes('seed: 5\n'));
  const file = join(cwd, 'exp.yaml');
  writeFileSync(file, text);
  return file;
}

function dse(args: string[], cwd: string): Promise<CliOutcome> {
  return runDse(args, cwd, { DSE_CACHE_DIR: join(ROOT, 'cache') });
}

test('samples of one network are marked duplicates of the first, whatever their unquantized parameters', () => {
  const cwd = mkdtempSync(join(ROOT, 'sample-'));
  const { trials } = sampleTrials(loadExperiment(writeExperiment(cwd)), 4);
  assert.deepEqual(trials.map((t) => t.duplicate_of ?? null), [null, 0, null, 0]);
  assert.notDeepEqual(trials[1].params, trials[0].params, 'the samples differ before quantization');
});

test('dse run trains a duplicated network once and reports the duplicates; dse status counts them', async (t) => {
  try {
    await findTorchPython();
  } catch (e) {
    return t.skip((e as Error).message);
  }
  const cwd = mkdtempSync(join(ROOT, 'run-'));
  writeExperiment(cwd);
  const run = await dse(['run', 'exp.yaml'], cwd);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /^sweep tiny-test: created in .* with 4 sampled models; 2 duplicate networks \(trained once\); 2 to train on 2 worker\(s\)$/m);
  assert.match(run.stdout, /^sweep tiny-test done: 2\/2 done, 0 failed; 2 duplicate networks \(trained once\); this run trained 2 /m);

  const store = openStore(join(cwd, 'db', 'tiny-test.sqlite'), { readonly: true });
  try {
    const rows = store.db.prepare('SELECT idx, status, duplicate_of, (SELECT COUNT(*) FROM trainings g WHERE g.trial_id = t.id) AS trainings FROM trials t ORDER BY idx').all();
    assert.deepEqual(rows, [
      { idx: 0, status: 'done', duplicate_of: null, trainings: 1 },
      { idx: 1, status: 'pending', duplicate_of: 0, trainings: 0 },
      { idx: 2, status: 'done', duplicate_of: null, trainings: 1 },
      { idx: 3, status: 'pending', duplicate_of: 0, trainings: 0 },
    ]);
  } finally {
    store.close();
  }
  const status = await dse(['status', 'tiny-test'], cwd);
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, /^ {2}trials 4: 2 done, 0 failed, 0 running, 0 pending, 0 interrupted, 2 duplicate \(an earlier trial's network; not trained\)$/m);
  assert.match(status.stdout, /^sweep tiny-test: done/m);
});
