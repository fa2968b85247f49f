import { test } from 'node:test';
import assert from 'node:assert/strict';
import seedrandom from 'seedrandom';
import { generateRegnet } from '../src/space/regnet.js';
import { axisValues, DEFAULT_FIT_GRID, type FitGrid, parseAxisRange, resolveGrid } from '../src/analysis/grid.js';
import { eFit, fitWidthRule, WidthRuleFitter } from '../src/analysis/widthFit.js';
import { populationRule } from '../src/analysis/populationRule.js';

const fitter = new WidthRuleFitter();

test('models generated from grid-aligned RegNet parameters fit exactly: e_fit = 0, w0 recovered, widths reproduced', () => {
  const rng = seedrandom('regnet-fit');
  const logUniform = (lo: number, hi: number) => Math.exp(Math.log(lo) + rng() * Math.log(hi / lo));
  for (let i = 0; i < 40; i++) {
    // pycls's sampling quanta: w0 a multiple of 8, wa of 0.1, wm of 0.001 (as decimals).
    const w0 = 8 * Math.ceil(logUniform(8, 256) / 8);
    const wa = Math.ceil(logUniform(8, 256) * 10) / 10;
    const wm = Math.ceil(logUniform(1.5, 3) * 1000) / 1000;
    const d = 6 + Math.floor(rng() * 25);
    const widths = generateRegnet(wa, w0, wm, d).widthsAll;
    const fit = fitter.fit(widths);
    const label = `planted w0=${w0} wa=${wa} wm=${wm} d=${d}, got ${JSON.stringify(fit)}`;
    assert.equal(fit.e_fit, 0, label);
    assert.equal(fit.w0, w0, label); // the first block's width is w0 itself
    assert.deepEqual(generateRegnet(fit.wa, fit.w0, fit.wm, d).widthsAll, widths, label);
    assert.ok(fit.wm <= wm, label); // ties go to the smallest wm
  }
});

test('constant-width models fit with wa = 0', () => {
  assert.deepEqual(fitter.fit([64, 64, 64, 64]), { w0: 64, wa: 0, wm: 1.5, e_fit: 0 });
});

const SMALL: FitGrid = { w0: { min: 8, max: 32, step: 8 }, wa: { min: 0, max: 20, step: 1 }, wm: { min: 1.5, max: 3, step: 0.05 } };

/** Every grid point in tie order (w0, then wm, then wa), with its e_fit. */
function* gridPoints(grid: FitGrid, widths: number[]) {
  const g = resolveGrid(grid);
  for (const w0 of g.w0) for (const wm of g.wm) for (const wa of g.wa) yield { w0, wa, wm, e_fit: eFit(widths, { w0, wa, wm }) };
}

function bruteForce(grid: FitGrid, widths: number[]) {
  let best = { w0: 0, wa: 0, wm: 0, e_fit: Infinity };
  for (const p of gridPoints(grid, widths)) if (p.e_fit < best.e_fit - 1e-12) best = p;
  return best;
}

test('the branch and bound finds the exact grid optimum and its tie order, as brute force does', () => {
  const small = new WidthRuleFitter(SMALL);
  const rng = seedrandom('brute');
  for (let t = 0; t < 30; t++) {
    const d = 2 + Math.floor(rng() * 10);
    let widths: number[];
    if (t % 3 === 0) widths = generateRegnet(Math.floor(rng() * 21), 8 * (1 + Math.floor(rng() * 4)), 1.5 + 0.05 * Math.floor(rng() * 31), d).widthsAll;
    else if (t % 3 === 1) widths = Array.from({ length: d }, () => 8 * (1 + Math.floor(rng() * 40)));
    else {
      let w = 8 * (1 + Math.floor(rng() * 6));
      widths = Array.from({ length: d }, () => (w += rng() < 0.35 ? 8 * Math.floor(rng() * 12) : 0));
    }
    const got = small.fit(widths);
    const want = bruteForce(SMALL, widths);
    assert.ok(Math.abs(got.e_fit - want.e_fit) < 1e-12, `${widths}: e_fit ${got.e_fit} vs ${want.e_fit}`);
    assert.deepEqual([got.w0, got.wm, got.wa], [want.w0, want.wm, want.wa], `${widths}`);
  }
});

