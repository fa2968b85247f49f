/**
 * A writer process committing as fast as it can and a reader process opening, reading and closing
 * the same WAL database over and over: the reader never sees "database is locked" and always reads a
 * consistent snapshot (every epoch row belongs to a trial that the same snapshot shows running or finished).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { openStore } from '../src/store/index.js';
import { buildAnyNetSpec } from '../src/space/build.js';
import { complexity } from '../src/space/index.js';
import { packageRoot } from '../src/util/paths.js';

const STORE_MODULE = pathToFileURL(join(packageRoot(), 'dist', 'src', 'store', 'index.js')).href;
const QUERY_MODULE = pathToFileURL(join(packageRoot(), 'dist', 'src', 'store', 'query.js')).href;

const WRITER = `
const { openStore } = await import(${JSON.stringify(STORE_MODULE)});
const store = openStore(process.argv[1]);
const ids = store.readTrials('live').map((t) => t.id);
const rounds = Number(process.argv[2]);
for (let r = 0; r < rounds; r++) {
  const id = ids[r % ids.length];
  store.trialStarted(id, 'w');
  for (let e = 1; e <= 2; e++) store.saveEpoch(id, { epoch: e, lr: 0.1, train_loss: 1, train_err: 50, test_err: 40 + r % 7, seconds: 0.01, images_per_sec: 1 });
  store.trialFinished(id, { trial_id: String(id), status: 'interrupted', epochs: [], final_test_err: null, best_test_err: null, params_built: null, peak_mem_bytes: null, seconds: 0.02, error: 'x', worker: 'w', device: 'cpu' });
}
store.close();
process.stdout.write('wrote ' + rounds);
`;

const READER = `
const { openStore } = await import(${JSON.stringify(STORE_MODULE)});
const { queryTrials } = await import(${JSON.stringify(QUERY_MODULE)});
let reads = 0, errors = [];
const until = Date.now() + Number(process.argv[2]);
while (Date.now() < until || reads < 20) {
  try {
    const store = openStore(process.argv[1], { readonly: true });
    const trials = store.readTrials('live');
    const orphan = trials.find((t) => t.status === 'pending' && t.epochs.length > 0);
    if (orphan) errors.push('inconsistent snapshot: pending trial ' + orphan.id + ' has epochs');
    queryTrials(store, { sweep: 'live', where: 'attempts >= 0', order: '-error' });
    store.summary('live');
    store.close();
    reads++;
  } catch (e) {
    errors.push(e.message);
  }
}
process.stdout.write(JSON.stringify({ reads, errors: errors.slice(0, 5), errorCount: errors.length }));
`;

function node(code: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', code, ...args]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (c) => resolve({ code: c, stdout, stderr }));
  });
}

test('a reader process never hits "database is locked" while a writer process commits', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dse-store-live-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'live.sqlite');
  const store = openStore(path, { create: true });
  const spec = buildAnyNetSpec({ depths: [1], widths: [8], strides: [1] }, { stem: 'res_stem_cifar', stemW: 8, blockType: 'res_basic_block', resolution: 8, numClasses: 4 });
  const trials = Array.from({ length: 20 }, (_, index) => ({ index, params: { depth: 1 }, spec, cx: complexity(spec) }));
  store.createSweep({ name: 'live', config: {}, config_hash: 'h', seed: 0, n: 20, space: 'x' }, trials);
  store.close();

  const [writer, reader] = await Promise.all([node(WRITER, [path, '400']), node(READER, [path, '1500'])]);
  assert.equal(writer.code, 0, writer.stderr);
  assert.equal(writer.stdout, 'wrote 400');
  assert.equal(reader.code, 0, reader.stderr);
  const report = JSON.parse(reader.stdout);
  assert.deepEqual(report.errors, [], `reader errors (${report.errorCount})`);
  assert.ok(report.reads >= 20);
  const final = openStore(path, { readonly: true });
  assert.equal(final.readTrials('live').reduce((s, t) => s + t.attempts, 0), 400);
  final.close();
});
