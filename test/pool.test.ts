/**
 * Pool scheduling with scripted in-process slots: concurrency, incremental feeding, failures,
 * aborts, and slots that cannot restart. (test/pool-engines.test.ts runs the real engines.)
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EngineUnavailableError, type EngineSlot, type EpochMetrics, type TrainRequest, type TrainResult, DEFAULT_RECIPE } from '../src/workers/engine.js';
import { Pool, syntheticResult } from '../src/workers/pool.js';
import { planSlots } from '../src/workers/slots.js';
import type { ModelSpec } from '../src/space/spec.js';

/** What a scripted slot does with a trial, chosen by the trial id's prefix. */
type Behaviour = 'ok' | 'throw' | 'nan-epoch' | 'nan-deaf' | 'nan-done' | 'hang' | 'deaf' | 'unavailable';

const spec = { version: 1 } as unknown as ModelSpec;
const dataset = { name: 'synthetic', path: '/nonexistent', num_classes: 10, channels: 3, resolution: 8, mean: [0.5], std: [0.2] };
const request = (id: string): TrainRequest => ({ trial_id: id, spec, dataset, recipe: { ...DEFAULT_RECIPE, epochs: 2 }, device: 'cpu' });
const epoch = (e: number, loss = 1): EpochMetrics => ({ epoch: e, lr: 0.1, train_loss: loss, train_err: 50, test_err: 40 - e, seconds: 0, images_per_sec: 1 });
const tick = () => new Promise((resolve) => setImmediate(resolve));

class ScriptedSlot implements EngineSlot {
  readonly engine = 'torch' as const;
  busy = false;
  ran: string[] = [];
  constructor(readonly name: string) {}

  async train(req: TrainRequest, onEpoch: (m: EpochMetrics) => void, signal: AbortSignal): Promise<TrainResult> {
    assert.equal(this.busy, false, `${this.name} got a second trial while busy`);
    this.busy = true;
    this.ran.push(req.trial_id);
    try {
      const behaviour = req.trial_id.replace(/-\d+$/, '') as Behaviour;
      await tick();
      if (behaviour === 'throw') throw new Error('boom: CUDA error: an illegal memory access');
      if (behaviour === 'unavailable') throw new EngineUnavailableError('gone');
      if (behaviour === 'hang' || behaviour === 'deaf') {
        if (behaviour === 'deaf') await new Promise(() => {});
        if (!signal.aborted) await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
        return syntheticResult(req, this.name, 'interrupted', null as unknown as string);
      }
      onEpoch(epoch(1, behaviour === 'nan-epoch' || behaviour === 'nan-deaf' ? NaN : 1));
      if (behaviour === 'nan-deaf') await new Promise(() => {});
      if (signal.aborted) return syntheticResult(req, this.name, 'interrupted', 'stopped');
      await tick();
      const epochs = [epoch(1), epoch(2, behaviour === 'nan-done' ? Infinity : 0.5)];
      onEpoch(epochs[1]);
      return { ...syntheticResult(req, this.name, 'done', null as unknown as string, 0.01, epochs), params_built: 123 };
    } finally {
      this.busy = false;
    }
  }

  async close(): Promise<void> {}
}

/** A scripted slot with start(): its engine "dies" in every trial and can restart `restarts` times. */
class RestartingSlot extends ScriptedSlot {
  starts = 0;
  constructor(name: string, private readonly restarts: number) {
    super(name);
  }
  async start(): Promise<void> {
    await tick();
    if (this.starts++ > this.restarts) throw new Error(`${this.name}: python exited before it was ready (exit code 1)`);
  }
}

