// The drift guards on every preset (as on every node type in guards.test.ts): at 64px with 10
// classes, the torch engine's forward-hook counts equal the analytic counts on every preset, and torch
// and tfjs (wasm) give the same eval-mode logits for the same weights on every distinct structure.
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

/**
 * What a preset asks of the engines beyond its family's other presets: its node types with their
 * categorical parameters and their kernels, strides, dilations and groups (widths and depths left
 * out). Presets of a family with one signature differ only in widths and depths.
 */
function signature(name: string): string {
  const STRUCTURAL = new Set(['k', 'stride', 'dilation', 'groups', 'first_groups', 'pw_groups', 'pwl_groups', 'ratio', 'dw_size', 'branches', 'r_lim', 'bottleneck']);
  const nodes = presetSpec(name, { resolution: 64, classes: 10 }).nodes.map((n) => `${n.type}${JSON.stringify(Object.entries(n.params ?? {}).filter(([k, v]) => typeof v !== 'number' || STRUCTURAL.has(k)))}`);
  return [...new Set(nodes)].sort().join('|');
}

// Every preset's hook count; the cross-engine parity on the smallest preset of each signature (the
// others repeat its node configurations at other widths: about 100 of 158 presets, most of the parameters to
// build in both engines, over two minutes of the suite).
const bySize = presets().map((p) => ({ name: p.name, family: p.family, params: complexity(presetSpec(p.name, { resolution: 64, classes: 10 })).params })).sort((a, b) => a.params - b.params);
const parityFor = new Map<string, string>();
for (const p of bySize) if (![...parityFor.values()].includes(`${p.family}::${signature(p.name)}`)) parityFor.set(p.name, `${p.family}::${signature(p.name)}`);

describe('every preset: hook counter = analytic count, torch logits = tfjs logits (64px, 10 classes)', () => {
  for (const p of presets()) {
    test(p.name, async () => {
      const spec = presetSpec(p.name, { resolution: 64, classes: 10 });
      const built = await hookCount(slot, spec);
      assert.deepEqual(built.count, complexity(spec));
      if (!parityFor.has(p.name)) return;
      const r = await parity(slot, spec, { batch: 2 });
      assert.ok(agrees(r), `logits differ by ${r.maxDiff} (scale ${r.scale})`);
    });
  }
});

test('the parity guard covers every family and every signature', () => {
  const families = new Set(presets().map((p) => p.family));
  assert.deepEqual(new Set([...parityFor.keys()].map((n) => presets().find((p) => p.name === n)!.family)), families);
  for (const p of presets()) assert.ok([...parityFor.values()].includes(`${p.family}::${signature(p.name)}`), p.name);
});
