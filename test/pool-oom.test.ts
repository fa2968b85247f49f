/**
 * Out of memory: reading the cgroup oom_kill counter, telling an OOM kill from another SIGKILL, the
 * torch trainer's CUDA-OOM and OOM-kill faults recorded as failure_kind 'oom' with peak memory, the
 * retry with gradient accumulation, and accumulation's gradients equal to the full batch's.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { packageRoot } from '../src/util/paths.js';
import { DEFAULT_RECIPE, type TrainRequest, failureKind } from '../src/workers/engine.js';
import { MemoryWatch, hostMemory, oomCounterCandidates, parseOomKills } from '../src/workers/memoryWatch.js';
import { findTorchPython } from '../src/workers/torch/python.js';
import { createTorchSlot } from '../src/workers/torch/slot.js';
import { SPEC, withDataset, torchMissing } from './helpers/torchData.js';

const ROOT = mkdtempSync(join(tmpdir(), 'dse-oom-'));
after(() => rmSync(ROOT, { recursive: true, force: true }));

describe('out-of-memory detection', () => {
  test('the oom_kill counter is found in cgroup v2 memory.events or v1 memory.oom_control', () => {
    assert.equal(parseOomKills('low 0\nhigh 0\nmax 3\noom 2\noom_kill 1\noom_group_kill 0\n'), 1);
    assert.equal(parseOomKills('oom_kill_disable 0\nunder_oom 0\noom_kill 7\n'), 7);
    assert.equal(parseOomKills('oom_kill_disable 0\n'), null);
    assert.deepEqual(oomCounterCandidates('0::/user.slice/session-1.scope\n'), ['/sys/fs/cgroup/user.slice/session-1.scope/memory.events', '/sys/fs/cgroup/memory.events']);
    assert.deepEqual(oomCounterCandidates('5:cpu,cpuacct:/\n4:memory:/docker/abc\n0::/\n'), [
      '/sys/fs/cgroup/memory/docker/abc/memory.oom_control', '/sys/fs/cgroup/memory/memory.oom_control', '/sys/fs/cgroup/memory.events',
    ]);
    assert.deepEqual(hostMemory('MemTotal:       1000 kB\nMemFree:  10 kB\nMemAvailable:    250 kB\n'), { available: 250 * 1024, total: 1000 * 1024 });
  });

  test('a SIGKILL counts as out of memory when the oom_kill counter rose while the process ran, with its peak RSS', async () => {
    const events = join(ROOT, 'memory.events');
    for (const bump of [true, false]) {
      writeFileSync(events, 'oom 0\noom_kill 4\n');
      const child = spawn(process.execPath, ['-e', 'const keep = Buffer.alloc(32 << 20, 1); console.log("ready"); setInterval(() => keep[0]++, 50)']);
      await new Promise((resolve) => child.stdout.once('data', resolve)); // its 32 MiB are resident
      const watch = new MemoryWatch(child.pid, { DSE_OOM_EVENTS_FILE: events });
      if (bump) writeFileSync(events, 'oom 1\noom_kill 5\n');
      const closed = new Promise((resolve) => child.on('close', resolve));
      child.kill('SIGKILL');
      await closed;
      const error = watch.oomError('the test process');
      if (bump) {
        assert.match(error ?? '', /^out of memory: the kernel OOM killer killed the test process \(SIGKILL; oom_kill 4 -> 5 in .*memory\.events\); peak RSS \d+\.\d MiB$/);
        assert.ok(watch.peakRssBytes! >= 32 << 20, `peak RSS ${watch.peakRssBytes}`);
      } else if (hostMemory()!.available > 2 ** 30) {
        assert.equal(error, null, 'a SIGKILL with the counter unchanged and memory to spare is no OOM');
      }
    }
  });

  test('failureKind: the engine\'s kind, else "out of memory:" errors are oom and other failures error', () => {
    assert.equal(failureKind({ status: 'failed', error: 'out of memory: CUDA out of memory', failure_kind: undefined }), 'oom');
    assert.equal(failureKind({ status: 'failed', error: 'boom', failure_kind: undefined }), 'error');
    assert.equal(failureKind({ status: 'failed', error: 'x', failure_kind: 'timeout' }), 'timeout');
    assert.equal(failureKind({ status: 'done', error: null, failure_kind: undefined }), null);
  });
});

describe('out of memory in the torch trainer', () => {
  const recipe = { ...DEFAULT_RECIPE, epochs: 1, batch_size: 32, augment_pad: 1 };

  test('an OOM kill (SIGKILL with the counter raised) and a CUDA OOM fail as oom with peak memory; with accumulation the trial trains', async (t) => {
    const missing = await torchMissing();
    if (missing) return t.skip(missing);
    const events = join(ROOT, 'trainer-memory.events');
    writeFileSync(events, 'oom 0\noom_kill 0\n');
    await withDataset(async (dataset) => {
      const slot = await createTorchSlot({ name: 'torch:cpu#oom', cudaDevice: null, threads: 1, env: { DSE_TEST_FAULT: 'oomkill@killed,oom@cuda', DSE_OOM_EVENTS_FILE: events } });
      try {
        const req = (id: string, accum?: number): TrainRequest => ({ trial_id: id, spec: SPEC, dataset, recipe, device: 'cpu', ...(accum ? { accum_steps: accum } : {}) });
        const killed = await slot.train(req('killed'), () => {}, new AbortController().signal);
        assert.equal(killed.status, 'failed');
        assert.equal(killed.failure_kind, 'oom');
        assert.match(killed.error!, /^out of memory: the kernel OOM killer killed the torch trainer of trial killed \(SIGKILL; oom_kill 0 -> 1 in /);
        assert.ok(killed.peak_mem_bytes! > 10 << 20, `peak RSS of the killed trainer: ${killed.peak_mem_bytes}`);

        const cuda = await slot.train(req('cuda'), () => {}, new AbortController().signal);
        assert.equal(cuda.failure_kind, 'oom');
        assert.match(cuda.error!, /^out of memory: CUDA out of memory\. Tried to allocate 2\.00 GiB \(injected test fault DSE_TEST_FAULT=oom\); peak \d+\.\d+ [MG]iB; batch 32/);
        assert.ok(cuda.peak_mem_bytes! > 0);

        const retried = await slot.train(req('killed', 2), () => {}, new AbortController().signal);
        assert.equal(retried.status, 'done', retried.error ?? '');
        assert.equal(retried.accum_steps, 2);
      } finally {
        await slot.close();
      }
    });
  });

  test('two accumulated half batches give the full batch\'s gradients (within 1e-5)', async (t) => {
    const missing = await torchMissing();
    if (missing) return t.skip(missing);
    const { python } = await findTorchPython();
    const script = [
      'import torch, torch.nn as nn',
      'from dse_torch.train import backward_accumulated',
      'torch.manual_seed(0)',
      'model = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 5)).double()',
      'x, y = torch.randn(10, 3, 6, 6, dtype=torch.float64), torch.randint(0, 5, (10,))',
      'loss_fn = nn.CrossEntropyLoss(label_smoothing=0.1)',
      'grads = []',
      'for accum in (1, 2, 3):',
      '    model.zero_grad()',
      '    loss_sum, correct = backward_accumulated(model, loss_fn, x, y, accum)',
      '    grads.append([p.grad.clone() for p in model.parameters()])',
      'diff = max((a - b).abs().max().item() for g in grads[1:] for a, b in zip(grads[0], g))',
      'print(diff)',
    ].join('\n');
    const out = await new Promise<string>((resolve, reject) =>
      execFile(python, ['-c', script], { env: { ...process.env, PYTHONPATH: join(packageRoot(), 'src', 'models', 'torch') } }, (err, stdout, stderr) => (err ? reject(new Error(stderr || err.message)) : resolve(stdout))),
    );
    const diff = Number(out.trim().split('\n').pop());
    assert.ok(Number.isFinite(diff) && diff < 1e-5, `max gradient difference ${out}`);
  });
});
