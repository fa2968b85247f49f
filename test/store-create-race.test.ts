// Two processes that create the same new database file at the same moment must end up sharing one
// database: neither may replace the file the other already writes to.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { openStore } from '../src/store/index.js';
import { packageRoot } from '../src/util/paths.js';

const storeModule = pathToFileURL(join(packageRoot(), 'dist/src/store/index.js')).href;

function createSweepIn(path: string, name: string): Promise<number> {
  const script = `
    const { openStore } = await import(${JSON.stringify(storeModule)});
    const store = openStore(process.argv[1], { create: true });
    store.createSweep({ name: process.argv[2], config: {}, config_hash: 'h', seed: 1, n: 0, space: 'regnetx' }, []);
    store.close();`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script, path, name], { stdio: ['ignore', 'inherit', 'inherit'] });
  return new Promise((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
}

test('concurrent creation of one database keeps both sweeps and leaves no temporary file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dse-create-race-'));
  for (let round = 0; round < 4; round++) {
    const path = join(dir, `race-${round}.sqlite`);
    const codes = await Promise.all([createSweepIn(path, 'a'), createSweepIn(path, 'b'), createSweepIn(path, 'c')]);
    assert.deepEqual(codes, [0, 0, 0]);
    const store = openStore(path, { readonly: true });
    assert.deepEqual(store.listSweeps().map((s) => s.name).sort(), ['a', 'b', 'c']);
    store.close();
  }
  assert.deepEqual(readdirSync(dir).filter((f) => f.includes('.creating-')), []);
  assert.ok(existsSync(join(dir, 'race-0.sqlite')));
});
