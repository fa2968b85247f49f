/**
 * What each training ran with, through the real CLI on the tiny experiment (tfjs: starts fast): every
 * training stores its recipe, dataset fingerprint, engine, dse version and seed; a forced recipe
 * change starts sweep version 2 instead of relabelling version 1's results; a forced change of the
 * sampled models is refused; export and trials_view carry the provenance.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../src/store/index.js';
import { packageRoot } from '../src/util/paths.js';
import { type CliOutcome, runDse } from './helpers/cli.js';
import { recipeHash } from '../src/workers/provenance.js';

const FIXTURE = join(packageRoot(), 'test', 'fixtures', 'experiments', 'tiny-test.yaml');
const ROOT = mkdtempSync(join(tmpdir(), 'dse-provenance-'));
const VERSION = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')).version as string;
after(() => rmSync(ROOT, { recursive: true, force: true }));

function dse(args: string[], cwd: string): Promise<CliOutcome> {
  return runDse(args, cwd, { DSE_CACHE_DIR: join(ROOT, 'cache') });
}

function experiment(dir: string, edits: Record<string, string>): void {
  let text = readFileSync(FIXTURE, 'utf8');
  for (const [from, to] of Object.entries({ 'engine: torch': 'engine: tfjs', 'n: 4': 'n: 2', ...edits })) {
    assert.ok(text.includes(from), `fixture has no "${from}"`);
    text = text.replace(from, to);
  }
  writeFileSync(join(dir, 'exp.yaml'), text);
}

test('a forced recipe change starts version 2: no stored result is labelled with a recipe it did not run', { timeout: 180_000 }, async () => {
  const cwd = mkdtempSync(join(ROOT, 'work-'));
  const run = ['run', 'exp.yaml', '--db', 'x.sqlite', '--cpu-workers', '1'];
  experiment(cwd, {});
  const first = await dse([...run, '--quiet'], cwd);
  assert.equal(first.code, 0, first.stderr);

  experiment(cwd, { 'epochs: 1': 'epochs: 2' });
  const second = await dse([...run, '--force-config'], cwd);
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stderr, /^sweep tiny-test: version 2 \(recipe\.epochs: 1 -> 2\); every trial trains again, the 2 results of version 1 stay stored under it$/m);

  const store = openStore(join(cwd, 'x.sqlite'), { readonly: true });
  try {
    const sweep = store.requireSweep('tiny-test');
    assert.equal(sweep.version, 2);
    assert.deepEqual(store.sweepVersions('tiny-test').map((v) => [v.version, (v.config as { recipe: { epochs: number } }).recipe.epochs]), [[1, 1], [2, 2]]);
    for (const t of store.readTrials('tiny-test')) {
      // each training's stored recipe is the one it ran: version 1 trained 1 epoch, version 2 trained 2
      assert.deepEqual(t.trainings!.map((g) => [g.attempt, g.version, g.status, g.provenance?.recipe.epochs]), [[1, 1, 'done', 1], [2, 2, 'done', 2]]);
      assert.equal(t.status, 'done');
      assert.equal(t.epochs.length, 2);
      assert.deepEqual(t.earlier!.map((r) => [r.version, r.status, r.attempt, r.epochs.length]), [[1, 'done', 1, 1]]);
      assert.equal(typeof t.earlier![0].final_test_err, 'number');
      const p = t.trainings![1].provenance!;
      assert.equal(p.recipe_hash, recipeHash(p.recipe));
      assert.deepEqual([p.engine, p.dse_version, p.seed, p.recipe.seed], ['tfjs', VERSION, 3, 3]);
      assert.deepEqual([p.dataset.name, p.dataset.train_size, p.dataset.test_size, p.dataset.resolution, p.dataset.num_classes, p.dataset.mean.length], ['synthetic', 96, 32, 8, 4, 3]);
      assert.match(p.dataset.key, /^[0-9a-f]{16}$/);
      assert.match(t.trainings![1].engine_version ?? '', /^tfjs-core \d+\.\d+/);
      assert.notEqual(t.trainings![0].provenance!.recipe_hash, p.recipe_hash);
    }
    const view = store.db.prepare('SELECT idx, recipe_hash, dataset_key, engine, dse_version FROM trials_view ORDER BY idx').all() as Record<string, unknown>[];
    const latest = store.readTrials('tiny-test').map((t) => t.trainings!.at(-1)!.provenance!);
    assert.deepEqual(view, latest.map((p, idx) => ({ idx, recipe_hash: p.recipe_hash, dataset_key: p.dataset.key, engine: 'tfjs', dse_version: VERSION })));
  } finally {
    store.close();
  }

  const exported = await dse(['export', 'tiny-test', '--db', 'x.sqlite'], cwd);
  assert.equal(exported.code, 0, exported.stderr);
  const json = JSON.parse(exported.stdout) as { versions: { version: number }[]; trials: { trainings: { provenance: { recipe: { epochs: number } } }[]; earlier: unknown[] }[] };
  assert.deepEqual(json.versions.map((v) => v.version), [1, 2]);
  assert.deepEqual(json.trials.map((t) => [t.trainings.map((g) => g.provenance.recipe.epochs), t.earlier.length]), [[[1, 2], 1], [[1, 2], 1]]);

  // the sampled models themselves cannot change under a trained sweep, forced or not
  experiment(cwd, { 'epochs: 1': 'epochs: 2', 'seed: 3 ': 'seed: 6 ' });
  const refused = await dse([...run, '--force-config'], cwd);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /^dse: sweep tiny-test: sample \d differs under the new config \(seed: 3 -> 6\), so the stored models are not this config's; use a new sweep name\n$/);
});
