/**
 * Per-training time limits: the limit a recipe or the observed epoch times give, a hanging scripted
 * slot failed "timed out" with the pool going on, and a real torch trainer hang (DSE_TEST_FAULT=hang)
 * killed and its slot respawned for the next trial.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_RECIPE, type EngineSlot, type EpochMetrics, type Recipe, type TrainRequest, type TrainResult } from '../src/workers/engine.js';
import { Pool, syntheticResult } from '../src/workers/pool.js';
import { DERIVED_FLOOR_S, DERIVED_MULTIPLE, EpochClock, median } from '../src/workers/timeLimit.js';
import { findTorchPython } from '../src/workers/torch/python.js';
import { createTorchSlot } from '../src/workers/torch/slot.js';
import type { ModelSpec } from '../src/space/spec.js';
import { SPEC, withDataset } from './helpers/torchData.js';

const epoch = (e: number, seconds: number): EpochMetrics => ({ epoch: e, lr: 0.1, train_loss: 1, train_err: 50, test_err: 40, seconds, images_per_sec: 1 });
const spec = { version: 1 } as unknown as ModelSpec;
const dataset = { name: 'synthetic', path: '/nonexistent', num_classes: 10, channels: 3, resolution: 8, mean: [0.5], std: [0.2] };
const request = (id: string, recipe: Partial<Recipe> = {}): TrainRequest => ({ trial_id: id, spec, dataset, recipe: { ...DEFAULT_RECIPE, epochs: 2, ...recipe }, device: 'cpu' });

/** "hang-*" trials wait for the abort (as the torch slot does when its process is killed); others report two epochs. */
class HangingSlot implements EngineSlot {
  readonly engine = 'torch' as const;
  ran: string[] = [];
  constructor(readonly name: string) {}
  async train(req: TrainRequest, onEpoch: (m: EpochMetrics) => void, signal: AbortSignal): Promise<TrainResult> {
    this.ran.push(req.trial_id);
    if (req.trial_id.startsWith('hang')) {
      await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
      return syntheticResult(req, this.name, 'interrupted', 'interrupted');
    }
    const epochs = [epoch(1, 0.001), epoch(2, 0.001)];
    for (const m of epochs) {
      await new Promise((resolve) => setImmediate(resolve));
      onEpoch(m);
    }
    return syntheticResult(req, this.name, 'done', null as unknown as string, 0.002, epochs);
  }
  async close(): Promise<void> {}
}

describe('time limits', () => {
  test('recipe.max_minutes is the limit; else 10x the median epoch time x epochs, at least the floor; none before any epoch', () => {
    const clock = new EpochClock();
    const recipe = { ...DEFAULT_RECIPE, epochs: 10 };
    assert.equal(clock.limitFor(recipe, []), null);
    assert.deepEqual(clock.limitFor({ ...recipe, max_minutes: 30 }, []), { seconds: 1800, source: 'recipe.max_minutes = 30' });
    for (const s of [1, 2, 100]) clock.observe(epoch(1, s));
    assert.equal(median(clock.observed), 2);
    assert.equal(clock.limitFor(recipe, [])!.seconds, DERIVED_FLOOR_S, '10 x 2 s x 10 epochs is below the floor');
    clock.observe(epoch(1, 50));
    clock.observe(epoch(1, 60));
    assert.equal(clock.limitFor(recipe, [])!.seconds, DERIVED_MULTIPLE * 50 * 10);
    assert.match(clock.limitFor(recipe, [])!.source, /^derived from observed epoch times: 10 x expected ~8.3 min \(5 epoch\(s\) of this run\), at least 5 min/);
    // a training's own epochs say more about it than the others'
    assert.equal(clock.limitFor(recipe, [epoch(1, 300)])!.seconds, DERIVED_MULTIPLE * 300 * 10);
  });

  test('a hanging trial fails "timed out", its slot takes the next trial, and the pool ends', async () => {
    const slot = new HangingSlot('a');
    const results: TrainResult[] = [];
    const pool = new Pool([slot], { onResult: (r) => void results.push(r) });
    pool.push(request('hang-1', { max_minutes: 0.002 }), request('ok-2'));
    const summary = await pool.run();
    assert.deepEqual(slot.ran, ['hang-1', 'ok-2']);
    assert.deepEqual([summary.done, summary.failed, summary.slotsLost], [1, 1, []]);
    const hung = results.find((r) => r.trial_id === 'hang-1')!;
    assert.equal(hung.status, 'failed');
    assert.equal(hung.failure_kind, 'timeout');
    assert.match(hung.error!, /^timed out after 0\.002 min \(recipe\.max_minutes = 0\.002\)$/);
    assert.equal(results.find((r) => r.trial_id === 'ok-2')!.failure_kind, null);
  });

  test('without max_minutes a hang is limited once another training has reported epochs (the limit re-arms)', async () => {
    const slots = [new HangingSlot('a'), new HangingSlot('b')];
    const results: TrainResult[] = [];
    const pool = new Pool(slots, { epochClock: new EpochClock(10, 0.2), onResult: (r) => void results.push(r) });
    pool.push(request('hang-1'), request('ok-2'), request('ok-3'));
    const summary = await pool.run();
    assert.deepEqual([summary.done, summary.failed], [2, 1]);
    const hung = results.find((r) => r.trial_id === 'hang-1')!;
    assert.equal(hung.failure_kind, 'timeout');
    assert.match(hung.error!, /^timed out after 0\.0033 min \(derived from observed epoch times: 10 x expected ~[\d.e-]+ min \(\d epoch\(s\) of this run\), at least 0\.0033 min; set recipe\.max_minutes to choose\)$/);
  });

  test('a real torch trainer that hangs is killed at its limit, and the slot trains the next trial', async (t) => {
    try {
      await findTorchPython();
    } catch (e) {
      return t.skip((e as Error).message);
    }
    await withDataset(async (ref) => {
      const slot = await createTorchSlot({ name: 'torch:cpu#hang', cudaDevice: null, threads: 1, env: { DSE_TEST_FAULT: 'hang@hangs' } });
      try {
        const recipe = { ...DEFAULT_RECIPE, epochs: 1, batch_size: 32, augment_pad: 1, max_minutes: 0.05 };
        const results: TrainResult[] = [];
        const pool = new Pool([slot], { onResult: (r) => void results.push(r) });
        pool.push({ trial_id: 'hangs', spec: SPEC, dataset: ref, recipe, device: 'cpu' }, { trial_id: 'fine', spec: SPEC, dataset: ref, recipe, device: 'cpu' });
        const summary = await pool.run();
        assert.deepEqual(summary.slotsLost, []);
        assert.deepEqual(results.map((r) => [r.trial_id, r.status, r.failure_kind]), [['hangs', 'failed', 'timeout'], ['fine', 'done', null]]);
        assert.match(results[0].error!, /^timed out after 0\.05 min \(recipe\.max_minutes = 0\.05\)$/);
      } finally {
        await slot.close();
      }
    });
  });
});
