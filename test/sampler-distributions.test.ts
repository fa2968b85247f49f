/**
 * The scalar samplers (pycls/sweep/random.py): bounds, quantization, shape, validation, and the
 * fixed first draws of a fixed seed (what "same seed, same samples on any machine" means).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { type ScalarSampler, Step, checkSampler, compileSampler, isMultipleOf, quantize, samplerSupport } from '../src/sampler/distributions.js';
import { Rng } from '../src/sampler/rng.js';

function draws(s: ScalarSampler, n: number, seed: number | string = 'dist'): number[] {
  const draw = compileSampler(s);
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => draw(rng) as number);
}

const isPowerOf2 = (v: number) => Number.isInteger(Math.log2(v));

test('Rng: a seed fixes the stream; uniform, int and normal consume 1, 1 and 2 draws', () => {
  const a = new Rng(1);
  assert.deepEqual([a.next(), a.next(), a.next()], [0.2694488477791326, 0.43440878183925163, 0.8740779300873869]);
  const b = new Rng('1');
  assert.equal(b.next(), 0.2694488477791326);
  assert.notEqual(new Rng(2).next(), 0.2694488477791326);
  const c = new Rng(1);
  c.normal(0, 1);
  assert.equal(c.next(), 0.8740779300873869);
  const d = new Rng(1);
  assert.equal(d.uniform(10, 20), 10 + 10 * 0.2694488477791326);
  assert.equal(d.int(10), 4);
});

test('quantization multiplies by q as exact decimals (pycls Decimal(str(q)))', () => {
  assert.equal(quantize(24.53, 0.1, 'floor'), 24.5);
  assert.equal(quantize(24.51, 0.1, 'ceil'), 24.6);
  assert.equal(quantize(2.2349, 0.001, 'ceil'), 2.235);
  assert.equal(new Step(0.1).times(3), 0.3); // 3 * 0.1 is 0.30000000000000004 in floats
  assert.equal(new Step(1 / 128).times(3), 3 / 128);
  assert.equal(new Step(1e-7).times(3), 3e-7);
  assert.equal(quantize(2.5, 1, 'round'), 2); // half to even
  assert.equal(quantize(3.5, 1, 'round'), 4);
  assert.equal(quantize(37, 8, 'floor'), 32);
  assert.equal(quantize(33, 8, 'ceil'), 40);
});

test('isMultipleOf is exact on decimals', () => {
  assert.equal(isMultipleOf(0.3, 0.1), true);
  assert.equal(isMultipleOf(0.25, 0.1), false);
  assert.equal(isMultipleOf(256, 8), true);
  assert.equal(isMultipleOf(2.5, 0.001), true);
  assert.equal(isMultipleOf(12, 8), false);
  assert.equal(isMultipleOf(1e21, 8), true);
});

test('uniform: integers in [low, high] including both ends, each about equally often', () => {
  const v = draws({ dist: 'uniform', low: 12, high: 28, q: 1 }, 17_000);
  assert.ok(v.every((x) => Number.isInteger(x) && x >= 12 && x <= 28));
  const counts = new Map<number, number>();
  v.forEach((x) => counts.set(x, (counts.get(x) ?? 0) + 1));
  assert.equal(counts.size, 17);
  for (const c of counts.values()) assert.ok(c > 800 && c < 1200, `count ${c}`);
  const frac = draws({ dist: 'uniform', low: -0.5, high: 0.5, q: 0.1 }, 2000);
  assert.ok(frac.every((x) => x >= -0.5 && x <= 0.5 && isMultipleOf(x, 0.1)));
  assert.ok(frac.includes(-0.5) && frac.includes(0.5));
});

test('log_uniform: multiples of q in [low, high], log-uniform (half the mass below the geometric mean)', () => {
  const v = draws({ dist: 'log_uniform', low: 8, high: 256, q: 0.1 }, 20_000);
  assert.ok(v.every((x) => x >= 8 && x <= 256 && (String(x).split('.')[1] ?? '').length <= 1));
  const below = v.filter((x) => x < Math.sqrt(8 * 256)).length / v.length;
  assert.ok(Math.abs(below - 0.5) < 0.02, `fraction below the geometric mean ${below}`);
  const ints = draws({ dist: 'log_uniform', low: 1, high: 16, q: 1 }, 5000);
  assert.ok(ints.includes(1) && ints.includes(16) && ints.every((x) => Number.isInteger(x) && x >= 1 && x <= 16));
  const widths = draws({ dist: 'log_uniform', low: 8, high: 1024, q: 8 }, 5000);
  assert.ok(widths.includes(8) && widths.includes(1024) && widths.every((x) => x % 8 === 0 && x >= 8 && x <= 1024));
});

test('power2_uniform: powers of two in [low, high], each equally likely', () => {
  const v = draws({ dist: 'power2_uniform', low: 1 / 128, high: 1, q: 1 / 128 }, 8000);
  assert.deepEqual([...new Set(v)].sort((a, b) => a - b), [1 / 128, 1 / 64, 1 / 32, 1 / 16, 1 / 8, 1 / 4, 1 / 2, 1]);
  const ones = v.filter((x) => x === 1).length;
  assert.ok(ones > 850 && ones < 1150, `count of 1: ${ones}`);
});

test('power2_or_log_uniform: powers of two below q, multiples of q from q to high', () => {
  const v = draws({ dist: 'power2_or_log_uniform', low: 1, high: 128, q: 8 }, 8000);
  assert.ok(v.every((x) => x >= 1 && x <= 128 && (x < 8 ? isPowerOf2(x) : x % 8 === 0)));
  assert.ok([1, 2, 4, 8, 128].every((x) => v.includes(x)));
  assert.ok(v.some((x) => x > 8 && !isPowerOf2(x)), 'log-uniform values between powers of two');
  // pycls's RegNet group width: [8, 128] with q=8 never yields a power of two below 8.
  assert.ok(draws({ dist: 'power2_or_log_uniform', low: 8, high: 128, q: 8 }, 3000).every((x) => x % 8 === 0 && x >= 8 && x <= 128));
});

test('normal and log_normal: clipped to [low, high], rounded half to even to q', () => {
  const n = draws({ dist: 'normal', low: 0, high: 1, q: 0.01 }, 5000);
  assert.ok(n.every((x) => x >= 0 && x <= 1 && isMultipleOf(x, 0.01)));
  const mean = n.reduce((a, b) => a + b, 0) / n.length;
  assert.ok(Math.abs(mean - 0.5) < 0.01, `mean ${mean}`);
  const ln = draws({ dist: 'log_normal', low: 1, high: 100, q: 0.5 }, 5000);
  assert.ok(ln.every((x) => x >= 1 && x <= 100 && isMultipleOf(x, 0.5)));
  const belowGeoMean = ln.filter((x) => x < 10).length / ln.length;
  assert.ok(Math.abs(belowGeoMean - 0.5) < 0.03, `fraction below 10: ${belowGeoMean}`);
});

test('choice: only the listed values, uniformly', () => {
  const v = draws({ dist: 'choice', values: [1, 2, 4, 8, 16, 32] }, 6000);
  for (const x of [1, 2, 4, 8, 16, 32]) {
    const c = v.filter((y) => y === x).length;
    assert.ok(c > 850 && c < 1150, `count of ${x}: ${c}`);
  }
});

test('a fixed seed gives fixed first draws for every sampler', () => {
  const expected: Array<[ScalarSampler, number[]]> = [
    [{ dist: 'uniform', low: 12, high: 28, q: 1 }, [12, 14, 28, 18, 27, 25]],
    [{ dist: 'log_uniform', low: 8, high: 256, q: 0.1 }, [249.9, 140.9, 8.9, 62, 10.4, 16.6]],
    [{ dist: 'power2_uniform', low: 1 / 128, high: 1, q: 1 / 128 }, [0.0078125, 0.015625, 1, 0.0625, 1, 0.5]],
    [{ dist: 'power2_or_log_uniform', low: 1, high: 128, q: 8 }, [1, 2, 32, 16, 16, 2]],
    [{ dist: 'normal', low: 0, high: 1, q: 0.01 }, [0.51, 0.14, 0.59, 0.27, 0.43, 0.61]],
    [{ dist: 'log_normal', low: 1, high: 100, q: 0.5 }, [10.5, 2, 15, 3.5, 7.5, 16.5]],
    [{ dist: 'choice', values: [1, 2, 4, 8] }, [1, 1, 8, 2, 8, 8]],
  ];
  for (const [s, first] of expected) assert.deepEqual(draws(s, 6, 42), first, s.dist);
});

test('checkSampler applies pycls validate_rand and names the field at fault', () => {
  const fields = (s: ScalarSampler) => checkSampler(s).map((p) => p.field);
  assert.deepEqual(fields({ dist: 'uniform', low: 12, high: 28, q: 1 }), []);
  assert.deepEqual(fields({ dist: 'uniform', low: 28, high: 12, q: 1 }), ['low']);
  assert.deepEqual(fields({ dist: 'log_uniform', low: 8, high: 256, q: 0 }), ['q']);
  assert.deepEqual(fields({ dist: 'log_uniform', low: 0, high: 256, q: 8 }), ['low']);
  assert.deepEqual(fields({ dist: 'uniform', low: 0, high: 10, q: 1 }), []); // uniform and normal may start at 0
  assert.deepEqual(fields({ dist: 'log_uniform', low: 12, high: 250, q: 8 }), ['low', 'high']);
  assert.deepEqual(fields({ dist: 'power2_uniform', low: 3, high: 64, q: 1 }), ['low']);
  assert.deepEqual(fields({ dist: 'power2_or_log_uniform', low: 1, high: 128, q: 6 }), ['q']);
  assert.deepEqual(fields({ dist: 'power2_or_log_uniform', low: 1, high: 100, q: 8 }), ['high']);
  assert.deepEqual(fields({ dist: 'choice', values: [] }), ['values']);
  assert.match(checkSampler({ dist: 'log_uniform', low: 12, high: 256, q: 8 })[0].message, /multiple of q \(8\), got 12/);
});

test('a choice may offer names and flags: drawn uniformly, like numbers', () => {
  const draw = compileSampler({ dist: 'choice', values: ['relu', 'silu', 'hswish'] });
  const rng = new Rng('names');
  const seen = new Map<unknown, number>();
  for (let i = 0; i < 3000; i++) {
    const v = draw(rng);
    seen.set(v, (seen.get(v) ?? 0) + 1);
  }
  assert.deepEqual([...seen.keys()].sort(), ['hswish', 'relu', 'silu']);
  for (const k of seen.values()) assert.ok(k > 900 && k < 1100, `count ${k}`);
});

test('samplerSupport: the range and the common step of what a range sampler produces', () => {
  assert.deepEqual(samplerSupport({ dist: 'log_uniform', low: 8, high: 256, q: 8 }), { min: 8, max: 256, step: 8 });
  assert.deepEqual(samplerSupport({ dist: 'power2_or_log_uniform', low: 1, high: 128, q: 8 }), { min: 1, max: 128, step: 1 });
  assert.deepEqual(samplerSupport({ dist: 'power2_or_log_uniform', low: 8, high: 128, q: 8 }), { min: 8, max: 128, step: 8 });
});
