import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { openStore } from '../src/store/index.js';
import { writeExampleSweep } from '../src/analysis/examplePopulation.js';
import { loadSweeps } from '../src/analysis/load.js';
import { buildReport } from '../src/analysis/report.js';
import { parseSplit } from '../src/analysis/categorical.js';

const CHROMIUM = '/usr/bin/chromium';
const dir = mkdtempSync(join(tmpdir(), 'dse-report-'));
const db = join(dir, 'sweeps.sqlite');
const reportPath = join(dir, 'report.html');
let html = '';

/** Figures the report must hold for a RegNet and an AnyNet sweep (index 0 and 1); it may hold more (ws[i], ds[i], ...). */
const FIGURES = [
  'fig-edf',
  'fig-edf-flops',
  'fig-edf-params',
  'fig-efficiency',
  ...['flops', 'params', 'acts', 'depth', 'w0', 'wa', 'wm', 'group_w', 'fit_err', 'ws0', 'ds0'].map((m) => `fig-scatter-${m}`),
  'fig-efit',
  'fig-widths-0',
  'fig-widths-1',
  'fig-curves-0',
  'fig-curves-1',
  'fig-split-edf',
];

before(async () => {
  const store = openStore(db, { create: true });
  writeExampleSweep(store, { sweep: 'regnet', n: 48, seed: 4 });
  writeExampleSweep(store, { sweep: 'anynet', n: 40, seed: 5, space: 'anynet', bestFlops: 60e6 });
  store.close();
  // Filtered and split, so the browser also draws the split section and shows the filter's note.
  html = await buildReport(loadSweeps(['regnet', 'anynet'], db, 'idx < 46'), { error: { at: 'final', split: 'val' }, bins: 3, top: 3, bootstrap: { samples: 1000, seed: 0 }, split: parseSplit('flops:2') });
  writeFileSync(reportPath, html);
});

test('the report is one self-contained HTML file: inline SVG only, no scripts, styles or fonts from elsewhere', () => {
  assert.ok(html.startsWith('<!DOCTYPE html>'));
  assert.doesNotMatch(html, /<script|<link|<img|<iframe|@import|url\(/i);
  assert.doesNotMatch(html, /https?:\/\//);
  for (const id of FIGURES) assert.match(html, new RegExp(`<figure id="${id.replace(/[[\]]/g, '\\$&')}">\\s*<svg`), id);
  assert.match(html, /<h3>regnet<\/h3>/);
  assert.match(html, /best 1<\/td>/);
  assert.match(html, /worst 1<\/td>/);
  assert.match(html, /Population rule/);
  assert.match(html, /w_j = [\d.]+ \+ [\d.]+ j/);
  assert.match(html, /id="filter-note">Only the trials --filter keeps are analysed: filter idx &lt; 46: kept 46 of 48 trials of regnet, 40 of 40 trials of anynet\./);
  assert.match(html, /<h2>Split by flops<\/h2>/);
});

test('opened in headless Chromium: no console errors, no requests beyond the file, every figure drawn', { timeout: 60_000, skip: !existsSync(CHROMIUM) && `chromium not found at ${CHROMIUM}` }, async () => {
  const profile = mkdtempSync(join(tmpdir(), 'dse-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await context.newPage();
    const problems: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`failed request: ${r.url()}`));
    page.on('request', (r) => requests.push(r.url()));
    const url = pathToFileURL(reportPath).href;
    await page.goto(url, { waitUntil: 'load' });
    const figures = await page.$$eval('figure', (fs) =>
      fs.map((f) => {
        const svg = f.querySelector('svg');
        const box = svg?.getBoundingClientRect();
        return { id: f.id, drawn: !!svg && !!box && box.width > 100 && box.height > 100, marks: svg ? svg.querySelectorAll('path, line, text').length : 0 };
      }),
    );
    assert.deepEqual(problems, []);
    assert.deepEqual(requests, [url]);
    const ids = figures.map((f) => f.id);
    assert.equal(ids.length, (html.match(/<figure /g) ?? []).length);
    for (const id of FIGURES) assert.ok(ids.includes(id), `${id} missing from the page`);
    for (const f of figures) assert.ok(f.drawn && f.marks > 10, `${f.id} is not drawn: ${JSON.stringify(f)}`);
    assert.equal(await page.title(), 'dse report: regnet vs anynet');
  } finally {
    await context.close();
  }
});

test('a normalized EDF that cannot be drawn (empty bin) becomes a note, not a failed report', async () => {
  const small = await buildReport(loadSweeps(['anynet'], db), { error: { at: 'best', split: 'val' }, bins: 200, top: 2, bootstrap: { samples: 200 } });
  assert.match(small, /<p class="note" id="fig-edf-flops-note">Not drawn: anynet: normalized EDF: flops bin \d+ of 200/);
  assert.match(small, /<figure id="fig-edf">/);
  assert.match(small, /lowest top-1 validation error over the epochs/);
});

test('the report shows what the results were trained with, from the trainings, and warns when a sweep mixes recipes', async () => {
  // the two sweeps of the main report (regnet filtered to 46 of its 48 trials): one recipe, dataset, engine and dse version each, no warning
  assert.match(html, /<section id="provenance">/);
  assert.match(html, /<td>regnet<\/td><td>recipe<\/td><td>epochs 5, batch_size 128, [^<]*seed 4 \([0-9a-f]{12}\)<\/td><td>46<\/td>/);
  assert.match(html, /<td>anynet<\/td><td>dataset<\/td><td>synthetic 3x32px, 10 classes, all train \/ all test \(key example\)<\/td><td>40<\/td>/);
  assert.match(html, /<td>anynet<\/td><td>engine<\/td><td>torch on cpu<\/td><td>40<\/td>/);
  assert.doesNotMatch(html, /provenance-mixed/);

  const mixedDb = join(dir, 'mixed.sqlite');
  const store = openStore(mixedDb, { create: true });
  writeExampleSweep(store, { sweep: 'mixed', n: 30, seed: 6, recipeEpochsOf: (i) => (i < 10 ? 3 : 5) });
  store.close();
  const mixed = await buildReport(loadSweeps(['mixed'], mixedDb), { error: { at: 'final', split: 'val' }, bins: 3, top: 2, bootstrap: { samples: 200 } });
  assert.match(mixed, /<p class="note" id="provenance-mixed-0">mixed: its results were trained with 2 recipes; they are not directly comparable\.<\/p>/);
  assert.match(mixed, /<td>mixed<\/td><td>recipe<\/td><td>epochs 5, [^<]*<\/td><td>20<\/td>/);
  assert.match(mixed, /<td>mixed<\/td><td>recipe<\/td><td>epochs 3, [^<]*<\/td><td>10<\/td>/);
});
