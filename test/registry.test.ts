// The registry is the single source of node types and primitive ops: every op has a builder in both
// engines (and no engine has an op the registry lacks), the Python engine reads the manifest that
// TypeScript emits, and every node type's declaration is complete and self-consistent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OP_BUILDERS } from '../src/models/tfjs/ops.js';
import { ACTIVATIONS, OP_NAMES, analyzeSpec, checkValue, nodeTypes, opManifest, resolveParams } from '../src/space/index.js';
import { findTorchPython } from '../src/workers/torch/python.js';
import { packageRoot } from '../src/util/paths.js';
import { exampleSpec } from './helpers/examples.js';

const sorted = (xs: Iterable<string>) => [...xs].sort();

test('the tfjs engine has a builder for every primitive op, and no others', () => {
  assert.deepEqual(sorted(Object.keys(OP_BUILDERS)), sorted(OP_NAMES));
});

test('the build writes the op manifest the Python engine reads, equal to the registry\'s', () => {
  const written = JSON.parse(readFileSync(join(packageRoot(), 'dist', 'manifest.json'), 'utf8'));
  assert.deepEqual(written, opManifest());
});

test('the torch engine has a builder for every op and activation of the manifest, and holds no op list of its own', async () => {
  const { python } = await findTorchPython();
  const script = [
    'import json, sys',
    'from dse_torch import manifest, ops',
    'm = manifest.load()',
    'manifest.check_builders(m, ops.BUILDERS, ops.ACTIVATIONS)',
    'print(json.dumps({"ops": sorted(ops.BUILDERS), "acts": sorted(ops.ACTIVATIONS)}))',
  ].join('\n');
  const r = spawnSync(python, ['-c', script], {
    encoding: 'utf8',
    env: { ...process.env, PYTHONPATH: join(packageRoot(), 'src', 'models', 'torch'), DSE_MANIFEST: join(packageRoot(), 'dist', 'manifest.json') },
  });
  assert.equal(r.status, 0, r.stderr);
  const names = JSON.parse(r.stdout.trim().split('\n').pop()!);
  assert.deepEqual(names.ops, sorted(OP_NAMES));
  assert.deepEqual(names.acts, sorted(ACTIVATIONS));
});

test('a manifest op the Python engine lacks stops it at start-up with one line saying what to do', async () => {
  const { python } = await findTorchPython();
  const manifest = opManifest();
  (manifest.ops as Record<string, unknown>).warp = { arity: [1, 1], attrs: {}, doc: 'x' };
  const script = 'import json, sys\nfrom dse_torch import manifest, ops\nmanifest.check_builders(json.loads(sys.argv[1]), ops.BUILDERS, ops.ACTIVATIONS)';
  const r = spawnSync(python, ['-c', script, JSON.stringify(manifest)], { encoding: 'utf8', env: { ...process.env, PYTHONPATH: join(packageRoot(), 'src', 'models', 'torch') } });
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /the torch engine has no builder for op\(s\) warp that TypeScript lowers to; update src\/models\/torch\/dse_torch\/ops.py/);
});

test('every node type is declared completely: kind, doc, documented parameters with valid defaults, examples that build', () => {
  const types = nodeTypes();
  assert.ok(types.length >= 20);
  for (const t of types) {
    assert.ok(t.doc.length > 10, `${t.name} has a doc`);
    assert.ok(['stem', 'block', 'head', 'op'].includes(t.kind));
    for (const [key, def] of Object.entries(t.params)) {
      assert.ok(def.doc.length > 2, `${t.name}.${key} has a doc`);
      if (def.default !== undefined) assert.equal(checkValue(def, def.default), null, `${t.name}.${key}: its default is valid`);
    }
    assert.ok(t.examples.length >= 1, `${t.name} has an example`);
    for (const ex of t.examples) {
      const { issues } = resolveParams(t.params, ex.params);
      assert.deepEqual(issues, [], `${t.name} example "${ex.name}"`);
      assert.doesNotThrow(() => analyzeSpec(exampleSpec(t, ex)), `${t.name} example "${ex.name}" is a valid network`);
    }
  }
});
