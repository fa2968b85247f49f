/** `dse train` and `dse data` through the real CLI (a spawned node process). */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { packageRoot } from '../src/util/paths.js';
import { torchMissing } from './helpers/torchData.js';

const root = mkdtempSync(join(tmpdir(), 'dse-cli-train-'));
after(() => rmSync(root, { recursive: true, force: true }));
const cli = join(packageRoot(), 'dist', 'src', 'cli', 'index.js');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function dse(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { env: { ...process.env, DSE_CACHE_DIR: join(root, 'cache'), DSE_DATA_DIR: join(root, 'data'), ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A one-epoch training of a 2.5k-parameter network on 64 synthetic 8x8 images, 8 of them held out for validation. */
const TINY = [
  'train', '--model', 'anynet', '--depths', '1', '--widths', '8', '--strides', '1', '--block', 'res_basic_block',
  '--stem', 'res_stem_cifar', '--stem-w', '8', '--resolution', '8', '--classes', '4',
  '--dataset', 'synthetic', '--train-size', '64', '--val-size', '8', '--test-size', '32', '--epochs', '1', '--batch-size', '16',
];

function assertOneLineError(run: Run, ...parts: string[]): void {
  assert.equal(run.code, 2, `exit code ${run.code}; stderr: ${run.stderr}`);
  const lines = run.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `expected one line on stderr, got: ${run.stderr}`);
  assert.match(lines[0], /^dse: /);
  for (const p of parts) assert.ok(lines[0].includes(p), `"${lines[0]}" lacks "${p}"`);
}

describe('dse train', () => {
  for (const engine of ['torch', 'tfjs']) {
    test(`trains a tiny model end to end with --engine ${engine}`, async (t) => {
      const missing = engine === 'torch' ? await torchMissing() : null;
      if (missing) return t.skip(missing);
      const run = await dse([...TINY, '--engine', engine]);
      assert.equal(run.code, 0, run.stderr);
      const out = run.stdout;
      assert.match(out, /^model: 3x8x8 input, 1 blocks, 4 classes$/m);
      assert.match(out, /^flops\s+\S+ kF \([\d,]+\)$/m);
      assert.match(out, /^dataset synthetic: 56 train \/ 8 validation \/ 32 test, 3x8x8, 4 classes, mean \[/m);
      assert.match(out, new RegExp(`^training on ${engine}:\\S+#0 \\(cpu\\): 1 epochs, batch 16, lr 0.1, wd 0.0005$`, 'm'));
      assert.match(out, /^epoch\s+lr\s+train_loss\s+train_err\s+val_err\s+test_err\s+seconds\s+img\/s$/m);
      assert.match(out, /^\s+1\s+0\.01250\s+\d+\.\d{4}\s+\d+\.\d{2}\s+\d+\.\d{2}\s+\d+\.\d{2}\s/m);
      assert.match(out, /^final validation error \d+\.\d{2}%, best \d+\.\d{2}%\nfinal test error \d+\.\d{2}%, best \d+\.\d{2}%$/m);
      assert.match(out, new RegExp(`^result: done on ${engine}:\\S+#0 in `, 'm'));
      assert.match(out, /^params built [\d,]+ \(matches the count\)$/m);
    });
  }

  test('--json prints one object; a diverging run fails with exit 2 and one line', async (t) => {
    const missing = await torchMissing();
    if (missing) return t.skip(missing);
    const run = await dse([...TINY, '--engine', 'torch', '--json'], { DSE_TEST_FAULT: 'nan' });
    const json = JSON.parse(run.stdout) as { result: { status: string; error: string }; complexity: { params: number }; dataset: { train_n: number } };
    assert.equal(json.result.status, 'failed');
    assert.match(json.result.error, /non-finite/i);
    assert.equal(json.dataset.train_n, 56);
    assertOneLineError(run, 'training failed', 'non-finite');
  });

  test('SIGINT stops the training cleanly: the trial is reported interrupted', async (t) => {
    const missing = await torchMissing();
    if (missing) return t.skip(missing);
    const child = spawn(process.execPath, [cli, ...TINY, '--engine', 'torch'], { env: { ...process.env, DSE_CACHE_DIR: join(root, 'cache'), DSE_TEST_FAULT: 'hang' } });
    let stdout = '';
    let stderr = '';
    let interrupted = false;
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.on('data', (d) => {
      stdout += d;
      if (!interrupted && /^training on torch:cpu#0/m.test(stdout)) interrupted = child.kill('SIGINT');
    });
    const code = await new Promise((resolve) => child.on('close', resolve));
    assert.equal(code, 2, stderr);
    assert.match(stdout, /^result: interrupted on torch:cpu#0/m);
    assert.match(stderr, /^dse: interrupted; stopping the training/m);
    assert.match(stderr, /^dse: training interrupted$/m);
  });

  test('the spec can come from a file; flags and --spec together are refused', async () => {
    const spec = {
      version: 1, input: { channels: 1, resolution: 8 }, stem: { type: 'res_stem_cifar', w_out: 8 },
      blocks: [{ type: 'res_basic_block', w_in: 8, w_out: 8, stride: 1, stage: 0 }], head: { num_classes: 10, head_w: 0 },
    };
    const file = join(root, 'spec.json');
    writeFileSync(file, JSON.stringify({ spec }));
    assertOneLineError(await dse(['train', '--spec', file, '--depths', '1']), '--depths', 'either --spec or model flags');
    assertOneLineError(await dse(['train', '--spec', file, '--dataset', 'cifar10', '--data-dir', join(root, 'nowhere')]), 'cifar10', 'does not exist');
    writeFileSync(file, '{"spec": {"version": 1,');
    assertOneLineError(await dse(['train', '--spec', file]), '--spec', 'not valid JSON');
  });

  test('a missing dataset is one line naming the path and the fix, exit 2', async () => {
    const run = await dse([...TINY.filter((a) => !['synthetic', '--dataset', '--classes', '4'].includes(a)), '--dataset', 'fashion-mnist', '--data-dir', root]);
    assertOneLineError(run, `fashion-mnist: ${join(root, 'train-images-idx3-ubyte.gz')} not found`, 'apt-get install dataset-fashion-mnist', '--data-dir');
    const cifar = await dse(['train', '--model', 'anynet', '--depths', '1', '--widths', '8', '--dataset', 'cifar10']);
    assertOneLineError(cifar, `cifar10: ${join(root, 'data', 'cifar10', 'cifar-10-batches-bin', 'data_batch_1.bin')} not found`, 'dse data download cifar10');
  });

  test('bad flags are one-line errors', async () => {
    assertOneLineError(await dse([...TINY, '--engine', 'jax']), '--engine', 'torch, tfjs');
    assertOneLineError(await dse([...TINY, '--epochs', '0']), '--epochs');
    assertOneLineError(await dse([...TINY, '--engine', 'tfjs', '--device', 'cuda']), '--device');
  });
});

describe('dse data', () => {
  test('download without internet fails in one line naming the URL', async () => {
    const run = await dse(['data', 'download', 'cifar10', '--data-dir', join(root, 'dl')], { DSE_CIFAR10_URL: 'http://127.0.0.1:9/x' });
    assertOneLineError(run, 'cifar10: cannot download http://127.0.0.1:9/x', '--archive');
  });

  test('info prints sizes, classes and channel statistics; check reports a broken folder', async () => {
    const run = await dse(['data', 'info', 'synthetic', '--train-size', '40', '--val-size', '8', '--test-size', '10', '--classes', '4', '--resolution', '8', '--json']);
    assert.equal(run.code, 0, run.stderr);
    const info = JSON.parse(run.stdout) as { train: number; val: number; test: number; mean: number[]; classes: { train: number }[] };
    assert.deepEqual([info.train, info.val, info.test, info.mean.length, info.classes.map((c) => c.train)], [32, 8, 10, 3, [8, 8, 8, 8]]);
    assertOneLineError(await dse(['data', 'check', 'cifar10', '--data-dir', root]), 'data_batch_1.bin not found');
    assertOneLineError(await dse(['data', 'info', 'imagenet']), 'unknown dataset "imagenet"');
  });
});
