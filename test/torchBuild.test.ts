// The torch builder registry through the real slot and a real python3-torch process: built parameter
// counts equal the analytic counts of src/space/blocks.ts, and a missing torch is a clear UserError.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BLOCK_TYPES, STEM_TYPES, complexity } from '../src/space/blocks.js';
import { buildAnyNetSpec, type NetworkOptions, type StageLists } from '../src/space/build.js';
import type { ModelSpec, StemType } from '../src/space/spec.js';
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
    (Object.keys(STEM_TYPES) as StemType[]).map((stem) => [`stem ${stem}`, spec(bottleneck([16], [2], [1], 8, 1, 0), { stem, resolution: 32 })]),
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

  test('every stem and block type has a torch builder (the case list covers the registry)', () => {
    const covered = new Set(Object.values(CASES).flatMap((s) => [s.stem.type, ...s.blocks.map((b) => b.type)]));
    for (const name of [...Object.keys(STEM_TYPES), ...Object.keys(BLOCK_TYPES)]) assert.ok(covered.has(name), `${name} is not covered`);
  });

  for (const [name, s] of Object.entries(CASES)) {
    test(`built parameter count equals complexity(spec).params: ${name}`, async () => {
      assert.equal(await slot.build(s), complexity(s).params);
    });
  }

  test('the published RegNet parameter counts come out of the built networks', async () => {
    assert.equal(await slot.build(CASES['RegNetX-200MF']), 2_684_792);
    assert.equal(await slot.build(CASES['RegNetY-200MF']), 3_162_996);
  });

  test('a spec the registry cannot build is an error naming the block, and the process keeps serving', async () => {
    const bad = structuredClone(CASES['bottleneck X, group width 8']);
    bad.blocks[1].group_w = 5;
    await assert.rejects(slot.build(bad), /blocks\[1\].*bottleneck width 32 is not a multiple of group_w 5/);
    const unknown = structuredClone(bad);
    unknown.blocks[0].type = 'mbconv';
    await assert.rejects(slot.build(unknown), /unknown block type "mbconv"/);
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
