import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../src/cli/index.js';
import { openStore } from '../src/store/index.js';
import { writeExampleSweep } from '../src/analysis/examplePopulation.js';

const dir = mkdtempSync(join(tmpdir(), 'dse-analysis-cli-'));
const db1 = join(dir, 'one.sqlite');
const db2 = join(dir, 'two.sqlite');
const out = (name: string) => join(dir, name);

before(() => {
  const one = openStore(db1, { create: true });
  writeExampleSweep(one, { sweep: 'a', n: 60, seed: 1 });
  writeExampleSweep(one, { sweep: 'b', n: 40, seed: 2, space: 'anynet', bestFlops: 60e6 });
  one.close();
  const two = openStore(db2, { create: true });
  writeExampleSweep(two, { sweep: 'a', n: 30, seed: 3 });
  two.close();
});

/** Runs the CLI in-process; returns its exit code and what it printed. */
async function dse(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const writeOut = process.stdout.write.bind(process.stdout);
  const writeErr = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: string) => ((stdout += chunk), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string) => ((stderr += chunk), true)) as typeof process.stderr.write;
  try {
    const code = await main(['node', 'dse', ...args]);
    return { code, stdout, stderr };
  } finally {
    process.stdout.write = writeOut;
    process.stderr.write = writeErr;
  }
}

function assertUserError(r: { code: number; stdout: string; stderr: string }, pattern: RegExp): void {
  assert.equal(r.code, 2, `expected exit 2, got ${r.code}: ${r.stderr}`);
  assert.match(r.stderr.trimEnd(), pattern);
  assert.equal(r.stderr.trim().split('\n').length, 1, `one line expected, got: ${r.stderr}`);
  assert.ok(r.stderr.startsWith('dse: '));
}

test('dse fit stores w0, wa, wm and e_fit for every trial, prints the population rules, and plots e_fit vs error', async () => {
  const r = await dse('fit', 'a', '--db', db1, '--top', '5', '-o', out('fit.svg'));
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^a: fitted 60 models in .* stored$/m);
  assert.match(r.stdout, /^best 5 +w_j = [\d.]+ \+ [\d.]+ \* j/m);
  assert.match(r.stdout, /^worst 5 +w_j = /m);
  assert.ok(readFileSync(out('fit.svg'), 'utf8').startsWith('<svg'));
  const store = openStore(db1, { readonly: true });
  const trials = store.readTrials('a');
  store.close();
  assert.ok(trials.every((t) => t.fit && t.fit.e_fit >= 0 && t.fit.w0 % 8 === 0 && t.fit.wm >= 1.5 && t.fit.wm <= 3));
  // Models whose widths group compatibility left alone are RegNets on the grid: they fit exactly.
  assert.ok(trials.filter((t) => t.fit!.e_fit === 0).length > 20);
});

test('dse fit --dry-run prints but stores nothing; a bad grid is a one-line error', async () => {
  const r = await dse('fit', 'b', '--db', db1, '--dry-run');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /dry run: not stored/);
  const store = openStore(db1, { readonly: true });
  assert.ok(store.readTrials('b').every((t) => t.fit === null));
  store.close();
  assertUserError(await dse('fit', 'b', '--db', db1, '--wm', '0.5:3:0.1'), /^dse: fit grid wm: values must be > 1/);
  assertUserError(await dse('fit', 'b', '--db', db1, '--wa', '0:256'), /^dse: --wa: expected min:max:step/);
});

test('dse plot edf overlays sweeps from two database files and prints F(e) on request', async () => {
  const r = await dse('plot', 'edf', 'a', 'b', `${db2}:a`, '--db', db1, '-o', out('edf.svg'), '--at', '8,12');
  assert.equal(r.code, 0, r.stderr);
  const svg = readFileSync(out('edf.svg'), 'utf8');
  assert.match(svg, /one\.sqlite:a {2}n=60/);
  assert.match(svg, /two\.sqlite:a {2}n=30/);
  assert.match(svg, /b {2}n=40/);
  assert.match(r.stdout, /^one\.sqlite:a: F\(<8\) = [\d.]+, F\(<12\) = [\d.]+$/m);
  const inclusive = await dse('plot', 'edf', 'b', '--db', db1, '-o', out('edf2.svg'), '--at', '100', '--inclusive');
  assert.match(inclusive.stdout, /^b: F\(<=100\) = 1$/m);
});

