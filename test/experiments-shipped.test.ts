// The experiment files shipped in experiments/ are what users start from: each must validate, and
// its space, constraints and network must actually produce models inside its flops band.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadExperiment } from '../src/experiment/load.js';
import { sampleTrials } from '../src/sweep/sample.js';
import { packageRoot } from '../src/util/paths.js';

const dir = join(packageRoot(), 'experiments');
const files = readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();

test('the shipped experiments are the ones the README names', () => {
  assert.deepEqual(files, ['anynetx_a.yaml', 'anynetx_b.yaml', 'anynetx_c.yaml', 'anynetx_d.yaml', 'anynetx_e.yaml', 'regnetx.yaml', 'regnety.yaml', 'tiny.yaml']);
});

for (const file of files) {
  test(`${file} validates and samples models inside its constraints`, () => {
    const exp = loadExperiment(join(dir, file));
    const n = Math.min(exp.n, 5);
    const { trials, stats } = sampleTrials(exp, n);
    assert.equal(trials.length, n);
    assert.equal(stats.kept, n);
    const [lo, hi] = exp.constraints?.flops ?? [null, null];
    for (const t of trials) {
      if (lo != null) assert.ok(t.cx.flops >= lo, `${file}: ${t.cx.flops} < ${lo}`);
      if (hi != null) assert.ok(t.cx.flops <= hi, `${file}: ${t.cx.flops} > ${hi}`);
      assert.equal(t.spec.input.resolution, exp.input.resolution);
      assert.equal(t.spec.input.channels, exp.input.channels);
    }
  });
}

test('the seven CIFAR sweeps share one budget, so their EDFs compare', () => {
  const budget = (f: string) => {
    const e = loadExperiment(join(dir, f));
    return JSON.stringify({ n: e.n, seed: e.seed, constraints: e.constraints?.flops, dataset: e.dataset, recipe: e.recipe, network: e.network, engine: e.engine, db: e.db });
  };
  const ref = budget('regnetx.yaml');
  for (const f of files.filter((x) => x !== 'tiny.yaml')) assert.equal(budget(f), ref, f);
});
