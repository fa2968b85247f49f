// The drift guards on every preset (as on every node type in guards.test.ts): at 64px with 10
// classes, the torch engine's forward-hook counts equal the analytic counts, and torch and tfjs (wasm)
// give the same eval-mode logits for the same weights.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { complexity, presetSpec, presets } from '../src/space/index.js';
import { initBackend } from '../src/workers/tfjs/backend.js';
import { type TorchSlot, createTorchSlot } from '../src/workers/torch/slot.js';
import { agrees, hookCount, parity } from './helpers/parity.js';

let slot: TorchSlot;
before(async () => {
  await initBackend('wasm');
  slot = await createTorchSlot({ name: 'torch:guards-presets', cudaDevice: null, threads: 2 });
});
after(async () => {
  await slot?.close();
});

describe('every preset: hook counter = analytic count, torch logits = tfjs logits (64px, 10 classes)', () => {
  for (const p of presets()) {
    test(p.name, async () => {
      const spec = presetSpec(p.name, { resolution: 64, classes: 10 });
      const built = await hookCount(slot, spec);
      assert.deepEqual(built.count, complexity(spec));
      const r = await parity(slot, spec, { batch: 2 });
      assert.ok(agrees(r), `logits differ by ${r.maxDiff} (scale ${r.scale})`);
    });
  }
});
