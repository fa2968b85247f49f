import { test } from 'node:test';
import assert from 'node:assert/strict';
import { efficiencyCurve, expectedMinError } from '../src/analysis/efficiency.js';

const errors = [7.5, 3.25, 9, 3.25, 5, 12, 6.5, 8];

/** Mean of the minimum over every k-subset of the errors (brute force). */
function bruteWithout(values: number[], k: number): number {
  let sum = 0;
  let count = 0;
  const pick = (start: number, left: number, min: number) => {
    if (left === 0) {
      sum += min;
      count++;
      return;
    }
    for (let i = start; i <= values.length - left; i++) pick(i + 1, left - 1, Math.min(min, values[i]));
  };
  pick(0, k, Infinity);
  return sum / count;
}

/** Mean of the minimum over every ordered k-sequence drawn with replacement (brute force). */
function bruteWith(values: number[], k: number): number {
  let sum = 0;
  let count = 0;
  const draw = (left: number, min: number) => {
    if (left === 0) {
      sum += min;
      count++;
      return;
    }
    for (const v of values) draw(left - 1, Math.min(min, v));
  };
  draw(k, Infinity);
  return sum / count;
}

test('expected minimum error without replacement equals the brute-force mean over all k-subsets', () => {
  for (let k = 1; k <= errors.length; k++) {
    const exact = expectedMinError(errors, k);
    const brute = bruteWithout(errors, k);
    assert.ok(Math.abs(exact - brute) < 1e-12, `k=${k}: ${exact} vs ${brute}`);
  }
  assert.equal(expectedMinError(errors, 1), errors.reduce((a, b) => a + b, 0) / errors.length);
  assert.equal(expectedMinError(errors, errors.length), 3.25);
});

test('expected minimum error with replacement equals the brute-force mean over all k-sequences', () => {
  for (const k of [1, 2, 3, 4]) {
    const exact = expectedMinError(errors, k, { replacement: true });
    const brute = bruteWith(errors, k);
    assert.ok(Math.abs(exact - brute) < 1e-12, `k=${k}: ${exact} vs ${brute}`);
  }
  assert.ok(expectedMinError(errors, 20, { replacement: true }) > 3.25);
});

test('the efficiency curve falls with k and ends at the population minimum', () => {
  const curve = efficiencyCurve(errors);
  assert.equal(curve[0].k, 1);
  assert.equal(curve[curve.length - 1].k, errors.length);
  assert.equal(curve[curve.length - 1].expected, 3.25);
  for (let i = 1; i < curve.length; i++) {
    assert.ok(curve[i].k > curve[i - 1].k);
    assert.ok(curve[i].expected <= curve[i - 1].expected);
  }
  assert.deepEqual(efficiencyCurve(errors, [2, 5]).map((p) => p.k), [2, 5]);
});

test('k beyond the population without replacement, k < 1 and empty populations are clear errors', () => {
  assert.throws(() => expectedMinError(errors, 9), { name: 'UserError', message: /cannot draw 9 distinct models from 8/ });
  assert.throws(() => expectedMinError(errors, 0), { name: 'UserError', message: /positive integer/ });
  assert.throws(() => expectedMinError([], 1), { name: 'UserError', message: /no models/ });
});
