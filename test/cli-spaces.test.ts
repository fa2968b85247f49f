/**
 * `dse spaces` and `dse presets --markdown`: what a user reads to pick a space, and the README's
 * generated tables, which must match what the registry says now.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parse } from 'yaml';
import { BUILTIN_SPACES, resolveSpace } from '../src/sampler/index.js';
import { families, presets } from '../src/space/index.js';
import { packageRoot } from '../src/util/paths.js';

const CLI = join(packageRoot(), 'dist', 'src', 'cli', 'index.js');
const dse = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });

test('dse spaces lists every built-in space and every family with its knobs', () => {
  const r = dse('spaces');
  assert.equal(r.status, 0, r.stderr);
  for (const name of Object.keys(BUILTIN_SPACES)) assert.match(r.stdout, new RegExp(`^${name}\\s`, 'm'), name);
  for (const f of families()) assert.match(r.stdout, new RegExp(`^${f.name}\\s`, 'm'), f.name);
  assert.match(r.stdout, /^pplcnet\s+scale, k\[13\], se\[13\], cifar\s/m);
  assert.match(r.stdout, /^fbnet\s+op\[22\], cifar\s/m);
});

test('dse spaces NAME prints a definition that reads back as the same space, and a family\'s knobs', () => {
  for (const name of ['regnetx', 'anynetx_e', 'efficientnet', 'fbnet', 'mbconv_stages']) {
    const r = dse('spaces', name);
    assert.equal(r.status, 0, r.stderr);
    const yamlPart = r.stdout.split('\nfamily ')[0];
    assert.deepEqual(resolveSpace(parse(yamlPart).space), BUILTIN_SPACES[name], name);
  }
  const mnas = dse('spaces', 'mnasnet');
  assert.match(mnas.stdout, /^family mnasnet: /);
  assert.match(mnas.stdout, /^variant\s+one of b1, a1\s+"b1"\s/m);
  const json = JSON.parse(dse('spaces', 'pplcnet', '--json').stdout);
  assert.equal(json.space.family, 'pplcnet');
  assert.deepEqual(json.family.params.map((p: { name: string }) => p.name), ['scale', 'k', 'se', 'cifar']);
  const bad = dse('spaces', 'pplcnett');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /^dse: unknown space or family "pplcnett" \(did you mean pplcnet\?\) \(spaces: anynetx_a, .*; families: .*\)\n$/);
});

test('dse presets --markdown: one row per preset with its exact counts', () => {
  const r = dse('presets', '--markdown');
  assert.equal(r.status, 0, r.stderr);
  const rows = r.stdout.trim().split('\n').slice(2);
  assert.equal(rows.length, presets().length);
  assert.ok(rows.includes(rows.find((l) => l.startsWith('| `efficientnet_b0` | efficientnet | 224 | 385,825,092 | 5,288,548 | 6,748,036 |'))!));
});

test('the README\'s generated tables are current (node scripts/readme-tables.mjs regenerates them)', () => {
  const r = spawnSync(process.execPath, [join(packageRoot(), 'scripts', 'readme-tables.mjs'), '--check'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
});
