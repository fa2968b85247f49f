// The torch engine through the real slot and a real python3-torch process: built parameter counts and
// forward-hook counts equal the registry's analytic counts, module names follow pycls, a bad spec is one
// error naming the node, and a missing torch is a clear UserError.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type ModelSpec, type NetworkOptions, type StageLists, buildAnyNetSpec, complexity, lowerSpec, nodeTypeNames } from '../src/space/index.js';
import { isUserError } from '../src/util/errors.js';
import { findTorchPython } from '../src/workers/torch/python.js';
import { TorchSlot, createTorchSlot } from '../src/workers/torch/slot.js';

function spec(stages: StageLists, opts: Partial<NetworkOptions> = {}): ModelSpec {
  return buildAnyNetSpec(stages, { stem: 'res_stem_cifar', stemW: 8, blockType: 'res_bottleneck_block', resolution: 16, numClasses: 10, inputChannels: 3, ...opts });
}

const bottleneck = (widths: number[], depths: number[], strides: number[], groupW: number, botMul: number, seR: number) =>
  ({ widths, depths, strides, params: { group_w: widths.map(() => groupW), bot_mul: widths.map(() => botMul), se_r: widths.map(() => seR) } });

/** Small specs covering every stem, block type, SE on/off, projection on/off, group widths and head_w. */
const CASES: Record<string, ModelSpec> = {
  ...Object.fromEntries(
    nodeTypeNames('stem').map((stem) => [`stem ${stem}`, spec(bottleneck([16], [2], [1], 8, 1, 0), { stem, resolution: 32 })]),
  ),
  'vanilla_block, stride 1 and 2': spec({ widths: [8, 16], depths: [2, 1], strides: [1, 2] }, { blockType: 'vanilla_block' }),
  'res_basic_block with and without projection': spec({ widths: [8, 12], depths: [2, 2], strides: [1, 2] }, { blockType: 'res_basic_block' }),
  'res_basic_block, projection from stride only': spec({ widths: [8], depths: [2], strides: [2] }, { blockType: 'res_basic_block' }),
  'bottleneck X, group width 8': spec(bottleneck([16, 32], [1, 2], [1, 2], 8, 1, 0)),
  'bottleneck Y (SE 0.25)': spec(bottleneck([16, 32], [1, 2], [1, 2], 8, 1, 0.25)),
  'bottleneck depthwise (group width 1), SE': spec(bottleneck([16, 24], [2, 1], [2, 2], 1, 1, 0.5)),
  'bottleneck, one group (group width = bottleneck width)': spec(bottleneck([16], [2], [1], 16, 1, 0)),
  'bottleneck multiplier 0.25, half-even ties in widths': spec(bottleneck([10, 20], [1, 1], [1, 2], 1, 0.25, 0.25)),
  'head_w > 0': spec(bottleneck([16], [1], [2], 4, 1, 0), { headW: 24 }),
  'one input channel, res_stem_in': spec({ widths: [8], depths: [1], strides: [1] }, { blockType: 'res_basic_block', stem: 'res_stem_in', inputChannels: 1, resolution: 28 }),
  // The RegNet paper's models, as pycls builds them (published params: 2,684,792 and 3,162,996).
  'RegNetX-200MF': spec(bottleneck([24, 56, 152, 368], [1, 1, 4, 7], [2, 2, 2, 2], 8, 1, 0), { stem: 'simple_stem_in', stemW: 32, resolution: 224, numClasses: 1000 }),
  'RegNetY-200MF': spec(bottleneck([24, 56, 152, 368], [1, 1, 4, 7], [2, 2, 2, 2], 8, 1, 0.25), { stem: 'simple_stem_in', stemW: 32, resolution: 224, numClasses: 1000 }),
};