/** Runs a pool and records, in order, what happened. */
async function runRecorded(slots: EngineSlot[], ids: string[], extra: { abortAfterStarts?: number; abortGraceMs?: number; feed?: (r: TrainResult, push: (id: string) => void) => void } = {}) {
  const events: string[] = [];
  let running = 0;
  let maxRunning = 0;
  const slotsUsed = new Set<string>();
  const lost: string[] = [];
  let starts = 0;
  const pool: Pool = new Pool(slots, {
    abortGraceMs: extra.abortGraceMs,
    onStart: (req, slot) => {
      events.push(`start ${req.trial_id}`);
      slotsUsed.add(slot);
      maxRunning = Math.max(maxRunning, ++running);
      if (++starts === extra.abortAfterStarts) setImmediate(() => pool.abort());
    },
    onResult: (r) => {
      running--;
      events.push(`${r.status} ${r.trial_id}`);
      extra.feed?.(r, (id) => pool.push(request(id)));
    },
    onSlotLost: (name, error) => lost.push(`${name}: ${error}`),
  });
  pool.push(...ids.map(request));
  const summary = await pool.run();
  return { summary, events, maxRunning, slotsUsed, lost, pool };
}

describe('pool', () => {
  test('never runs more trials than slots, uses every slot, and finishes the queue', async () => {
    const slots = [new ScriptedSlot('a'), new ScriptedSlot('b')];
    const ids = ['ok-1', 'ok-2', 'ok-3', 'ok-4', 'ok-5'];
    const { summary, maxRunning, slotsUsed, events } = await runRecorded(slots, ids);
    assert.equal(maxRunning, 2);
    assert.deepEqual([...slotsUsed].sort(), ['a', 'b']);
    assert.equal(summary.done, 5);
    assert.deepEqual(summary.results.map((r) => r.trial_id).sort(), ids);
    assert.deepEqual(events.slice(0, 2), ['start ok-1', 'start ok-2']);
    assert.ok(summary.results.every((r) => r.final_test_err === 38 && r.best_test_err === 38 && (r.worker === 'a' || r.worker === 'b')));
    assert.deepEqual(summary.notStarted, []);
  });

  test('takes trials pushed while it runs, including from onResult', async () => {
    let next = 2;
    const { summary, maxRunning } = await runRecorded([new ScriptedSlot('a'), new ScriptedSlot('b'), new ScriptedSlot('c')], ['ok-0', 'ok-1'], {
      feed: (_r, push) => {
        if (next < 8) push(`ok-${next++}`);
      },
    });
    assert.equal(summary.done, 8);
    assert.ok(maxRunning <= 3);
  });

  test('a throwing trial and non-finite losses fail; the others finish', async () => {
    const { summary } = await runRecorded([new ScriptedSlot('a'), new ScriptedSlot('b')], ['ok-1', 'throw-2', 'nan-epoch-3', 'nan-done-4', 'ok-5']);
    const byId = new Map(summary.results.map((r) => [r.trial_id, r]));
    assert.equal(byId.get('ok-1')!.status, 'done');
    assert.equal(byId.get('ok-5')!.status, 'done');
    assert.equal(byId.get('throw-2')!.status, 'failed');
    assert.match(byId.get('throw-2')!.error!, /illegal memory access/);
    assert.equal(byId.get('nan-epoch-3')!.status, 'failed');
    assert.match(byId.get('nan-epoch-3')!.error!, /non-finite training loss \(NaN\) at epoch 1/);
    assert.equal(byId.get('nan-done-4')!.status, 'failed');
    assert.match(byId.get('nan-done-4')!.error!, /non-finite training loss \(Infinity\) at epoch 2/);
    assert.equal(byId.get('nan-done-4')!.final_test_err, null);
    assert.deepEqual([summary.done, summary.failed], [2, 3]);
  });

  test('abort: running trials come back interrupted and queued ones never start', async () => {
    const { summary, events } = await runRecorded([new ScriptedSlot('a'), new ScriptedSlot('b')], ['hang-1', 'hang-2', 'ok-3', 'ok-4'], { abortAfterStarts: 2 });
    assert.equal(summary.aborted, true);
    assert.deepEqual(summary.results.map((r) => `${r.trial_id} ${r.status}`).sort(), ['hang-1 interrupted', 'hang-2 interrupted']);
    assert.deepEqual(summary.notStarted.map((r) => r.trial_id), ['ok-3', 'ok-4']);
    assert.deepEqual(events.filter((e) => e.startsWith('start')), ['start hang-1', 'start hang-2']);
  });

  test('a trial that ignores the abort is reported interrupted after the grace period and its slot dropped', async () => {
    const { summary, lost } = await runRecorded([new ScriptedSlot('a')], ['deaf-1', 'ok-2'], { abortAfterStarts: 1, abortGraceMs: 30 });
    assert.equal(summary.results[0].status, 'interrupted');
    assert.match(summary.results[0].error!, /did not stop in time/);
    assert.deepEqual(summary.slotsLost, ['a']);
    assert.equal(lost.length, 1);
    assert.deepEqual(summary.notStarted.map((r) => r.trial_id), ['ok-2']);
  });

  test('a trial stopped for a non-finite loss that ignores the stop fails after the grace period; its slot is dropped and the rest go on', async () => {
    const { summary, lost } = await runRecorded([new ScriptedSlot('a'), new ScriptedSlot('b')], ['nan-deaf-1', 'ok-2', 'ok-3'], { abortGraceMs: 30 });
    const byId = Object.fromEntries(summary.results.map((r) => [r.trial_id, r]));
    assert.equal(byId['nan-deaf-1'].status, 'failed');
    assert.match(byId['nan-deaf-1'].error!, /non-finite training loss \(NaN\) at epoch 1/);
    assert.equal(byId['ok-2'].status, 'done');
    assert.equal(byId['ok-3'].status, 'done');
    assert.deepEqual(summary.slotsLost, ['a']);
    assert.equal(lost.length, 1);
  });

  test('a callback that throws aborts the pool and run() rejects with its error', async () => {
    const delivered: string[] = [];
    const pool = new Pool([new ScriptedSlot('a'), new ScriptedSlot('b')], {
      onResult: (r) => {
        delivered.push(`${r.trial_id} ${r.status}`);
        if (r.trial_id === 'ok-1') throw new Error('database is locked');
      },
    });
    pool.push(request('ok-1'), request('hang-2'), request('ok-3'));
    await assert.rejects(pool.run(), /database is locked/);
    assert.deepEqual(delivered, ['ok-1 done', 'hang-2 interrupted']);
    assert.equal(pool.queued, 1);
  });

  test('an abort signal given up front starts nothing', async () => {
    const ctl = new AbortController();
    ctl.abort();
    const pool = new Pool([new ScriptedSlot('a')], { signal: ctl.signal });
    pool.push(request('ok-1'));
    const summary = await pool.run();
    assert.deepEqual([summary.results.length, summary.notStarted.length, summary.aborted], [0, 1, true]);
  });

  test('a slot whose engine cannot restart is dropped; the others take its trials', async () => {
    const flaky = new RestartingSlot('flaky', 1);
    const steady = new ScriptedSlot('steady');
    const ids = Array.from({ length: 6 }, (_, i) => `ok-${i}`);
    const { summary, lost } = await runRecorded([flaky, steady], ids);
    assert.equal(summary.done, 6);
    assert.deepEqual(summary.slotsLost, ['flaky']);
    assert.match(lost[0], /^flaky: flaky: python exited before it was ready/);
    assert.ok(flaky.ran.length >= 1 && flaky.ran.length <= 2, `flaky ran ${flaky.ran}`);
    assert.equal(flaky.ran.length + steady.ran.length, 6, 'no trial ran twice');
  });

  test('EngineUnavailableError from train() drops the slot and requeues its trial', async () => {
    const { summary } = await runRecorded([new ScriptedSlot('a'), new ScriptedSlot('b')], ['unavailable-1', 'ok-2', 'ok-3']);
    // The 'unavailable' trial kills whichever slot takes it, so it ends failing when none is left.
    assert.deepEqual(summary.slotsLost.sort(), ['a', 'b']);
    const failed = summary.results.find((r) => r.trial_id === 'unavailable-1')!;
    assert.equal(failed.status, 'failed');
    assert.match(failed.error!, /no worker left to run it: all 2 slot\(s\) failed to start \(last: [ab]: gone\)/);
  });

  test('with no slot left, the rest of the queue fails clearly', async () => {
    const { summary, events } = await runRecorded([new RestartingSlot('only', -1)], ['ok-1', 'ok-2']);
    assert.deepEqual(events, ['failed ok-1', 'failed ok-2']);
    assert.deepEqual(summary.slotsLost, ['only']);
    assert.match(summary.results[1].error!, /no worker left to run it: all 1 slot\(s\) failed to start \(last: only: only: python exited before it was ready \(exit code 1\)\)/);
  });
});

