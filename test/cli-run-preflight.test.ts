// A missing python/torch or a missing dataset is reported as one line before the store is touched:
// no database file, no half-created sweep.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../src/util/paths.js';

const CLI = join(packageRoot(), 'dist/src/cli/index.js');
const FIXTURE = join(packageRoot(), 'test/fixtures/experiments/tiny-test.yaml');

function runExperiment(yaml: string, env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'dse-preflight-'));
  const file = join(dir, 'exp.yaml');
  writeFileSync(file, yaml);
  const db = join(dir, 'sweep.sqlite');
  const r = spawnSync(process.execPath, [CLI, 'run', file, '--db', db, '--quiet'], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, DSE_CACHE_DIR: join(dir, 'cache'), ...env },
  });
  return { ...r, db };
}

test('a python without torch: one line naming what was tried and what to do, and no database', () => {
  const r = runExperiment(readFileSync(FIXTURE, 'utf8'), { DSE_PYTHON: '/nonexistent/python3' });
  assert.equal(r.status, 2);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], /^dse: engine torch needs a python3 with torch \(tried: DSE_PYTHON=\/nonexistent\/python3.*\).*--engine tfjs/);
  assert.equal(existsSync(r.db), false);
});

test('a missing dataset: one line naming the path and how to get it, and no database', () => {
  const yaml = readFileSync(FIXTURE, 'utf8').replace(/dataset:\n(\s+)name: synthetic[^\n]*/, 'dataset:\n$1name: fashion-mnist\n$1data_dir: /nonexistent/fmnist').replace(/\n\s+resolution: 8\n\s+num_classes: 4/, '');
  const r = runExperiment(yaml);
  assert.equal(r.status, 2, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], /^dse: dataset: fashion-mnist: .*\/nonexistent\/fmnist/);
  assert.equal(existsSync(r.db), false);
});
