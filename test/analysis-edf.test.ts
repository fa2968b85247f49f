import { test } from 'node:test';
import assert from 'node:assert/strict';
import { complexityWeights, edfAt, edfSteps } from '../src/analysis/edf.js';

const errors = [3, 1, 2, 2, 5];

test('EDF at given points: share of errors strictly below e, or at most e with inclusive', () => {
  const points = [0, 1, 1.5, 2, 3, 5, 6];
  assert.deepEqual(edfAt(errors, points), [0, 0, 0.2, 0.2, 0.6, 0.8, 1]);
  assert.deepEqual(edfAt(errors, points, { inclusive: true }), [0, 0.2, 0.2, 0.6, 0.8, 1, 1]);
});

test('weighted EDF sums the weights of the models below e', () => {
  const weights = [0.1, 0.4, 0.2, 0.2, 0.1];
  const values = edfAt(errors, [1.5, 2.5, 4, 10], { weights });
  [0.4, 0.8, 0.9, 1].forEach((v, i) => assert.ok(Math.abs(values[i] - v) < 1e-12, `F(${[1.5, 2.5, 4, 10][i]}) = ${values[i]}, expected ${v}`));
});

test('EDF steps: one per distinct error, ascending, ending at exactly 1', () => {
  const steps = edfSteps(errors);
  assert.deepEqual(steps.map((s) => s.error), [1, 2, 3, 5]);
  assert.deepEqual(steps.map((s) => s.F), edfAt(errors, [1, 2, 3, 5], { inclusive: true }));
  assert.equal(steps[steps.length - 1].F, 1);
});

test('an empty population is a clear error', () => {
  assert.throws(() => edfAt([], [1]), { name: 'UserError', message: /no models with an error/ });
});

test('normalized EDF weights: 1 / (count in bin * k), log-spaced bins, each bin weighs 1/k', () => {
  // Flops 1e6..1e9 in 3 log bins [1e6,1e7) [1e7,1e8) [1e8,1e9]: counts 1, 2, 3.
  const flops = [2e6, 2e7, 5e7, 2e8, 5e8, 1e9, 1e6];
  const w = complexityWeights(flops, { bins: 3, range: [1e6, 1e9] });
  assert.deepEqual(w.bins.map((b) => b.count), [2, 2, 3]);
  const expected = [1 / 6, 1 / 6, 1 / 6, 1 / 9, 1 / 9, 1 / 9, 1 / 6];
  w.weights.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 1e-12, `weight ${i}: ${v} vs ${expected[i]}`));
  assert.ok(Math.abs(w.weights.reduce((a, b) => a + b, 0) - 1) < 1e-12);
  assert.equal(w.excluded, 0);
});

test('normalized EDF: models outside the range weigh 0; the default range is the population min..max', () => {
  const w = complexityWeights([1, 10, 100, 1000], { bins: 2, range: [5, 200] });
  assert.deepEqual(w.weights, [0, 0.5, 0.5, 0]);
  assert.equal(w.excluded, 2);
  const d = complexityWeights([1, 10, 100, 1000], { bins: 3 });
  assert.deepEqual(d.bins.map((b) => b.count), [1, 1, 2]);
});

test('normalized EDF: linear bins', () => {
  const w = complexityWeights([0, 1, 2, 9, 10], { bins: 2, scale: 'linear' });
  assert.deepEqual(w.bins.map((b) => [b.lo, b.hi, b.count]), [[0, 5, 3], [5, 10, 2]]);
});

test('normalized EDF: an empty bin is an error naming the bin, its range and what to do', () => {
  assert.throws(() => complexityWeights([1e6, 1.5e6, 9e8], { bins: 3, range: [1e6, 1e9], what: 'flops' }), {
    name: 'UserError',
    message: 'normalized EDF: flops bin 2 of 3 [10M, 100M) holds no model; use fewer bins (--bins) or a narrower range (--range lo:hi)',
  });
  assert.throws(() => complexityWeights([1, 2], { bins: 0 }), { name: 'UserError', message: /--bins/ });
  assert.throws(() => complexityWeights([1, 2], { bins: 2, range: [0, 2] }), { name: 'UserError', message: /positive range/ });
});
