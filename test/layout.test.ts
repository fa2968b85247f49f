// Each folder of src/ is one room with one job, and data flows one way: space -> sampler -> store ->
// workers -> store -> analysis. This test reads every import of src/ and holds it to the rooms each
// room may use, so a lower room importing a higher one fails here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { packageRoot } from '../src/util/paths.js';

/** The rooms each room may import from (besides itself). */
const ALLOWED: Record<string, string[]> = {
  util: [],
  space: ['util'],
  sampler: ['space', 'util'],
  models: ['space', 'util'],
  workers: ['models', 'space', 'util'],
  store: ['workers', 'space', 'util'],
  experiment: ['sampler', 'models', 'workers', 'space', 'util'],
  sweep: ['experiment', 'store', 'workers', 'models', 'sampler', 'space', 'util'],
  analysis: ['store', 'workers', 'sampler', 'space', 'util'],
  cli: ['analysis', 'sweep', 'experiment', 'store', 'workers', 'models', 'sampler', 'space', 'util'],
};

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

test('no room imports a room above it', () => {
  const src = join(packageRoot(), 'src');
  const violations: string[] = [];
  let seen = 0;
  for (const file of files(src)) {
    const room = relative(src, file).split('/')[0];
    assert.ok(room in ALLOWED, `src/${room} is not a known room; add it to ALLOWED`);
    for (const m of readFileSync(file, 'utf8').matchAll(/^\s*(?:import|export)\s[^;]*?from\s+'(\.[^']+)'/gms)) {
      seen++;
      const target = relative(src, resolve(dirname(file), m[1])).split('/')[0];
      if (target !== room && !ALLOWED[room].includes(target)) violations.push(`${relative(src, file)} imports ${m[1]} (${room} -> ${target})`);
    }
  }
  assert.ok(seen > 300, `read ${seen} imports`);
  assert.deepEqual(violations, []);
});

test('the Python engine is one package that reaches nothing outside itself', () => {
  const pkg = join(packageRoot(), 'src', 'models', 'torch', 'dse_torch');
  for (const file of files(pkg).concat(readdirSync(pkg).filter((n) => n.endsWith('.py')).map((n) => join(pkg, n)))) {
    const text = readFileSync(file, 'utf8');
    assert.ok(!/sys\.path/.test(text), `${file} edits sys.path`);
  }
});