describe('slot plans', () => {
  test('GPUs x trials per GPU, each with its own device; CPU workers share the cores', () => {
    const gpu = planSlots({ engine: 'torch', gpus: [0, 1], trials_per_gpu: 2, cpu_workers: 1 }, 16);
    assert.deepEqual(gpu.map((p) => `${p.name} ${p.cudaDevice} ${p.threads}`), ['torch:cuda0#0 0 4', 'torch:cuda0#1 0 4', 'torch:cuda1#0 1 4', 'torch:cuda1#1 1 4']);
    const cpu = planSlots({ engine: 'torch', gpus: [], trials_per_gpu: 1, cpu_workers: 3 }, 8);
    assert.deepEqual(cpu.map((p) => `${p.name} ${p.cudaDevice} ${p.threads}`), ['torch:cpu#0 null 2', 'torch:cpu#1 null 2', 'torch:cpu#2 null 2']);
    assert.deepEqual(planSlots({ engine: 'tfjs', gpus: [], trials_per_gpu: 1, cpu_workers: 4, backend: 'wasm' }, 2).map((p) => `${p.name} ${p.threads}`), ['tfjs:wasm#0 1', 'tfjs:wasm#1 1', 'tfjs:wasm#2 1', 'tfjs:wasm#3 1']);
    // pinned threads (a sweep that must reproduce on a machine with other cores)
    assert.deepEqual(planSlots({ engine: 'torch', gpus: [], trials_per_gpu: 1, cpu_workers: 2, threads_per_worker: 3 }, 64).map((p) => p.threads), [3, 3]);
    assert.deepEqual(planSlots({ engine: 'torch', gpus: [0], trials_per_gpu: 2, cpu_workers: 1, threads_per_worker: 1 }, 64).map((p) => p.threads), [1, 1]);
  });

  test('bad resources are one-line errors naming the flag', () => {
    const bad = (r: Parameters<typeof planSlots>[0], re: RegExp) => assert.throws(() => planSlots(r, 4), (e: Error) => e.name === 'UserError' && re.test(e.message));
    bad({ engine: 'torch', gpus: [0, 0], trials_per_gpu: 1, cpu_workers: 1 }, /^--gpus: lists a GPU twice/);
    bad({ engine: 'torch', gpus: [-1], trials_per_gpu: 1, cpu_workers: 1 }, /^--gpus: must be an integer in \[0, 1023\]/);
    bad({ engine: 'torch', gpus: [0], trials_per_gpu: 0, cpu_workers: 1 }, /^--trials-per-gpu/);
    bad({ engine: 'torch', gpus: [], trials_per_gpu: 1, cpu_workers: 0 }, /^--cpu-workers/);
    bad({ engine: 'tfjs', gpus: [0], trials_per_gpu: 1, cpu_workers: 1 }, /^--gpus: the tfjs engine runs on CPU/);
    bad({ engine: 'jax' as 'torch', gpus: [], trials_per_gpu: 1, cpu_workers: 1 }, /^--engine/);
    bad({ engine: 'torch', gpus: [], trials_per_gpu: 1, cpu_workers: 1, threads_per_worker: 0 }, /^--threads-per-worker: must be an integer in \[1, 1024\]/);
  });
});
