import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Progress, formatDuration, paramsSummary } from '../src/cli/progress.js';
import type { TrainResult } from '../src/workers/engine.js';

/** A stand-in for process.stderr that records what is written. */
function sink(isTTY: boolean) {
  const chunks: string[] = [];
  const stream = { isTTY, columns: 200, write: (s: string) => chunks.push(s) > 0 } as unknown as NodeJS.WriteStream;
  return { stream, text: () => chunks.join('') };
}

function result(status: TrainResult['status'], err: number | null, error: string | null = null): TrainResult {
  return { trial_id: 's:1', status, epochs: [], final_test_err: err, best_test_err: err, params_built: null, peak_mem_bytes: null, seconds: 12.34, error, worker: 'torch:cpu#0', device: 'cpu' };
}

const regnet = { index: 3, params: { depth: 13, w0: 24, wa: 36.972, wm: 2.2437, group_w: 8, bot_mul: 1, ws: [24, 56], ds: [4, 9] }, flops: 121_500_000 };

test('without a terminal, each finished training is one plain line', () => {
  const out = sink(false);
  const p = new Progress({ total: 10, done: 2, failed: 0, best: 30.5, stream: out.stream });
  p.started();
  p.finished(regnet, result('done', 28.25), true);
  p.finished(regnet, result('failed', null, 'non-finite train loss (nan) in epoch 1\n--- trainer stderr ---\nboom'), false);
  p.finished(regnet, result('failed', null, 'non-finite train loss (nan) in epoch 1'), true);
  p.stop();
  assert.deepEqual(out.text().split('\n'), [
    'trial 3 done  error 28.25%  d=13 w0=24 wa=36.972 wm=2.244 g=8 b=1 flops=121.5M  12.3 s  [3/10, best 28.25%]',
    'trial 3 failed (will retry)  non-finite train loss (nan) in epoch 1  d=13 w0=24 wa=36.972 wm=2.244 g=8 b=1 flops=121.5M  12.3 s  [3/10, best 28.25%]',
    'trial 3 failed  non-finite train loss (nan) in epoch 1  d=13 w0=24 wa=36.972 wm=2.244 g=8 b=1 flops=121.5M  12.3 s  [4/10, best 28.25%]',
    '',
  ]);
});

test('on a terminal, one status line is redrawn in place', () => {
  const out = sink(true);
  const p = new Progress({ total: 4, done: 1, failed: 0, best: null, stream: out.stream });
  assert.equal(p.eta(), null);
  p.started();
  p.started();
  p.finished(regnet, result('done', 40), true);
  assert.match(p.statusLine(), /^\[#{12}\.{12}\] 2\/4 \| 2 done \| 0 failed \| 1 running \| best 40\.00% \| ETA \d+s$/);
  p.note('stopping');
  p.stop();
  const text = out.text();
  assert.ok(text.includes('\r\x1b[2K'), 'redraws with carriage return + clear line');
  assert.ok(text.includes('stopping\n'));
  assert.ok(text.endsWith('\n'));
  assert.ok(!text.includes('trial 3 done'), 'no per-trial lines on a terminal');
});

test('AnyNet samples are summarized per stage, family samples by their knobs; durations are short', () => {
  assert.equal(paramsSummary({ index: 0, params: { ds: [1, 2], ws: [16, 32], gs: [8, 8], bs: [1, 1] }, flops: 2500 }), 'ds=1,2 ws=16,32 gs=8,8 bs=1,1 flops=2.5K');
  const family = { width: 0.42, depth: 0.371, act: 'silu', cifar: true, op: ['k3_e1', 'skip'], resolution: 40 };
  assert.equal(paramsSummary({ index: 0, params: family, flops: 116e6 }), 'width=0.42 depth=0.371 act=silu resolution=40 flops=116.0M', 'a family: its scalar knobs');
  assert.equal(formatDuration(42), '42s');
  assert.equal(formatDuration(3 * 60 + 5), '3m05s');
  assert.equal(formatDuration(2 * 3600 + 7 * 60), '2h07m');
});