describe('torch builders', () => {
  let slot: TorchSlot;
  before(async () => {
    slot = await createTorchSlot({ name: 'torch:test-build', cudaDevice: null, threads: 1 });
  });
  after(async () => {
    await slot?.close();
  });

  test('the case list covers every AnyNet stem and block type', () => {
    const covered = new Set(Object.values(CASES).flatMap((s) => s.nodes.map((n) => n.type)));
    for (const name of [...nodeTypeNames('stem'), 'vanilla_block', 'res_basic_block', 'res_bottleneck_block']) assert.ok(covered.has(name), `${name} is not covered`);
  });

  for (const [name, s] of Object.entries(CASES)) {
    test(`built parameters and forward-hook counts equal complexity(spec): ${name}`, async () => {
      const built = await slot.build(s);
      assert.equal(built.params, complexity(s).params);
      assert.deepEqual(built.count, complexity(s));
    });
  }

  test('the published RegNet counts come out of the built networks, counted by forward hooks', async () => {
    assert.deepEqual((await slot.build(CASES['RegNetX-200MF'])).count, { flops: 199_040_872, params: 2_684_792, acts: 2_164_056 });
    assert.deepEqual((await slot.build(CASES['RegNetY-200MF'])).count, { flops: 199_519_076, params: 3_162_996, acts: 2_168_052 });
  });

  test('a spec the registry cannot build is an error naming the node, before the engine sees it', async () => {
    const bad = structuredClone(CASES['bottleneck X, group width 8']);
    bad.nodes[2].params!.group_w = 5;
    assert.throws(() => lowerSpec(bad), /nodes\[2\] \(s2\.b1\)\.params\.group_w: group width 5 does not divide the bottleneck width 32/);
    const unknown = structuredClone(bad);
    unknown.nodes[1].type = 'mbconv_x';
    assert.throws(() => lowerSpec(unknown), /nodes\[1\] \(s1\.b1\)\.type: unknown node type "mbconv_x"/);
  });

  test('a lowered network the engine cannot build is an error naming the op, and the process keeps serving', async () => {
    const net = lowerSpec(CASES['bottleneck X, group width 8']);
    const bad = { ...net, ops: net.ops.map((o) => (o.id === 's1.b1.f.a' ? { ...o, attrs: { ...o.attrs, extra: 1 } } : o)) };
    await assert.rejects(slot.build(CASES['bottleneck X, group width 8'], bad), /s1\.b1\.f\.a: conv2d takes attributes .* but got .*extra/);
    await slot.ping();
    assert.equal(slot.readyInfo?.threads, 1);
  });
});

describe('finding python with torch', () => {
  const saved = process.env.DSE_PYTHON;
  after(() => {
    if (saved === undefined) delete process.env.DSE_PYTHON;
    else process.env.DSE_PYTHON = saved;
  });

  test('finds a python3 that imports torch', async () => {
    delete process.env.DSE_PYTHON;
    const found = await findTorchPython();
    assert.match(found.torchVersion, /^\d+\.\d+/);
    assert.equal(typeof found.cuda, 'boolean');
    assert.strictEqual(await findTorchPython(), found, 'probed once and cached');
  });

  test('DSE_PYTHON without torch: a UserError naming what was tried and what to do', async () => {
    process.env.DSE_PYTHON = process.execPath.replace(/node$/, 'no-such-python3');
    const err = await findTorchPython().then(() => null, (e: unknown) => e as Error);
    assert.ok(err && isUserError(err), 'a UserError');
    assert.equal(
      err.message,
      `engine torch needs a python3 with torch (tried: DSE_PYTHON=${process.env.DSE_PYTHON}: not found); install it with ` +
        '`apt-get install python3-torch` (Debian) or `pip install torch`, set DSE_PYTHON, or use --engine tfjs',
    );
    assert.ok(!err.message.includes('\n'), 'one line');
  });

  test('DSE_PYTHON pointing at a python without torch is reported with the import error', async (t) => {
    const bare = findBarePython();
    if (!bare) return t.skip('no python3 without torch on this machine');
    process.env.DSE_PYTHON = bare;
    await assert.rejects(findTorchPython(), (e: Error) => {
      assert.ok(isUserError(e));
      assert.ok(e.message.includes(`tried: DSE_PYTHON=${bare}: No module named 'torch'`), e.message);
      assert.match(e.message, /apt-get install python3-torch.*pip install torch.*set DSE_PYTHON.*--engine tfjs/);
      return true;
    });
    await assert.rejects(createTorchSlot({ name: 'torch:none', cudaDevice: null, threads: 1 }), /engine torch needs a python3 with torch/);
  });
});

/** A python3 without torch: the first python3 on PATH, when it lacks torch (pyenv's, here); or null. */
function findBarePython(): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const p = join(dir, 'python3');
    if (!dir || !existsSync(p)) continue;
    try {
      execFileSync(p, ['-c', 'import importlib.util, sys; sys.exit(0 if importlib.util.find_spec("torch") is None else 1)'], { stdio: 'ignore' });
      return p;
    } catch {
      return null; // the PATH python3 has torch (or fails): nothing to test with
    }
  }
  return null;
}
