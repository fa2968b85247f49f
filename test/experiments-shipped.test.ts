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
const cifar = readdirSync(dir).filter((f) => f.endsWith('.yaml') && f !== 'tiny.yaml').sort();
const tiny = ['tiny.yaml', ...readdirSync(join(dir, 'tiny')).sort().map((f) => `tiny/${f}`)];
const files = [...cifar, ...tiny];
const REGNET_STYLE = ['anynetx_a.yaml', 'anynetx_b.yaml', 'anynetx_c.yaml', 'anynetx_d.yaml', 'anynetx_e.yaml', 'regnetx.yaml', 'regnety.yaml'];

test('the shipped experiments are the ones the README names', () => {
  assert.deepEqual(cifar, [...REGNET_STYLE, 'efficientnet.yaml', 'fbnet.yaml', 'mbconv_stages.yaml', 'mobilenetv2.yaml', 'mobilenetv3.yaml', 'pplcnet.yaml',
    'shufflenetv2.yaml', 'shufflenetv2plus.yaml', 'ghostnet.yaml', 'squeezenet.yaml', 'peleenet.yaml', 'condensenet.yaml', 'parnet.yaml'].sort());
  assert.deepEqual(tiny, ['tiny.yaml', ...['condensenet', 'efficientnet', 'fbnet', 'ghostnet', 'mbconv_stages', 'mobilenetv2', 'mobilenetv3', 'parnet', 'peleenet', 'pplcnet', 'regnetx', 'shufflenetv2', 'shufflenetv2plus', 'squeezenet'].map((f) => `tiny/${f}.yaml`)]);
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
      // A family space may scale the dataset's resolution (res_mult); the others take it as it is.
      const res = exp.space.kind === 'family' ? Math.round(exp.input.resolution * ((t.params.res_mult as number | undefined) ?? 1)) : exp.input.resolution;
      assert.equal(t.spec.input.resolution, res);
      assert.equal(t.spec.input.channels, exp.input.channels);
    }
  });
}

// The two documented departures from the shared budgets (each file's comment says why): SqueezeNet
// has no BN and trains at lr 0.01, and ShuffleNetV2+'s fixed widths and 1280-wide head need 8 MF.
const SQUEEZENET_LR = 0.01;
const PLUS_TINY_FLOPS = 8e6;

test('the CIFAR sweeps share one budget, so their EDFs compare; the RegNet and AnyNet ones one network too', () => {
  const budget = (f: string) => {
    const e = loadExperiment(join(dir, f));
    if (f === 'squeezenet.yaml') {
      assert.equal(e.recipe.base_lr, SQUEEZENET_LR);
      e.recipe.base_lr = loadExperiment(join(dir, 'regnetx.yaml')).recipe.base_lr;
    }
    return JSON.stringify({ n: e.n, seed: e.seed, constraints: e.constraints?.flops, dataset: e.dataset, recipe: e.recipe, engine: e.engine, db: e.db });
  };
  const ref = budget('regnetx.yaml');
  for (const f of cifar) assert.equal(budget(f), ref, f);
  const network = (f: string) => JSON.stringify(loadExperiment(join(dir, f)).network);
  for (const f of REGNET_STYLE) assert.equal(network(f), network('regnetx.yaml'), f);
});

test('the tiny family sweeps share one tiny budget and one database', () => {
  const budget = (f: string) => {
    const e = loadExperiment(join(dir, f));
    if (f === 'tiny/squeezenet.yaml') {
      assert.equal(e.recipe.base_lr, SQUEEZENET_LR);
      e.recipe.base_lr = loadExperiment(join(dir, 'tiny/regnetx.yaml')).recipe.base_lr;
    }
    if (f === 'tiny/shufflenetv2plus.yaml') {
      assert.equal(e.constraints?.flops?.[1], PLUS_TINY_FLOPS);
      e.constraints!.flops = loadExperiment(join(dir, 'tiny/regnetx.yaml')).constraints!.flops;
    }
    return JSON.stringify({ n: e.n, seed: e.seed, constraints: e.constraints?.flops, dataset: e.dataset, recipe: e.recipe, engine: e.engine, resources: e.resources, db: e.db });
  };
  const family = tiny.filter((f) => f.startsWith('tiny/'));
  for (const f of family) assert.equal(budget(f), budget('tiny/regnetx.yaml'), f);
  assert.equal(loadExperiment(join(dir, 'tiny/regnetx.yaml')).db, 'db/tiny-families.sqlite');
});
