// The block registry is the single list of stems and block types: every entry must have a builder in
// both engines, under the same name, so adding a block family cannot silently miss an engine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { BLOCK_TYPES, STEM_TYPES } from '../src/space/blocks.js';
import { BLOCK_BUILDERS, STEM_BUILDERS } from '../src/models/tfjs/blocks.js';
import { findTorchPython } from '../src/workers/torch/python.js';
import { packageRoot } from '../src/util/paths.js';

const sorted = (xs: Iterable<string>) => [...xs].sort();

test('the tfjs engine has a builder for every registered stem and block type, and no others', () => {
  assert.deepEqual(sorted(Object.keys(STEM_BUILDERS)), sorted(Object.keys(STEM_TYPES)));
  assert.deepEqual(sorted(Object.keys(BLOCK_BUILDERS)), sorted(Object.keys(BLOCK_TYPES)));
});

test('the torch engine has a builder for every registered stem and block type, and no others', async () => {
  const { python } = await findTorchPython();
  const script = 'import json, sys; sys.path.insert(0, sys.argv[1]); import builders; print(json.dumps({"stems": sorted(builders.STEMS), "blocks": sorted(builders.BLOCKS)}))';
  const r = spawnSync(python, ['-c', script, join(packageRoot(), 'src/models/torch')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const names = JSON.parse(r.stdout.trim().split('\n').pop()!);
  assert.deepEqual(names.stems, sorted(Object.keys(STEM_TYPES)));
  assert.deepEqual(names.blocks, sorted(Object.keys(BLOCK_TYPES)));
});
