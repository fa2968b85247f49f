import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import seedrandom from 'seedrandom';
import { generateRegnet } from '../src/space/regnet.js';
import { DEFAULT_FIT_GRID } from '../src/analysis/grid.js';
import { fitWidthRules } from '../src/analysis/fitPool.js';
import { WidthRuleFitter } from '../src/analysis/widthFit.js';

/** RegNet models at pycls's quanta, AnyNetX_A-like (free stage depths and widths) and AnyNetX_E-like (sorted), interleaved. */
function mixedPopulation(n: number, seed: string): number[][] {
  const rng = seedrandom(seed);
  const logUniform = (lo: number, hi: number) => Math.exp(Math.log(lo) + rng() * Math.log(hi / lo));
  const intIn = (lo: number, hi: number) => lo + Math.floor(rng() * (hi - lo + 1));
  const anynet = (sorted: boolean) => {
    const ds = [0, 1, 2, 3].map(() => intIn(1, 12));
    const ws = [0, 1, 2, 3].map(() => 8 * Math.ceil(logUniform(16, 1024) / 8));
    if (sorted) [ds, ws].forEach((a) => a.sort((x, y) => x - y));
    return ds.flatMap((d, s) => new Array<number>(d).fill(ws[s]));
  };
  return Array.from({ length: n }, (_, i) => {
    if (i % 3 === 0) return generateRegnet(Math.ceil(logUniform(8, 256) * 10) / 10, 8 * Math.ceil(logUniform(8, 256) / 8), Math.ceil(logUniform(1.5, 3) * 1000) / 1000, intIn(6, 30)).widthsAll;
    return anynet(i % 3 === 2);
  });
}

test('the pool (2 threads, forced) returns exactly the single-threaded fits, in input order', async () => {
  const models = mixedPopulation(240, 'fit-pool');
  const fitter = new WidthRuleFitter();
  const expected = models.map((m) => fitter.fit(m));
  const pooled = await fitWidthRules(models, DEFAULT_FIT_GRID, { threads: 2, minPoolModels: 0 });
  assert.equal(pooled.length, models.length);
  // deepEqual on numbers: same grid point (tie-breaking included) and bit-identical e_fit.
  assert.deepEqual(pooled, expected);
  assert.ok(expected.some((f) => f.e_fit === 0) && expected.some((f) => f.e_fit > 0), 'the population mixes exact and inexact fits');
});

test('small inputs and threads = 1 are fitted in this thread, with the same results; no models gives no fits', async () => {
  const models = mixedPopulation(12, 'fit-pool-small');
  const fitter = new WidthRuleFitter();
  const expected = models.map((m) => fitter.fit(m));
  assert.deepEqual(await fitWidthRules(models), expected);
  assert.deepEqual(await fitWidthRules(models, DEFAULT_FIT_GRID, { threads: 1, minPoolModels: 0 }), expected);
  assert.deepEqual(await fitWidthRules([], DEFAULT_FIT_GRID, { threads: 2, minPoolModels: 0 }), []);
});

test('a bad model fails the pool with the UserError the in-thread fitter gives; bad grids and thread counts are UserErrors', async () => {
  const models = mixedPopulation(30, 'fit-pool-bad');
  models[17] = [64, -8, 128];
  const inThread = await fitWidthRules(models, DEFAULT_FIT_GRID, { threads: 1 }).then(
    () => assert.fail('expected a rejection'),
    (e: Error) => e,
  );
  assert.equal(inThread.name, 'UserError');
  assert.match(inThread.message, /widths must be positive numbers, got -8/);
  await assert.rejects(fitWidthRules(models, DEFAULT_FIT_GRID, { threads: 2, minPoolModels: 0 }), { name: 'UserError', message: inThread.message });
  await assert.rejects(fitWidthRules(models, { ...DEFAULT_FIT_GRID, w0: { min: 12, max: 64, step: 4 } }, { threads: 2, minPoolModels: 0 }), { name: 'UserError', message: /w0: every value must be a positive multiple of 8/ });
  for (const threads of [0, 1.5, NaN]) await assert.rejects(fitWidthRules(models, DEFAULT_FIT_GRID, { threads }), { name: 'UserError', message: /--threads: expected a positive integer/ });
});

test('the pool is closed when the call settles, after success and after failure: its threads have exited and the process exits by itself', () => {
  const pool = new URL('../src/analysis/fitPool.js', import.meta.url).href;
  // Counts live worker threads (piscina creates them through worker_threads.Worker, looked up at creation).
  const script = `
    import threads from 'node:worker_threads';
    let created = 0, live = 0;
    threads.Worker = class extends threads.Worker {
      constructor(...args) { super(...args); created++; live++; this.once('exit', () => live--); }
    };
    const { fitWidthRules } = await import(${JSON.stringify(pool)});
    const grid = { w0: { min: 8, max: 64, step: 8 }, wa: { min: 0, max: 64, step: 0.5 }, wm: { min: 1.5, max: 3, step: 0.01 } };
    const fits = await fitWidthRules([[16, 32, 32, 64], [24, 24, 48], [8, 16]], grid, { threads: 2, minPoolModels: 0 });
    const afterSuccess = live;
    const failed = await fitWidthRules([[16, 32], [0]], grid, { threads: 2, minPoolModels: 0 }).catch((e) => e.name);
    console.log(JSON.stringify({ fits: fits.length, failed, created, afterSuccess, afterFailure: live }));
  `;
  // No process.exit in the script: anything left running would keep it alive until the timeout kills it.
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(child.signal, null, `the process did not exit by itself: ${child.stderr}`);
  assert.equal(child.status, 0, child.stderr);
  assert.deepEqual(JSON.parse(child.stdout), { fits: 3, failed: 'UserError', created: 4, afterSuccess: 0, afterFailure: 0 });
});
