/**
 * Design spaces as data: the built-ins, overrides and inline definitions, every validation rule
 * (with the path it reports), and the AnyNetX A -> E constraints on sampled models.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { blocks } from './helpers/spec.js';
import { parse as parseYaml } from 'yaml';
import { BUILTIN_SPACES, SpaceSectionSchema, networkConfig, resolveSpace, sampleModels, type SampledModel } from '../src/sampler/index.js';
import { isUserError } from '../src/util/errors.js';

function issues(section: unknown): Array<[string, string]> {
  const r = SpaceSectionSchema.safeParse(section);
  return r.success ? [] : r.error.issues.map((i) => [i.path.join('.'), i.message]);
}

function firstIssue(section: unknown): [string, string] {
  const all = issues(section);
  assert.ok(all.length > 0, `expected ${JSON.stringify(section)} to be rejected`);
  return all[0];
}

test('every built-in space passes its own validation and resolves by name', () => {
  assert.deepEqual(Object.keys(BUILTIN_SPACES), ['anynetx_a', 'anynetx_b', 'anynetx_c', 'anynetx_d', 'anynetx_e', 'regnetx', 'regnety', 'efficientnet', 'efficientnet_phi', 'mobilenetv2', 'mobilenetv3', 'fbnet', 'pplcnet', 'shufflenetv2', 'shufflenetv2plus', 'ghostnet', 'squeezenet', 'igcv3', 'peleenet', 'condensenet', 'parnet', 'mbconv_stages']);
  for (const name of Object.keys(BUILTIN_SPACES)) {
    assert.deepEqual(issues(name), [], name);
    assert.deepEqual(resolveSpace(name), BUILTIN_SPACES[name]);
    // A resolved definition is itself a valid inline section (it can be stored and read back).
    assert.deepEqual(resolveSpace(JSON.parse(JSON.stringify(BUILTIN_SPACES[name]))), BUILTIN_SPACES[name]);
  }
});

test('the built-ins encode the paper and pycls defaults', () => {
  const x = BUILTIN_SPACES.regnetx;
  assert.deepEqual(x.params.depth, { dist: 'uniform', low: 12, high: 28, q: 1, per_stage: false });
  assert.deepEqual(x.params.w0, { dist: 'log_uniform', low: 8, high: 256, q: 8, per_stage: false });
  assert.deepEqual(x.params.wa, { dist: 'log_uniform', low: 8, high: 256, q: 0.1, per_stage: false });
  assert.deepEqual(x.params.wm, { dist: 'log_uniform', low: 2, high: 3, q: 0.001, per_stage: false });
  assert.deepEqual(x.params.group_w, { dist: 'power2_or_log_uniform', low: 8, high: 128, q: 8, per_stage: false });
  assert.deepEqual(x.fixed, { bot_mul: 1, se_r: 0 });
  assert.deepEqual(BUILTIN_SPACES.regnety.fixed, { bot_mul: 1, se_r: 0.25 });
  const a = BUILTIN_SPACES.anynetx_a;
  assert.equal(a.stages, 4);
  assert.deepEqual(a.params.depth, { dist: 'log_uniform', low: 1, high: 16, q: 1, per_stage: true });
  assert.deepEqual(a.params.width, { dist: 'log_uniform', low: 8, high: 1024, q: 8, per_stage: true });
  assert.deepEqual(a.params.bot_mul, { dist: 'choice', values: [1, 0.5, 0.25], per_stage: true });
  assert.deepEqual(a.params.group_w, { dist: 'choice', values: [1, 2, 4, 8, 16, 32], per_stage: true });
  assert.equal(BUILTIN_SPACES.anynetx_b.params.bot_mul.per_stage, false);
  assert.equal(BUILTIN_SPACES.anynetx_b.params.group_w.per_stage, true);
  assert.equal(BUILTIN_SPACES.anynetx_c.params.group_w.per_stage, false);
  assert.deepEqual(BUILTIN_SPACES.anynetx_d.order, ['width']);
  assert.deepEqual(BUILTIN_SPACES.anynetx_e.order, ['width', 'depth']);
});

test('a user space in YAML: parameters, distributions, shared or per stage, ordering, fixed values', () => {
  const yaml = `
name: my_anynet
kind: anynet
stages: 3
block: res_bottleneck_block
params:
  depth: {dist: uniform, low: 1, high: 4, q: 1, per_stage: true}
  width: {dist: list, item: {dist: log_uniform, low: 16, high: 256, q: 16}}
  group_w: {dist: choice, values: [4, 8], shared: true}
order: [width]
fixed: {bot_mul: [1, 0.5, 0.25], se_r: 0.25}
`;
  const def = resolveSpace(parseYaml(yaml));
  assert.equal(def.name, 'my_anynet');
  assert.deepEqual(def.params.width, { dist: 'log_uniform', low: 16, high: 256, q: 16, per_stage: true });
  assert.deepEqual(def.params.group_w, { dist: 'choice', values: [4, 8], per_stage: false });
  assert.deepEqual(Object.keys(def.params), ['depth', 'width', 'group_w']);
  const network = networkConfig({ stem: 'res_stem_cifar', stem_w: 16, first_stride: 1 }, { channels: 3, resolution: 32, num_classes: 10 }, def);
  const { models } = sampleModels({ space: def, network, n: 40, seed: 3 });
  for (const m of models) {
    const ws = m.params.ws as number[];
    assert.equal(ws.length, 3);
    assert.ok(ws.every((w, i) => i === 0 || w >= ws[i - 1]), `widths ${ws}`);
    assert.deepEqual(m.params.bs, [1, 0.5, 0.25]);
    const g = (m.params.gs as number[])[0];
    assert.ok((m.params.gs as number[]).every((x) => x === g));
    assert.ok(blocks(m.spec).every((b) => b.params!.se_r === 0.25));
    assert.deepEqual(m.params.ss, [1, 2, 2]);
  }
});

test('overrides: merged key by key over a built-in; a key moves between params and fixed', () => {
  const def = resolveSpace({ base: 'regnetx', params: { depth: { dist: 'uniform', low: 6, high: 16, q: 1 }, bot_mul: { dist: 'power2_uniform', low: 0.25, high: 1, q: 0.25 } }, fixed: { wm: 2.5 } });
  assert.equal(def.name, 'regnetx+custom');
  assert.deepEqual(Object.keys(def.params), ['depth', 'w0', 'wa', 'group_w', 'bot_mul']);
  assert.deepEqual(def.params.depth, { dist: 'uniform', low: 6, high: 16, q: 1, per_stage: false });
  assert.deepEqual(def.fixed, { se_r: 0, wm: 2.5 });
  const named = resolveSpace({ base: 'anynetx_c', name: 'c3', stages: 3, order: ['depth'] });
  assert.deepEqual([named.name, named.stages, named.order], ['c3', 3, ['depth']]);
  assert.equal(named.params.width.per_stage, true);
});

test('invalid spaces: one issue at the offending key, saying what is wrong', () => {
  const inline = (over: object) => ({ kind: 'anynet', stages: 4, params: { depth: { dist: 'uniform', low: 1, high: 4, q: 1, per_stage: true }, width: { dist: 'log_uniform', low: 8, high: 64, q: 8, per_stage: true } }, ...over });
  const cases: Array<[unknown, string, RegExp]> = [
    ['regnetz', '', /unknown space "regnetz" \(built-in: anynetx_a, .*regnety, efficientnet, .*mbconv_stages\)/],
    [42, '', /expected a built-in space name/],
    [{ base: 'nope' }, 'base', /unknown space "nope"/],
    [{ base: 'regnetx', params: { wm: { dist: 'log_uniform', low: 1, high: 3, q: 0.001 } } }, 'params.wm', /^low must make every value a number > 1, got 1$/],
    [{ base: 'regnetx', params: { wm: { dist: 'log_uniform', low: 3, high: 2, q: 0.001 } } }, 'params.wm.low', /must be <= high \(2\), got 3/],
    [{ base: 'regnetx', params: { w0: { dist: 'log_uniform', low: 8, high: 256, q: 4 } } }, 'params.w0', /^q must make every value a positive multiple of 8, got q=4$/],
    [{ base: 'regnetx', params: { depth: { dist: 'uniform', low: 12, high: 28, q: 1, per_stage: true } } }, 'params.depth.per_stage', /drawn once per model/],
    [{ base: 'regnetx', params: { width: { dist: 'uniform', low: 8, high: 64, q: 8 } } }, 'params.width', /unknown regnet parameter "width" for res_bottleneck_block \(known: depth, w0, wa, wm, bot_mul, group_w, se_r, act\)/],
    [{ base: 'regnetx', params: { depth: { dist: 'gaussian', low: 1, high: 2, q: 1 } } }, 'params.depth.dist', /Invalid discriminator value/],
    [{ base: 'regnetx', params: { depth: { dist: 'uniform', low: 12, high: 28 } } }, 'params.depth.q', /expected number/],
    [{ base: 'regnetx', parms: {} }, '', /Unrecognized key: "parms"/],
    [{ base: 'regnetx', order: ['width'] }, 'order', /anynet spaces only/],
    [{ base: 'regnetx', stages: 4 }, 'stages', /limit it with constraints.stages/],
    [{ base: 'regnetx', fixed: { bot_mul: 1.5 } }, 'fixed.bot_mul', /an integer when above 1, got 1.5/],
    [{ base: 'regnetx', fixed: { se_r: [0, 0.25] } }, 'fixed.se_r', /one value, not a list/],
    [{ base: 'regnetx', fixed: { se_r: 'yes' } }, 'fixed.se_r', /must be a number in \[0, 1\], got "yes"/],
    [{ base: 'regnetx', fixed: { se_r: {} } }, 'fixed.se_r', /expected a value \(a number, a name such as relu, true\/false\), or a list of values/],
    [{ base: 'regnetx', fixed: { act: 'hswishh' } }, 'fixed.act', /must be one of relu, relu6, hswish, hsigmoid, sigmoid, silu, identity, got "hswishh"/],
    [{ base: 'regnetx', fixed: { grop_w: 8 } }, 'fixed.grop_w', /unknown regnet parameter "grop_w"/],
    [{ base: 'regnetx', params: { act: { dist: 'uniform', low: 1, high: 2, q: 1 } } }, 'params.act', /is one of relu, .*: sample it with dist: choice/],
    [{ base: 'anynetx_a', block: 'mbconv_x' }, 'block', /unknown block type "mbconv_x"/],
    [{ base: 'anynetx_a', stages: 3, fixed: { se_r: [0, 0, 0, 0] } }, 'fixed.se_r', /4 entries but the space has 3 stages/],
    [{ base: 'anynetx_a', params: { bot_mul: { dist: 'choice', values: [1], per_stage: true, shared: true } } }, 'params.bot_mul.shared', /contradict/],
    [{ base: 'anynetx_a', order: ['wm'] }, 'order.0', /unknown anynet parameter "wm"/],
    [inline({ stages: undefined }), 'stages', /needs its number of stages/],
    [inline({ params: { depth: { dist: 'uniform', low: 1, high: 4, q: 1, per_stage: true } } }), 'params', /must sample or fix "width"/],
    [inline({ params: { depth: { dist: 'uniform', low: 0, high: 4, q: 1 }, width: { dist: 'choice', values: [8] } } }), 'params.depth', /^low must make every value a positive integer, got 0$/],
    [inline({ params: { depth: { dist: 'uniform', low: 1, high: 4, q: 0.5 }, width: { dist: 'choice', values: [8] } } }), 'params.depth', /q must make every value a positive integer/],
    [inline({ fixed: { depth: 2 } }), 'fixed.depth', /both sampled \(params\) and fixed/],
  ];
  for (const [section, path, message] of cases) {
    const [p, m] = firstIssue(section);
    assert.equal(p, path, `${JSON.stringify(section)}: ${m}`);
    assert.match(m, message, JSON.stringify(section));
  }
});

test('resolveSpace throws a one-line UserError with the path', () => {
  assert.throws(
    () => resolveSpace({ base: 'regnetx', params: { wm: { dist: 'log_uniform', low: 1, high: 3, q: 0.001 } } }),
    (e: unknown) => isUserError(e) && (e as Error).message === 'space.params.wm: low must make every value a number > 1, got 1',
  );
});

// ---------------------------------------------------------------- AnyNetX A -> E

const CIFAR = networkConfig({ stem: 'res_stem_cifar', stem_w: 16, first_stride: 1 }, { channels: 3, resolution: 32, num_classes: 10 });

function sample(space: string, n = 150): SampledModel[] {
  return sampleModels({ space: resolveSpace(space), network: CIFAR, n, seed: 11, maxDraws: 1_000_000 }).models;
}

const allEqual = (v: number[]) => v.every((x) => x === v[0]);
const nonDecreasing = (v: number[]) => v.every((x, i) => i === 0 || x >= v[i - 1]);

test('AnyNetX_A: 4 stages, d <= 16, w <= 1024 and a multiple of 8, b in {1,2,4} (bot_mul 1/b), g <= 32, all per stage', () => {
  const models = sample('anynetx_a');
  for (const m of models) {
    const [ds, ws, bs, gs] = ['ds', 'ws', 'bs', 'gs'].map((k) => m.params[k] as number[]);
    assert.equal(ds.length, 4);
    assert.ok(ds.every((d) => Number.isInteger(d) && d >= 1 && d <= 16), `depths ${ds}`);
    assert.ok(ws.every((w) => w % 8 === 0 && w >= 8 && w <= 1024), `widths ${ws}`);
    assert.ok(bs.every((b) => [1, 0.5, 0.25].includes(b)), `bot_muls ${bs}`);
    assert.ok(gs.every((g, i) => Number.isInteger(g) && g >= 1 && g <= 32 && (ws[i] * bs[i]) % g === 0), `groups ${gs}`);
    assert.ok((m.params.group_w as number[]).every((g) => [1, 2, 4, 8, 16, 32].includes(g)));
  }
  assert.ok(models.some((m) => !allEqual(m.params.bs as number[])), 'A samples b per stage');
  assert.ok(models.some((m) => !allEqual(m.params.group_w as number[])), 'A samples g per stage');
  assert.ok(models.some((m) => !nonDecreasing(m.params.ws as number[])), 'A allows decreasing widths');
});

test('AnyNetX_B shares b; C also shares g; D adds w_i+1 >= w_i; E adds d_i+1 >= d_i', () => {
  const b = sample('anynetx_b');
  assert.ok(b.every((m) => typeof m.params.bot_mul === 'number' && allEqual(m.params.bs as number[])));
  assert.ok(b.some((m) => !allEqual(m.params.group_w as number[])));
  const c = sample('anynetx_c');
  assert.ok(c.every((m) => typeof m.params.group_w === 'number' && allEqual(m.params.bs as number[])));
  assert.ok(c.some((m) => !nonDecreasing(m.params.ws as number[])));
  const d = sample('anynetx_d');
  assert.ok(d.every((m) => nonDecreasing(m.params.ws as number[])));
  assert.ok(d.some((m) => !nonDecreasing(m.params.ds as number[])));
  const e = sample('anynetx_e', 60);
  assert.ok(e.every((m) => nonDecreasing(m.params.ws as number[]) && nonDecreasing(m.params.ds as number[])));
});

test('a categorical parameter (the activation) is sampled like a number, checked against the registry, built and stored as a column', async () => {
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { openStore } = await import('../src/store/index.js');
  const { queryTrials } = await import('../src/store/query.js');
  const { sampleModels, networkConfig } = await import('../src/sampler/index.js');
  const space = resolveSpace({ base: 'regnetx', params: { act: { dist: 'choice', values: ['relu', 'silu', 'hswish'] } } });
  const network = networkConfig({ stem: 'res_stem_cifar', stem_w: 16 }, { channels: 3, resolution: 32, num_classes: 10 });
  const { models } = sampleModels({ space, network, n: 30, seed: 4, constraints: { stages: [null, null] } });
  const acts = models.map((m) => m.params.act);
  assert.deepEqual([...new Set(acts)].sort(), ['hswish', 'relu', 'silu']);
  for (const m of models) assert.ok(blocks(m.spec).every((b) => b.params!.act === m.params.act));
  const dir = mkdtempSync(join(tmpdir(), 'dse-cat-'));
  try {
    const store = openStore(join(dir, 'x.sqlite'), { create: true });
    store.createSweep({ name: 'cat', config: {}, config_hash: 'x', seed: 4, n: 30, space: 'regnetx' }, models.map((m) => ({ index: m.index, params: m.params, spec: m.spec, cx: m.cx })));
    const silu = queryTrials(store, { where: "act = 'silu'", columns: ['idx', 'act'] });
    assert.deepEqual(silu.rows.map((r) => r.idx), models.filter((m) => m.params.act === 'silu').map((m) => m.index));
    store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.throws(() => resolveSpace({ base: 'regnetx', params: { act: { dist: 'choice', values: ['relu', 'gelu'] } } }), /space\.params\.act: every value must be one of relu, .*, got "gelu"/);
});
