/**
 * Categorical parameters in the analysis: populations split by a parameter's value, and the
 * bootstrap's share of rounds each value wins, drawn on the same rounds as the numeric bootstrap.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { categoryBootstrap, splitPopulations, splitReader } from '../src/analysis/categorical.js';
import { bootstrapWinners } from '../src/analysis/bootstrap.js';
import type { Population } from '../src/analysis/figures.js';
import type { Scored } from '../src/analysis/metrics.js';
import type { TrialRecord } from '../src/store/types.js';
import { Rng } from '../src/sampler/rng.js';
import { buildAnyNetSpec } from '../src/space/index.js';
import { UserError } from '../src/util/errors.js';

/** A one-block network whose blocks all have act relu, so a model without an act value still has one. */
const SPEC = buildAnyNetSpec({ depths: [1], widths: [8], strides: [1] }, { stem: 'res_stem_cifar', stemW: 8, blockType: 'vanilla_block', resolution: 8, numClasses: 2 });

function model(index: number, error: number, values: Record<string, unknown>): Scored {
  const trial = { index, status: 'done', params: values, values, spec: SPEC } as unknown as TrialRecord;
  return { trial, error };
}

test('splitPopulations: one part per value, ordered by value, labelled sweep name=value', () => {
  const pop: Population = {
    label: 'a',
    models: [model(0, 5, { act: 'silu', k: [3, 5] }), model(1, 6, { act: 'relu', k: [5, 5] }), model(2, 7, { act: 'silu', k: [3, 3] }), model(3, 8, {})],
  };
  const { parts } = splitPopulations([pop], 'act');
  // Model 3 stores no act: the value all its blocks share (relu) is its.
  assert.deepEqual(parts.map((p) => [p.label, p.value, p.models.map((m) => m.trial.index)]), [
    ['a act=relu', 'relu', [1, 3]],
    ['a act=silu', 'silu', [0, 2]],
  ]);
  // name[i]: unit i of a per-unit value.
  assert.deepEqual(splitPopulations([pop], 'k[1]').parts.map((p) => [p.value, p.models.length]), [['3', 1], ['5', 2]]);
  assert.throws(() => splitPopulations([pop], 'k[7]'), /--split k\[7\]: no trained model of a has it/);
  // Numbers order numerically, not as text.
  const nums: Population = { label: 'b', models: [model(0, 1, { scale: 10 }), model(1, 2, { scale: 2 }), model(2, 3, { scale: 0.5 })] };
  assert.deepEqual(splitPopulations([nums], 'scale').parts.map((p) => p.value), ['0.5', '2', '10']);
  assert.throws(() => splitPopulations([pop], 'colour'), (e: Error) => e instanceof UserError && /^--split: unknown metric "colour"/.test(e.message));
  assert.throws(() => splitPopulations([pop], 'se_r'), /--split se_r: no trained model of a has it/);
  assert.throws(() => splitPopulations([nums, pop], 'scale'), /--split scale: no trained model of a has it/);
  assert.throws(() => splitPopulations([{ label: 'c', models: [model(0, 1, { act: 'relu' }), model(1, 2, { act: 'relu' })] }], 'act'), /every model of c has the same value; nothing to compare/);
  assert.equal(splitReader('act')(model(0, 1, { act: 'hswish' })), 'hswish');
});

test('categoryBootstrap: wins are the numeric bootstrap\'s winners, counted by value; the better value wins', () => {
  const rng = new Rng('categorical');
  const models: Scored[] = [];
  const values: string[] = [];
  for (let i = 0; i < 200; i++) {
    const good = i % 4 === 0; // a quarter of the models are 'silu' and two points better
    models.push(model(i, 10 + rng.uniform(0, 5) - (good ? 2 : 0), {}));
    values.push(good ? 'silu' : 'relu');
  }
  const opts = { samples: 2000, seed: 3 };
  const stats = categoryBootstrap(models, values, opts);
  assert.deepEqual(stats.map((s) => [s.value, s.n]), [['relu', 150], ['silu', 50]]);
  const winners = bootstrapWinners(models.map((m) => m.error), opts);
  const siluWins = Array.from(winners).filter((w) => values[w] === 'silu').length / winners.length;
  assert.equal(stats[1].wins, siluWins);
  assert.equal(stats[0].wins + stats[1].wins, 1);
  assert.ok(stats[1].wins > 0.8, `silu wins ${stats[1].wins}`);
  const errors = (v: string) => models.filter((_, i) => values[i] === v).map((m) => m.error).sort((a, b) => a - b);
  assert.equal(stats[1].min, errors('silu')[0]);
  assert.ok(stats[1].bestLo >= stats[1].min && stats[1].bestLo <= stats[1].bestHi);
  assert.ok(stats[1].bestHi < stats[0].bestHi, 'silu\'s best errors lie lower');
  // Seeded: the same seed, the same numbers.
  assert.deepEqual(categoryBootstrap(models, values, opts), stats);
});
