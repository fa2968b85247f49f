import { test } from 'node:test';
import assert from 'node:assert/strict';
import seedrandom from 'seedrandom';
import { bootstrapBest, bootstrapWinners, percentileSorted, summarizeBest } from '../src/analysis/bootstrap.js';

/** 500 models, x in 8..256 (step 8), error lowest at x = 64 plus uniform noise. */
function planted(seed: string): { xs: number[]; errors: number[] } {
  const rng = seedrandom(seed);
  const xs: number[] = [];
  const errors: number[] = [];
  for (let i = 0; i < 500; i++) {
    const x = 8 * (1 + Math.floor(rng() * 32));
    xs.push(x);
    errors.push(5 + 4 * Math.abs(Math.log2(x / 64)) + 2 * rng());
  }
  return { xs, errors };
}

test('the 95% interval of the best x contains the planted optimum x = 64, and the median is near it', () => {
  const { xs, errors } = planted('pop-1');
  const r = bootstrapBest(xs, errors, { seed: 1 });
  assert.ok(r.lo <= 64 && 64 <= r.hi, `interval [${r.lo}, ${r.hi}] misses 64`);
  assert.ok(Math.abs(Math.log2(r.best / 64)) <= 0.5, `median ${r.best} is far from 64`);
  assert.ok(r.hi - r.lo < 128, `interval [${r.lo}, ${r.hi}] is not informative`);
  assert.equal(r.n, 500);
  assert.equal(r.drawSize, 125);
  assert.equal(r.samples, 10000);
  assert.equal(r.confidence, 0.95);
});

test('the bootstrap is reproducible for a seed and changes with it', () => {
  const { xs, errors } = planted('pop-2');
  const a = bootstrapBest(xs, errors, { seed: 7, samples: 2000 });
  const b = bootstrapBest(xs, errors, { seed: 7, samples: 2000 });
  assert.deepEqual(a, b);
  const wa = bootstrapWinners(errors, { seed: 7, samples: 2000 });
  const wc = bootstrapWinners(errors, { seed: 8, samples: 2000 });
  assert.notDeepEqual(wa, wc);
});

test('one set of winners serves every metric: summarizing them equals a full bootstrap', () => {
  const { xs, errors } = planted('pop-3');
  const winners = bootstrapWinners(errors, { seed: 3, samples: 500 });
  assert.deepEqual(summarizeBest(xs, winners, { samples: 500 }), bootstrapBest(xs, errors, { seed: 3, samples: 500 }));
  const doubled = xs.map((x) => 2 * x);
  assert.equal(summarizeBest(doubled, winners).best, 2 * summarizeBest(xs, winners).best);
});

test('each round keeps the x of the lowest error drawn: a unique best model wins every round that draws it', () => {
  // Drawing all models (fraction 1, with replacement) picks the global best unless it is missed.
  const xs = [1, 2, 3, 4];
  const errors = [9, 1, 8, 7];
  const winners = bootstrapWinners(errors, { fraction: 1, samples: 1000, seed: 0 });
  const share = winners.filter((i) => i === 1).length / winners.length;
  // P(drawn in 4 draws of 4) = 1 - (3/4)^4 = 0.684.
  assert.ok(Math.abs(share - 0.684) < 0.05, `best model won ${share} of rounds`);
  assert.equal(bootstrapBest(xs, errors, { fraction: 1, samples: 1000 }).best, 2);
});

test('percentiles interpolate linearly, as numpy.percentile', () => {
  const v = Float64Array.from([1, 2, 3, 4, 10]);
  assert.equal(percentileSorted(v, 0.5), 3);
  assert.equal(percentileSorted(v, 0.025), 1.1);
  assert.ok(Math.abs(percentileSorted(v, 0.975) - 9.4) < 1e-12);
  assert.equal(percentileSorted(v, 1), 10);
});

test('bad options and empty populations are clear errors', () => {
  assert.throws(() => bootstrapBest([], []), { name: 'UserError', message: /no models/ });
  assert.throws(() => bootstrapBest([1], [1], { samples: 0 }), { name: 'UserError', message: /--samples/ });
  assert.throws(() => bootstrapBest([1], [1], { fraction: 1.5 }), { name: 'UserError', message: /--fraction/ });
  assert.throws(() => bootstrapBest([1], [1], { confidence: 1 }), { name: 'UserError', message: /--confidence/ });
});