test('where the grid identifies the parameters, the fit recovers them exactly', () => {
  const small = new WidthRuleFitter(SMALL);
  const g = resolveGrid(SMALL);
  const rng = seedrandom('identifiable');
  let identified = 0;
  for (let t = 0; t < 200 && identified < 5; t++) {
    const planted = { w0: g.w0[Math.floor(rng() * g.w0.length)], wa: g.wa[1 + Math.floor(rng() * (g.wa.length - 1))], wm: g.wm[Math.floor(rng() * g.wm.length)] };
    const widths = generateRegnet(planted.wa, planted.w0, planted.wm, 12).widthsAll;
    const exact = [...gridPoints(SMALL, widths)].filter((p) => p.e_fit === 0);
    if (exact.length !== 1) continue;
    identified++;
    assert.deepEqual(small.fit(widths), { ...planted, e_fit: 0 });
  }
  assert.ok(identified >= 3, `only ${identified} identifiable planted models found`);
});

test('e_fit is the mean absolute log ratio to generateRegnet widths', () => {
  const widths = [16, 40, 104, 104];
  const rule = generateRegnet(30, 16, 2.5, 4).widthsAll;
  const expected = widths.reduce((s, w, j) => s + Math.abs(Math.log(rule[j] / w)), 0) / 4;
  assert.equal(eFit(widths, { w0: 16, wa: 30, wm: 2.5 }), expected);
  // (16, 30, 2.5) is on the default grid, so the grid optimum is at least as good.
  assert.ok(fitWidthRule(widths).e_fit <= expected);
});

test('the population rule recovers a planted line through pooled per-block widths', () => {
  const rng = seedrandom('line');
  const profiles = Array.from({ length: 20 }, () => Array.from({ length: 5 + Math.floor(rng() * 10) }, (_, j) => 48 + 24 * j + (rng() - 0.5) * 8));
  const rule = populationRule(profiles);
  assert.ok(Math.abs(rule.wa - 24) < 0.5, `slope ${rule.wa}`);
  assert.ok(Math.abs(rule.w0 - 48) < 3, `intercept ${rule.w0}`);
  assert.ok(rule.r2 > 0.99);
  assert.equal(rule.models, 20);
  assert.equal(rule.points, profiles.reduce((s, p) => s + p.length, 0));
  assert.throws(() => populationRule([]), { name: 'UserError', message: /no blocks/ });
  assert.throws(() => populationRule([[64], [32]]), { name: 'UserError', message: /single block/ });
});

test('grids are decimal-exact and checked; bad grids and widths are clear errors', () => {
  const wa = axisValues('wa', DEFAULT_FIT_GRID.wa);
  assert.equal(wa.length, 2561);
  assert.equal(wa[273], 27.3); // not 27.300000000000001
  assert.equal(axisValues('wm', DEFAULT_FIT_GRID.wm)[457], 1.957);
  assert.deepEqual(parseAxisRange('--wm', '1.5:3:0.001'), { min: 1.5, max: 3, step: 0.001 });
  assert.throws(() => parseAxisRange('--wa', '0:256'), { name: 'UserError', message: '--wa: expected min:max:step, e.g. 1.5:3:0.001, got "0:256"' });
  assert.throws(() => new WidthRuleFitter({ ...DEFAULT_FIT_GRID, w0: { min: 12, max: 64, step: 4 } }), { name: 'UserError', message: /w0: every value must be a positive multiple of 8/ });
  assert.throws(() => new WidthRuleFitter({ ...DEFAULT_FIT_GRID, wm: { min: 1, max: 3, step: 0.5 } }), { name: 'UserError', message: /wm: values must be > 1/ });
  assert.throws(() => new WidthRuleFitter({ ...DEFAULT_FIT_GRID, wa: { min: 0.05, max: 3, step: 0.1 } }), { name: 'UserError', message: /not a multiple of the step/ });
  assert.throws(() => fitter.fit([]), { name: 'UserError', message: /no blocks/ });
  assert.throws(() => fitter.fit([64, 0]), { name: 'UserError', message: /positive/ });
});
