/**
 * Analysis parity with pycls: --filter (the --where grammar) and --split by any parameter or metric
 * (values, quantile bins, explicit edges) on real stored sweeps, PDF figures, and `-o -` writing the
 * same bytes to stdout as the file, with every message on stderr. The real `dse` is spawned.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../src/store/index.js';
import type { TrialRecord } from '../src/store/types.js';
import { writeExampleSweep } from '../src/analysis/examplePopulation.js';
import { DEFAULT_ERROR_KIND, errorLabel, parameterValue, scoredTrials } from '../src/analysis/metrics.js';
import { edfAt, formatAmount } from '../src/analysis/edf.js';
import { fmt } from '../src/analysis/charts/theme.js';
import { parseSplit, quantileEdges, splitPopulations } from '../src/analysis/categorical.js';
import { UserError } from '../src/util/errors.js';
import { runDse } from './helpers/cli.js';
import { readPdf } from './helpers/pdf.js';

const dir = mkdtempSync(join(tmpdir(), 'dse-analysis-filter-'));
const one = join(dir, 'one.sqlite');
const two = join(dir, 'two.sqlite');
const fits = join(dir, 'fits.sqlite');
const read = (db: string, sweep: string): TrialRecord[] => {
  const store = openStore(db, { readonly: true });
  try {
    return store.readTrials(sweep);
  } finally {
    store.close();
  }
};
const dse = (...args: string[]) => runDse(args, dir);

before(() => {
  const a = openStore(one, { create: true });
  writeExampleSweep(a, { sweep: 'a', n: 60, seed: 1 });
  a.close();
  const b = openStore(two, { create: true });
  writeExampleSweep(b, { sweep: 'a', n: 30, seed: 3 });
  b.close();
  const c = openStore(fits, { create: true });
  writeExampleSweep(c, { sweep: 'c', n: 30, seed: 4 });
  c.close();
});

after(() => rmSync(dir, { recursive: true, force: true }));

function assertOneLineError(r: { code: number | null; stdout: string; stderr: string }, pattern: RegExp): void {
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /^dse: /);
  assert.match(r.stderr, pattern);
}

test('plot edf --filter keeps what the filter names in sweeps of two database files: counts, F(e) and the caption', async () => {
  const trials = [read(one, 'a'), read(two, 'a')];
  const flops = trials[0].map((t) => t.cx.flops).sort((x, y) => x - y);
  const limit = flops[30];
  const filter = `flops < ${limit} AND group_w >= 8`;
  const keeps = (t: TrialRecord) => t.cx.flops < limit && (parameterValue(t, 'group_w') as number) >= 8;
  const kept = trials.map((ts) => ts.filter(keeps));
  assert.ok(kept.every((k) => k.length > 3) && kept[0].length < 60, 'the filter keeps some, not all');

  const r = await dse('plot', 'edf', 'a', `${two}:a`, '--db', one, '--filter', filter, '--at', '7,9', '-o', 'f.svg');
  assert.equal(r.code, 0, r.stderr);
  for (const [i, label] of ['one.sqlite:a', 'two.sqlite:a'].entries()) {
    const values = edfAt(scoredTrials(kept[i], DEFAULT_ERROR_KIND).map((m) => m.error), [7, 9]);
    assert.match(r.stdout, new RegExp(`^${label}: F\\(<7\\) = ${fmt(values[0], 4)}, F\\(<9\\) = ${fmt(values[1], 4)}$`, 'm'));
  }
  assert.match(r.stdout, new RegExp(`^wrote f\\.svg \\(filter .*: kept ${kept[0].length} of 60 trials of one\\.sqlite:a, ${kept[1].length} of 30 trials of two\\.sqlite:a\\)$`, 'm'));
  const svg = readFileSync(join(dir, 'f.svg'), 'utf8');
  assert.ok(svg.includes(`filter ${filter.replace('<', '&lt;').replace('>', '&gt;')}: kept ${kept[0].length} of 60 trials of one.sqlite:a, ${kept[1].length} of 30 trials of two.sqlite:a`), 'the subtitle states the filter and its counts');
  assert.match(svg, new RegExp(`one\\.sqlite:a {2}n=${kept[0].length}`));
});

test('a filter keeping nothing, or a bad one, is one line naming --filter, and nothing is written', async () => {
  assertOneLineError(await dse('plot', 'edf', 'a', '--db', one, '--filter', 'flops < 0', '-o', 'none.svg'), /--filter "flops < 0": keeps none of the 60 trials of sweep a/);
  assertOneLineError(await dse('plot', 'scatter', 'a', '--db', one, '--x', 'flops', '--filter', 'flopz < 1', '-o', '-'), /--filter: no such column: flopz/);
  assertOneLineError(await dse('analyze', 'a', '--db', one, '--filter', 'flops <', '-o', '-'), /--filter: the filter ends where/);
  assert.throws(() => readFileSync(join(dir, 'none.svg')));
});

test('dse fit --filter fits and stores the kept trials only', async () => {
  const r = await dse('fit', 'c', '--db', fits, '--filter', 'idx < 12');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^filter idx < 12: kept 12 of 30 trials of c$/m);
  assert.match(r.stdout, /^c: fitted 12 models/m);
  assert.deepEqual(read(fits, 'c').filter((t) => t.fit).map((t) => t.index).sort((x, y) => x - y), Array.from({ length: 12 }, (_, i) => i));
});

/** The rows of `dse plot edf --split`'s table: part and n. */
function splitTable(stdout: string): [string, number][] {
  return stdout.split('\n').flatMap((l): [string, number][] => {
    const m = /^\s+(.+?)\s+(\d+)\s+[\d.]+\s+[\d.]+\s+[\d.]+%/.exec(l);
    return m ? [[m[1], Number(m[2])]] : [];
  });
}

