// The `dse` bin is run directly (npx dse, a global install): it must be executable with its shebang.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../src/util/paths.js';

test('the package bin runs as a program and prints the version', () => {
  const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8'));
  const bin = join(packageRoot(), pkg.bin.dse);
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  assert.equal(r.error, undefined, `cannot execute ${bin}: ${r.error?.message}`);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), pkg.version);
});
