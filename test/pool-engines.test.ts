/**
 * The pool over real engines (torch trainer processes and tfjs worker threads), on tiny specs and
 * tiny synthetic data for one epoch: concurrency, a crashing and a NaN trial among good ones, and an
 * abort mid-run. Faults are injected with the engines' `test_fault` request field.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { prepareDataset } from '../src/models/data/index.js';
import { buildAnyNetSpec } from '../src/space/build.js';
import { DEFAULT_RECIPE, type DatasetRef, type EngineName, type EngineSlot, type TrainRequest, type TrainResult } from '../src/workers/engine.js';
import { Pool } from '../src/workers/pool.js';
import { createSlots } from '../src/workers/slots.js';
import { findTorchPython } from '../src/workers/torch/python.js';

const cache = mkdtempSync(join(tmpdir(), 'dse-pool-engines-'));
after(() => rmSync(cache, { recursive: true, force: true }));
let dataset: DatasetRef;
before(() => {
  dataset = prepareDataset({ name: 'synthetic', train_size: 64, test_size: 32, resolution: 8, channels: 3, num_classes: 4, seed: 1 }, cache);
});

const specOfWidth = (w: number) =>
  buildAnyNetSpec({ depths: [1], widths: [w], strides: [1] }, { stem: 'res_stem_cifar', stemW: 8, blockType: 'res_basic_block', resolution: 8, numClasses: 4 });

function request(id: string, width: number, fault?: 'crash' | 'nan' | 'hang'): TrainRequest {
  const req: TrainRequest & { test_fault?: string } = {
    trial_id: id, spec: specOfWidth(width), dataset, device: 'cpu',
    recipe: { ...DEFAULT_RECIPE, epochs: 1, batch_size: 16, augment_pad: 0, seed: 3 },
  };
  if (fault) req.test_fault = fault;
  return req;
}

interface Recorded {
  order: string[];
  maxRunning: number;
  slotsUsed: Set<string>;
  results: Map<string, TrainResult>;
}

async function runPool(slots: EngineSlot[], reqs: TrainRequest[], abortWhenRunning?: number) {
  const rec: Recorded = { order: [], maxRunning: 0, slotsUsed: new Set(), results: new Map() };
  let running = 0;
  const pool: Pool = new Pool(slots, {
    onStart: (req, slot) => {
      rec.order.push(`start ${req.trial_id}`);
      rec.slotsUsed.add(slot);
      rec.maxRunning = Math.max(rec.maxRunning, ++running);
      if (running === abortWhenRunning) setTimeout(() => pool.abort(), 300);
    },
    onResult: (r) => {
      running--;
      rec.order.push(`${r.status} ${r.trial_id}`);
      rec.results.set(r.trial_id, r);
    },
  });
  pool.push(...reqs);
  return { summary: await pool.run(), rec };
}

async function engineAvailable(engine: EngineName): Promise<string | null> {
  if (engine === 'tfjs') return null;
  try {
    await findTorchPython();
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

for (const engine of ['torch', 'tfjs'] as const) {
  describe(`pool over ${engine} slots`, () => {
    let slots: EngineSlot[] = [];
    let skip: string | null = null;
    before(async () => {
      skip = await engineAvailable(engine);
      if (!skip) slots = await createSlots({ engine, gpus: [], trials_per_gpu: 1, cpu_workers: 2, backend: engine === 'tfjs' ? 'cpu' : undefined });
    });
    after(async () => {
      await Promise.all(slots.map((s) => s.close()));
    });

    test('two slots run everything; a crash and a NaN fail while the others finish', async (t) => {
      if (skip) return t.skip(skip);
      const reqs = [request('good-1', 8), request('crash-2', 8, 'crash'), request('good-3', 16), request('nan-4', 8, 'nan'), request('good-5', 16)];
      const { summary, rec } = await runPool(slots, reqs);
      assert.equal(rec.maxRunning, 2, rec.order.join(', '));
      assert.equal(rec.slotsUsed.size, 2);
      assert.deepEqual(rec.order.slice(0, 2).sort(), ['start crash-2', 'start good-1']);
      for (const id of ['good-1', 'good-3', 'good-5']) {
        const r = rec.results.get(id)!;
        assert.equal(r.status, 'done', `${id}: ${r.error}`);
        assert.equal(r.epochs.length, 1);
        assert.ok(r.final_test_err !== null && r.final_test_err >= 0 && r.final_test_err <= 100);
        assert.ok(slots.some((s) => s.name === r.worker));
      }
      const crash = rec.results.get('crash-2')!;
      assert.equal(crash.status, 'failed');
      assert.match(crash.error!, engine === 'torch' ? /died.*SIGSEGV/s : /worker thread died/);
      const nan = rec.results.get('nan-4')!;
      assert.equal(nan.status, 'failed');
      assert.match(nan.error!, /non-finite/i);
      assert.deepEqual([summary.done, summary.failed, summary.interrupted, summary.slotsLost.length], [3, 2, 0, 0]);
    });

    test('abort mid-run: running trials come back interrupted, queued ones never start', async (t) => {
      if (skip) return t.skip(skip);
      const reqs = [request('hang-1', 8, 'hang'), request('hang-2', 8, 'hang'), request('queued-3', 8), request('queued-4', 8)];
      const { summary, rec } = await runPool(slots, reqs, 2);
      assert.equal(summary.aborted, true);
      assert.deepEqual(rec.order.filter((e) => e.startsWith('start')).sort(), ['start hang-1', 'start hang-2']);
      assert.deepEqual([...rec.results.values()].map((r) => `${r.trial_id} ${r.status}`).sort(), ['hang-1 interrupted', 'hang-2 interrupted']);
      assert.deepEqual(summary.notStarted.map((r) => r.trial_id), ['queued-3', 'queued-4']);
    });
  });
}

describe('createSlots', () => {
  test('a GPU slot where torch sees no GPU is refused in one line', async (t) => {
    let cuda: boolean;
    try {
      cuda = (await findTorchPython()).cuda;
    } catch (e) {
      return t.skip((e as Error).message);
    }
    if (cuda) return t.skip('this machine has a GPU');
    await assert.rejects(createSlots({ engine: 'torch', gpus: [0], trials_per_gpu: 1, cpu_workers: 1 }), (e: Error) => {
      assert.equal(e.name, 'UserError');
      assert.match(e.message, /^--gpus: torch sees no CUDA device with CUDA_VISIBLE_DEVICES=0 \(torch:cuda0#0\)/);
      return true;
    });
  });
});