test('--split by a many-valued number: quantile bins pooled over the sweeps, explicit edges, and the default of 3 bins', async () => {
  const flops = scoredTrials(read(one, 'a'), DEFAULT_ERROR_KIND).map((m) => m.trial.cx.flops);
  const edges = quantileEdges(flops, 4);
  const count = (lo: number, hi: number, last: boolean) => flops.filter((f) => f >= lo && (f < hi || (last && f === hi))).length;
  const expected = edges.slice(1).map((hi, i) => [`[${formatAmount(edges[i])}, ${formatAmount(hi)}${i === edges.length - 2 ? ']' : ')'}`, count(edges[i], hi, i === edges.length - 2)]);

  const r = await dse('plot', 'edf', 'a', '--db', one, '--split', 'flops:4', '--samples', '500', '-o', 'q.svg');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^a, by flops \\(bins with edges ${edges.map(formatAmount).join(', ')}\\)`, 'm'));
  assert.deepEqual(splitTable(r.stdout), expected);
  assert.equal(expected.reduce((s, [, n]) => s + (n as number), 0), 60);
  const svg = readFileSync(join(dir, 'q.svg'), 'utf8');
  for (const [bin, n] of expected) assert.ok(svg.includes(`a flops in ${bin}  n=${n}`), `legend of ${bin}`);

  const cut = edges[2];
  const explicit = await dse('plot', 'edf', 'a', '--db', one, '--split', `flops:0,${cut},inf`, '--samples', '500', '-o', 'e.svg');
  assert.equal(explicit.code, 0, explicit.stderr);
  assert.deepEqual(splitTable(explicit.stdout), [
    [`[0, ${formatAmount(cut)})`, flops.filter((f) => f < cut).length],
    [`[${formatAmount(cut)}, inf]`, flops.filter((f) => f >= cut).length],
  ]);

  const byDefault = await dse('plot', 'edf', 'a', '--db', one, '--split', 'flops', '--samples', '500', '-o', 'd.svg');
  assert.equal(byDefault.code, 0, byDefault.stderr);
  assert.equal(splitTable(byDefault.stdout).length, quantileEdges(flops, 3).length - 1);
});

test('--split by a parameter with few values gives one part per value; bins of a name are refused', () => {
  const trials = read(one, 'a');
  const pop = { label: 'a', models: scoredTrials(trials, DEFAULT_ERROR_KIND) };
  const values = [...new Set(pop.models.map((m) => parameterValue(m.trial, 'group_w') as number))].sort((x, y) => x - y);
  assert.ok(values.length >= 2 && values.length <= 6);
  const { parts, edges } = splitPopulations([pop], 'group_w');
  assert.equal(edges, null);
  assert.deepEqual(parts.map((p) => [p.label, p.models.length]), values.map((v) => [`a group_w=${v}`, pop.models.filter((m) => parameterValue(m.trial, 'group_w') === v).length]));
  const named = { label: 'n', models: pop.models.map((m, i) => ({ ...m, trial: { ...m.trial, values: { ...m.trial.values, act: i % 2 ? 'relu' : 'silu' } } })) };
  assert.throws(() => splitPopulations([named], 'act:3'), (e: Error) => e instanceof UserError && /^--split act:3: act is not a number/.test(e.message));
  assert.throws(() => parseSplit('flops:1'), /k >= 2 bins/);
  assert.throws(() => parseSplit('flops:5M,1M'), /ascend/);
  assert.throws(() => parseSplit('flops:abc'), /expected name/);
});

test('plot scatter --split draws a panel, colour and bootstrap per part', async () => {
  const r = await dse('plot', 'scatter', 'a', '--db', one, '--x', 'flops', '--split', 'group_w', '--samples', '500', '-o', 's.svg');
  assert.equal(r.code, 0, r.stderr);
  const svg = readFileSync(join(dir, 's.svg'), 'utf8');
  const values = [...new Set(read(one, 'a').map((t) => parameterValue(t, 'group_w')))];
  for (const v of values) assert.ok(svg.includes(`a group_w=${v}`), `panel of group_w=${v}`);
});

test('analyze --filter --split: the report states the filter and has the split section; -o - prints the same report', async () => {
  const args = ['analyze', 'a', '--db', one, '--filter', 'idx < 40', '--split', 'flops:2', '--samples', '300', '--top', '2'];
  const file = await dse(...args, '-o', 'r.html');
  assert.equal(file.code, 0, file.stderr);
  const piped = await dse(...args, '-o', '-');
  assert.equal(piped.code, 0, piped.stderr);
  assert.match(piped.stderr, /wrote the report to stdout/);
  const html = readFileSync(join(dir, 'r.html'), 'utf8');
  const undated = (s: string) => s.replace(/Generated by dse on [^.]*\./, '');
  assert.equal(undated(piped.stdout), undated(html));
  assert.match(html, /<p class="note" id="filter-note">Only the trials --filter keeps are analysed: filter idx &lt; 40: kept 40 of 60 trials of a\.<\/p>/);
  const section = /<section id="split">([\s\S]*?)<\/section>/.exec(html)?.[1] ?? '';
  assert.match(section, /<h2>Split by flops<\/h2>/);
  assert.match(section, /<figure id="fig-split-edf">/);
  assert.match(section, /<p>40 models by flops \(bins with edges /);
  assert.equal((section.match(/<tr><td>\[/g) ?? []).length, 2, 'two bins in the table');
});

test('PDF figures: one page of the SVG size, an embedded DejaVu font, the axis title as text; -o - writes the same bytes', async () => {
  const svg = await dse('plot', 'edf', 'a', '--db', one, '-o', '-');
  assert.equal(svg.code, 0, svg.stderr);
  assert.match(svg.stdout, /^<svg /);
  assert.match(svg.stderr, /wrote the figure to stdout/);
  const [, width, height] = /<svg[^>]*\swidth="(\d+)"[^>]*\sheight="(\d+)"/.exec(svg.stdout)!.map(Number);

  const file = await dse('plot', 'edf', 'a', '--db', one, '-o', 'p.pdf');
  assert.equal(file.code, 0, file.stderr);
  const piped = await dse('plot', 'edf', 'a', '--db', one, '-o', '-', '--figure-format', 'pdf');
  assert.equal(piped.code, 0, piped.stderr);
  const bytes = readFileSync(join(dir, 'p.pdf'));
  assert.ok(piped.stdoutBytes.equals(bytes), 'stdout holds the PDF file, byte for byte');
  const pdf = readPdf(bytes);
  assert.equal(pdf.pages.length, 1);
  assert.deepEqual(pdf.pages[0].mediaBox, [0, 0, width, height]);
  assert.ok(pdf.embeddedFonts.some((f) => /^[A-Z]{6}\+DejaVuSans$/.test(f)), pdf.embeddedFonts.join(', '));
  assert.ok(pdf.pages[0].texts.includes(errorLabel(DEFAULT_ERROR_KIND)), pdf.pages[0].texts.join(' | '));
  assert.ok(pdf.pages[0].texts.includes('error EDF'));

  // Without -o, the default file takes the format's extension.
  const named = await dse('plot', 'curves', 'a', '--db', one, '--figure-format', 'pdf');
  assert.equal(named.code, 0, named.stderr);
  assert.match(named.stdout, /^wrote a-curves\.pdf$/m);
  assert.equal(readPdf(readFileSync(join(dir, 'a-curves.pdf'))).pages.length, 1);

  const png = await dse('plot', 'efficiency', 'a', '--db', one, '-o', '-', '--figure-format', 'png');
  const pngFile = await dse('plot', 'efficiency', 'a', '--db', one, '-o', 'p.png');
  assert.equal(pngFile.code, 0, pngFile.stderr);
  assert.ok(png.stdoutBytes.equals(readFileSync(join(dir, 'p.png'))));
});