test('dse plot edf --normalized draws a PNG; an empty bin says which and what to do', async () => {
  const r = await dse('plot', 'edf', 'a', 'b', '--db', db1, '--normalized', 'flops', '--bins', '3', '-o', out('edfn.png'));
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual([...readFileSync(out('edfn.png')).subarray(1, 4)], [80, 78, 71]); // "PNG"
  assertUserError(await dse('plot', 'edf', 'a', '--db', db1, '--normalized', 'flops', '--bins', '400', '-o', out('x.svg')), /^dse: a: normalized EDF: flops bin \d+ of 400 \[.*\) holds no model; use fewer bins \(--bins\) or a narrower range \(--range lo:hi\)$/);
  assertUserError(await dse('plot', 'edf', 'a', '--db', db1, '--normalized', 'acts'), /^dse: --normalized: expected flops or params/);
  assertUserError(await dse('plot', 'edf', 'a', '--db', db1, '--range', '1M:2M'), /^dse: --range and --linear-bins apply to --normalized EDFs/);
});

test('dse plot scatter, widths, curves and efficiency write their figures', async () => {
  for (const args of [
    ['scatter', 'a', 'b', '--x', 'flops', '--samples', '500'],
    ['scatter', 'b', '--x', 'ws[1]', '--samples', '500'],
    ['widths', 'a', '--best', '2', '--worst', '1'],
    ['curves', 'a', '--best', '2', '--worst', '2'],
    ['efficiency', 'a', 'b'],
  ]) {
    const file = out(`${args.slice(0, 3).join('-').replace(/[^a-z0-9-]/gi, '')}.svg`);
    const r = await dse('plot', ...args, '--db', db1, '-o', file);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    assert.ok(readFileSync(file, 'utf8').startsWith('<svg'), args.join(' '));
  }
  const widths = readFileSync(out('widths-a---best.svg'), 'utf8');
  assert.match(widths, /best 1: #\d+/);
  assert.match(widths, /worst 1: #\d+/);
  assert.match(widths, /fitted rule \(quantized\)/);
});

test('bad sweeps, metrics and output names are one-line errors', async () => {
  assertUserError(await dse('plot', 'scatter', 'a', '--db', db1, '--x', 'bogus', '-o', out('y.svg')), /^dse: --x: unknown metric "bogus" \(known: flops, params/);
  assertUserError(await dse('plot', 'scatter', 'a', '--db', db1, '--x', 'w0', '-o', out('y.jpg')), /^dse: -o: expected a file name ending in \.svg, \.png, \.pdf or - \(stdout\), got ".*y\.jpg"$/);
  assertUserError(await dse('plot', 'edf', 'nosuch', '--db', db1, '-o', out('y.svg')), /^dse: no sweep named "nosuch" in .*one\.sqlite \(sweeps: a, b\)$/);
  assertUserError(await dse('plot', 'edf', 'a', '--db', join(dir, 'missing.sqlite'), '-o', out('y.svg')), /no such database/);
  assertUserError(await dse('plot', 'widths', 'a', '--db', db1, '--best', '0', '--worst', '0'), /nothing to draw/);
  assertUserError(await dse('plot', 'scatter', 'a', '--db', db1, '--x', 'w0', '--samples', '-3'), /^dse: --samples: expected a positive integer/);
  assertUserError(await dse('analyze', 'a', '--db', db1, '-o', out('report.pdf')), /^dse: -o: expected a file name ending in \.html/);
  assert.equal(existsSync(out('y.svg')), false);
});
