/**
 * Family sweeps end to end through the real CLI: every tiny family experiment shipped in
 * experiments/tiny runs to the end on the torch engine into one database, whose EDFs then overlay
 * a RegNetX sweep's and whose report compares them; a space that samples the input resolution
 * trains each model on the dataset resized to it, in both engines, and splits by it in the analysis.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadExperiment } from '../src/experiment/load.js';
import { DatasetError, prepareDataset } from '../src/models/data/index.js';
import { openStore } from '../src/store/index.js';
import { runSweep } from '../src/sweep/run.js';
import { UserError } from '../src/util/errors.js';
import { packageRoot } from '../src/util/paths.js';

const CLI = join(packageRoot(), 'dist', 'src', 'cli', 'index.js');
const TINY = join(packageRoot(), 'experiments', 'tiny');
const ROOT = mkdtempSync(join(tmpdir(), 'dse-families-'));
const CACHE = join(ROOT, 'cache');
after(() => rmSync(ROOT, { recursive: true, force: true }));

function dse(args: string[], cwd = ROOT): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, DSE_CACHE_DIR: CACHE, DSE_TEST_FAULT: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function trialsOf(db: string, sweep: string) {
  const store = openStore(db, { readonly: true });
  try {
    return store.readTrials(sweep);
  } finally {
    store.close();
  }
}

const files = readdirSync(TINY).filter((f) => f.endsWith('.yaml')).sort();

test('every tiny family sweep runs to the end into one database; EDFs overlay RegNetX and EfficientNet; one report compares RegNetX, ShuffleNetV2, GhostNet, ParNet and EfficientNet', async () => {
  for (const f of files) {
    const r = await dse(['run', join(TINY, f), '--quiet']);
    assert.equal(r.code, 0, `${f}: ${r.stderr}`);
  }
  const db = join(ROOT, 'db', 'tiny-families.sqlite');
  const knobs: Record<string, string[]> = { efficientnet: ['width_mult', 'depth_mult'], mobilenetv2: ['width_mult', 'depth_mult'], mobilenetv3: ['width_mult', 'variant'], fbnet: ['op'], pplcnet: ['scale', 'k', 'se'], mbconv_stages: ['exp_r', 'k', 'se_r'], regnetx: ['w0', 'wa', 'wm'],
    shufflenetv2: ['width', 'depth', 'k'], shufflenetv2plus: ['choice'], ghostnet: ['width', 'ratio', 'k', 'se'], squeezenet: ['base_e', 'incr_e', 'pool'], peleenet: ['depth'], condensenet: ['depth', 'groups'], parnet: ['streams', 'depth'] };
  for (const f of files) {
    const name = f.replace('.yaml', '');
    const trials = trialsOf(db, `tiny-${name}`);
    assert.equal(trials.length, 2, name);
    for (const t of trials) {
      // a sample that quantizes to an earlier trial's network is that network, trained once
      if (t.duplicate_of != null) continue;
      assert.equal(t.status, 'done', `${name}: ${t.last_error}`);
      assert.ok(Number.isFinite(t.final_test_err), name);
      for (const k of knobs[name]) assert.ok(t.values?.[k] !== undefined, `${name} stores ${k}`);
    }
  }
  // The family knobs are query columns.
  const q = await dse(['query', '--db', db, '--sweep', 'tiny-efficientnet', '--columns', 'idx,width_mult,depth_mult,res_mult,resolution', '--format', 'json']);
  assert.equal(q.code, 0, q.stderr);
  const rows = JSON.parse(q.stdout) as { width_mult: number; depth_mult: number; res_mult: number; resolution: number }[];
  assert.equal(rows.length, 2);
  for (const row of rows) {
    assert.ok(row.width_mult >= 0.1 && row.width_mult <= 0.25);
    assert.equal(row.resolution, Math.round(28 * row.res_mult), 'Fashion-MNIST resized by res_mult');
  }
  const edf = await dse(['plot', 'edf', 'tiny-regnetx', 'tiny-efficientnet', 'tiny-fbnet', '--db', db, '-o', 'edf.svg']);
  assert.equal(edf.code, 0, edf.stderr);
  const svg = readFileSync(join(ROOT, 'edf.svg'), 'utf8');
  for (const s of ['tiny-regnetx', 'tiny-efficientnet', 'tiny-fbnet']) assert.ok(svg.includes(s), `the EDF names ${s}`);
  // one report overlays a channel-mixing family, GhostNet, ParNet's graph, RegNetX and a mobile family
  const compared = ['tiny-regnetx', 'tiny-shufflenetv2', 'tiny-ghostnet', 'tiny-parnet', 'tiny-efficientnet'];
  const report = await dse(['analyze', ...compared, '--db', db, '-o', 'report.html', '--samples', '200']);
  assert.equal(report.code, 0, report.stderr);
  const html = readFileSync(join(ROOT, 'report.html'), 'utf8');
  for (const s of compared) assert.ok(html.includes(s), `the report names ${s}`);
});

test('every tiny family sweep trains on the tfjs engine too', async () => {
  const db = join(ROOT, 'tiny-tfjs.sqlite');
  for (const f of files) {
    const r = await dse(['run', join(TINY, f), '--engine', 'tfjs', '--db', db, '--quiet']);
    assert.equal(r.code, 0, `${f}: ${r.stderr}`);
    for (const t of trialsOf(db, `tiny-${f.replace('.yaml', '')}`)) {
      if (t.duplicate_of != null) continue;
      assert.equal(t.status, 'done', `${f}: ${t.last_error}`);
      assert.equal(t.params_built, t.cx.params, `${f}: the tfjs network has the counted parameters`);
    }
  }
});

test('a sampled resolution: each model trains on the dataset resized to its input, in both engines; the analysis splits by it', async () => {
  const experiment = (engine: string) =>
    [
      `name: res-${engine}`,
      'n: 4',
      'seed: 1',
      'space:',
      '  kind: family',
      '  family: mobilenetv2',
      '  params:',
      '    width_mult: {dist: choice, values: [0.1, 0.15]}',
      '    resolution: {dist: choice, values: [24, 32]}',
      'dataset: {name: fashion-mnist, train_size: 128, test_size: 64}',
      'recipe: {epochs: 1, batch_size: 32, augment_pad: 0, augment_flip: false}',
      `engine: ${engine}`,
      'resources: {cpu_workers: 2}',
      'db: res.sqlite',
      '',
    ].join('\n');
  for (const engine of ['torch', 'tfjs']) {
    writeFileSync(join(ROOT, `res-${engine}.yaml`), experiment(engine));
    const r = await dse(['run', `res-${engine}.yaml`, '--quiet']);
    assert.equal(r.code, 0, `${engine}: ${r.stderr}`);
    const trials = trialsOf(join(ROOT, 'res.sqlite'), `res-${engine}`);
    assert.deepEqual(trials.map((t) => `${t.params.width_mult}@${t.spec.input.resolution}`).sort(), ['0.15@24', '0.15@32', '0.1@24', '0.1@32']);
    for (const t of trials) assert.equal(t.status, 'done', `${engine}: ${t.last_error}`);
  }
  // Fashion-MNIST is 28px: prepared once per resolution, at 24 and 32 (and the native 28), and reused by the second engine.
  const prepared = readdirSync(CACHE).filter((f) => f.startsWith('fashion-mnist-') && f.endsWith('.dsedata'));
  assert.ok(prepared.length >= 3, prepared.join(', '));
  const split = await dse(['plot', 'edf', 'res-torch', 'res-tfjs', '--db', 'res.sqlite', '--split', 'resolution', '-o', 'split.svg', '--samples', '500']);
  assert.equal(split.code, 0, split.stderr);
  assert.match(split.stdout, /res-torch, by resolution \(bootstrap: 500 rounds of 25% of 4 models\):\n\s+resolution\s+n\s+min\s+median\s+wins\s+best 95%\n\s+24\s+2\s/);
  assert.ok(existsSync(join(ROOT, 'split.svg')));
  const svg = readFileSync(join(ROOT, 'split.svg'), 'utf8');
  assert.ok(svg.includes('res-tfjs resolution=32'));
});

test('a sampled resolution that cannot be prepared stops the run before any slot starts, in one line; the trials stay pending', async () => {
  const file = join(ROOT, 'res-fail.yaml');
  writeFileSync(file, ['name: res-fail', 'n: 4', 'seed: 1', 'space:', '  kind: family', '  family: mobilenetv2', '  params:', '    width_mult: {dist: choice, values: [0.1, 0.15]}', '    resolution: {dist: choice, values: [24, 32]}', 'dataset: {name: synthetic, train_size: 64, test_size: 32}', 'engine: tfjs', ''].join('\n'));
  const dbPath = join(ROOT, 'res-fail.sqlite');
  let slotsStarted = false;
  const prepare = (cfg: Parameters<typeof prepareDataset>[0]) => {
    if (cfg.resolution === 24) throw new DatasetError('24px: out of disk space');
    return prepareDataset(cfg, CACHE);
  };
  await assert.rejects(
    runSweep({ experiment: loadExperiment(file), dbPath, prepareDataset: prepare, createSlots: async () => ((slotsStarted = true), []) }),
    (e: Error) => e instanceof UserError && e.message === 'dataset at 24px: 24px: out of disk space',
  );
  assert.equal(slotsStarted, false);
  const store = openStore(dbPath, { readonly: true });
  try {
    assert.notEqual(store.getSweep('res-fail')!.status, 'running');
    assert.deepEqual(store.readTrials('res-fail').map((t) => t.status), ['pending', 'pending', 'pending', 'pending']);
  } finally {
    store.close();
  }
});
