/**
 * Family design spaces (kind: family): a reference's generator with its knobs sampled. The built-in
 * family spaces sample deterministically inside their constraints, each candidate's recorded cost is
 * its spec's, a family at the reference's own values is that reference's preset, and every misuse
 * is one message at the offending key.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ModelSpec, type ParamValue, canonicalSpec, complexity, families, family, presetSpec } from '../src/space/index.js';
import { MV_ARCHS } from '../src/space/presets/mobilevisionDefs.js';
import { BUILTIN_SPACES, type SpaceDefinition, networkConfig, resolveSpace, sampleModels } from '../src/sampler/index.js';
import { loadExperiment } from '../src/experiment/load.js';
import { UserError } from '../src/util/errors.js';

const CIFAR = { channels: 3, resolution: 32, num_classes: 10 };
const FAMILY_SPACES = Object.values(BUILTIN_SPACES).filter((s) => s.kind === 'family');

function sample(space: SpaceDefinition, n: number, seed: number, flops?: [number, number]) {
  return sampleModels({ space, constraints: flops ? { flops } : {}, network: networkConfig(undefined, CIFAR, space), n, seed, maxDraws: 200_000 });
}

function familyAt(name: string, values: Record<string, ParamValue | ParamValue[]>, input = { resolution: 224, classes: 1000, channels: 3 }): ModelSpec {
  const fam = family(name)!;
  const full: Record<string, ParamValue | ParamValue[]> = {};
  // as the sampler does: a per-unit parameter not given leaves the reference's own values
  for (const [k, d] of Object.entries(fam.params)) if (d.default !== undefined && !fam.units?.params.includes(k)) full[k] = d.default;
  return fam.build({ ...full, ...values }, input);
}

test('the built-in family spaces: the mobile families and the channel-mixing and dense ones', () => {
  assert.deepEqual(FAMILY_SPACES.map((s) => s.name), ['efficientnet', 'efficientnet_phi', 'mobilenetv2', 'mobilenetv3', 'fbnet', 'pplcnet', 'shufflenetv2', 'shufflenetv2plus', 'ghostnet', 'squeezenet', 'igcv3', 'peleenet', 'condensenet', 'parnet']);
});

for (const space of FAMILY_SPACES) {
  test(`${space.name}: seeded, inside the flops band, each cost the spec's own, per-unit values one per unit`, () => {
    const cifar = resolveSpace({ base: space.name, fixed: { cifar: true } });
    // phi > 0 adds a layer to every stage (ceil(n * 1.2^phi)), so only phi = 0 costs under 150 MF.
    const band: [number, number] = space.name === 'efficientnet_phi' ? [100e6, 1e9] : [100e6, 150e6];
    const a = sample(cifar, 12, 7, band);
    const b = sample(cifar, 12, 7, band);
    assert.deepEqual(a.models.map((m) => m.key), b.models.map((m) => m.key), 'the same seed draws the same models');
    assert.notDeepEqual(sample(cifar, 12, 8, band).models.map((m) => m.key), a.models.map((m) => m.key), 'another seed draws others');
    const stats = a.stats;
    assert.equal(stats.drawn, stats.kept + stats.duplicates + Object.values(stats.rejected).reduce((s, c) => s + c, 0));
    assert.equal(new Set(a.models.map((m) => m.key)).size, a.models.length, 'no model twice');
    const units = family(space.family!)!.units;
    for (const m of a.models) {
      assert.deepEqual(m.cx, complexity(m.spec));
      assert.ok(m.cx.flops >= band[0] && m.cx.flops <= band[1], `${m.cx.flops}`);
      assert.equal(m.params.cifar, true);
      // The input: the dataset's 32px, scaled by res_mult or phi where the space samples them.
      const want = 'res_mult' in space.params ? Math.round(32 * (m.params.res_mult as number)) : 'phi' in space.params ? Math.round(32 * 1.15 ** (m.params.phi as number)) : 32;
      assert.equal(m.params.resolution, want);
      assert.equal(m.spec.input.resolution, want);
      for (const [name, p] of Object.entries(space.params)) {
        const v = m.params[name];
        if (p.per_stage) {
          assert.ok(Array.isArray(v) && v.length === units!.count, `${name} has one value per unit`);
          if (p.dist === 'choice') for (const x of v) assert.ok((p.values as unknown[]).includes(x), `${name}: ${x}`);
        } else if (p.dist === 'choice') assert.ok((p.values as unknown[]).includes(v), `${name}: ${v}`);
        else assert.ok((v as number) >= p.low && (v as number) <= p.high, `${name}: ${v}`);
      }
    }
  });
}

test('a family at the reference\'s own values is that reference\'s preset, node for node', () => {
  const same = (spec: ModelSpec, preset: string) => assert.deepEqual(canonicalSpec(spec), canonicalSpec(presetSpec(preset)), preset);
  same(familyAt('efficientnet', {}), 'efficientnet_b0');
  same(familyAt('efficientnet', { width_mult: 1.1, depth_mult: 1.2, dropout: 0.3 }, { resolution: 288, classes: 1000, channels: 3 }), 'efficientnet_b2');
  same(familyAt('mobilenetv2', {}), 'mobilenetv2_100');
  same(familyAt('mobilenetv2', { width_mult: 1.4 }), 'mobilenetv2_140');
  same(familyAt('mobilenetv3', {}), 'mobilenetv3_large_100');
  same(familyAt('mobilenetv3', { variant: 'small', width_mult: 0.75 }), 'mobilenetv3_small_075');
  same(familyAt('mobilenetv3', { width_mult: 1.5, depth_mult: 1.2 }, { resolution: 256, classes: 1000, channels: 3 }), 'mobilenetv3_large_150d');
  same(familyAt('mnasnet', {}), 'mnasnet_100');
  same(familyAt('mnasnet', { variant: 'a1', width_mult: 0.5 }), 'semnasnet_050');
  same(familyAt('pplcnet', {}), 'pplcnet_x1_0');
  same(familyAt('pplcnet', { scale: 0.25 }), 'pplcnet_x0_25');
  // FBNet-C's own op per layer, read off mobile-vision's definition.
  const ops = MV_ARCHS.fbnet_c.stages.slice(1, -1).flatMap((stage) =>
    stage.flatMap(([op, , , n, o]) => new Array<string>(n).fill(op === 'skip' ? 'skip' : `${op.replace('ir_', '').replace('_g2', '')}_e${o.expansion}${op.endsWith('_g2') ? '_g2' : ''}`)),
  );
  assert.equal(ops.length, 22);
  same(familyAt('fbnet', { op: ops }), 'fbnet_c');
  same(familyAt('shufflenetv2', {}), 'shufflenet_v2_x1_0');
  same(familyAt('shufflenetv2', { width: [244, 488, 976], head_w: 2048, form: 'megvii', dropout: 0.2 }), 'shufflenetv2_x2_0_megvii');
  same(familyAt('shufflenetv2plus', {}), 'shufflenetv2plus_large');
  same(familyAt('shufflenetv2plus', { size: 'small' }), 'shufflenetv2plus_small');
  same(familyAt('ghostnet', {}), 'ghostnet_100');
  same(familyAt('ghostnet', { width: 1.3 }), 'ghostnet_130');
  same(familyAt('squeezenet', {}), 'squeezenet1_0');
  same(familyAt('squeezenet', { version: '1_1' }), 'squeezenet1_1');
  same(familyAt('igcv3', {}), 'igcv3_w1');
  same(familyAt('igcv3', { width: 0.25 }), 'igcv3_wd4');
  same(familyAt('peleenet', {}), 'peleenet');
  same(familyAt('condensenet', {}), 'condensenet74_c4_g4');
  same(familyAt('condensenet', { groups: 8 }), 'condensenet74_c8_g8');
  same(familyAt('ghostnet', { version: 'v2', width: 1.6 }), 'ghostnetv2_160');
  same(familyAt('parnet', {}), 'parnet_s');
  same(familyAt('parnet', { fused: true }), 'parnet_s_fused');
  same(familyAt('parnet', { width: [200, 400, 800, 768], last_w: 3200, dropout: 0.1 }), 'parnet_xl');
  same(familyAt('espnetv2', {}), 'espnetv2_w1');
  same(familyAt('espnetv2', { scale: 2 }), 'espnetv2_w2');
});

test('family candidates that make no network are rejected as invalid, with the first reason; a space of nothing else is an error', () => {
  // SqueezeNet with a max pool after every Fire module but the last: seven 3x3/2 pools do not fit a 32px input.
  const pools = resolveSpace({ kind: 'family', family: 'squeezenet', params: { pool: { dist: 'choice', values: [false, true], per_stage: true }, sr: { dist: 'choice', values: [0.125, 0.25] } }, fixed: { cifar: true } });
  const r = sample(pools, 20, 3);
  assert.equal(r.models.length, 20);
  assert.ok(r.stats.rejected.invalid > 0, JSON.stringify(r.stats));
  assert.match(r.stats.invalidExample!, /pool does not fit a 1x1 input/);
  for (const m of r.models) assert.ok((m.params.pool as boolean[]).filter(Boolean).length <= 4, 'at most four pools fit 32px');
  // CondenseNet with growth 12 in 8 groups: every candidate is invalid, which is the space's fault.
  const never = resolveSpace({ kind: 'family', family: 'condensenet', params: { depth: { dist: 'log_uniform', low: 1, high: 16, q: 1, per_stage: true } }, fixed: { groups: 8, growth: [12, 12, 12, 12, 12], cifar: true } });
  assert.throws(() => sample(never, 2, 1), (e: Error) => e instanceof UserError && /^the space and network section give an invalid network \(nodes\[\d+\] \(features\.stage1\.unit1\)\.params\.groups: 16 -> 48 -> 12 channels do not split into 8 groups\)$/.test(e.message));
});

test('efficientnet phi: width 1.1^phi, depth 1.2^phi, resolution 1.15^phi times the input', () => {
  const phi = familyAt('efficientnet', { phi: 2 }, { resolution: 32, classes: 10, channels: 3 });
  assert.equal(phi.input.resolution, Math.round(32 * 1.15 ** 2));
  assert.deepEqual(canonicalSpec(phi), canonicalSpec(familyAt('efficientnet', { width_mult: 1.1 ** 2, depth_mult: 1.2 ** 2 }, { resolution: 42, classes: 10, channels: 3 })));
});

test('a sampled resolution is each model\'s input, and part of its identity', () => {
  const space = resolveSpace({ kind: 'family', family: 'mobilenetv2', params: { width_mult: { dist: 'choice', values: [0.35, 0.5] }, resolution: { dist: 'choice', values: [24, 40] } }, fixed: { cifar: true } });
  const r = sample(space, 4, 1);
  assert.deepEqual(r.models.map((m) => `${m.params.width_mult}@${m.spec.input.resolution}`).sort(), ['0.35@24', '0.35@40', '0.5@24', '0.5@40']);
  for (const m of r.models) assert.equal(m.params.resolution, m.spec.input.resolution);
  // Four distinct networks exist; a fifth is a duplicate, so the sampler runs out of draws.
  assert.throws(() => sampleModels({ space, network: networkConfig(undefined, CIFAR, space), n: 5, seed: 1, maxDraws: 500 }), /only 4 of 5 models passed after 500 draws/);
});

test('invalid family spaces: one message at the offending key', () => {
  const issue = (section: unknown) => {
    try {
      resolveSpace(section);
    } catch (e) {
      assert.ok(e instanceof UserError);
      return e.message;
    }
    assert.fail(`accepted ${JSON.stringify(section)}`);
  };
  const choice = (values: ParamValue[], per_stage = false) => ({ dist: 'choice', values, per_stage });
  assert.equal(issue({ kind: 'family', family: 'efficientnett', params: {} }), `space.family: unknown family "efficientnett" (did you mean efficientnet?) (families: ${families().map((f) => f.name).join(', ')})`);
  assert.match(issue({ kind: 'family', params: {} }), /^space.family: a family space names its family \(mobilenetv2, /);
  assert.match(issue({ kind: 'family', family: 'pplcnet', params: { scale: choice([1], true) } }), /^space.params.scale.per_stage: scale is one value per model in family pplcnet \(per 13 units: k, se\)$/);
  assert.equal(issue({ kind: 'family', family: 'pplcnet', params: {}, fixed: { k: [3, 5] } }), 'space.fixed.k: has 2 entries but the space has 13 units');
  assert.match(issue({ kind: 'family', family: 'fbnet', params: { op: choice(['ir_k3_e1'], true) } }), /^space.params.op: every value must be one of k3_e1, .*skip, got "ir_k3_e1"$/);
  assert.match(issue({ kind: 'family', family: 'pplcnet', params: { scal: choice([1]) } }), /^space.params.scal: unknown family parameter "scal" for family pplcnet \(known: scale, k, se, cifar, resolution, res_mult\)$/);
  assert.equal(issue({ base: 'efficientnet', params: { phi: { dist: 'uniform', low: 0, high: 2, q: 0.5 } } }), 'space.params: phi sets width_mult, depth_mult and the resolution; give either phi or those');
  assert.equal(issue({ base: 'mobilenetv2', fixed: { resolution: 40 } }), 'space.params.res_mult: resolution and res_mult both set the input resolution; give one');
  assert.equal(issue({ kind: 'family', family: 'fbnet', stages: 4, params: {} }), 'space.stages: family fbnet fixes its own structure; stages apply to anynet spaces');
  assert.equal(issue({ kind: 'family', family: 'fbnet', block: 'mbconv', params: {} }), 'space.block: family fbnet fixes its own blocks; block applies to anynet and regnet spaces');
  assert.equal(issue({ base: 'regnetx', family: 'fbnet' }), 'space: Unrecognized key: "family"');
});

test('an experiment with a family space and a network section: file:line:col, naming the key', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dse-family-exp-'));
  try {
    const file = join(dir, 'exp.yaml');
    writeFileSync(file, ['name: f', 'n: 2', 'space:', '  base: fbnet', 'network:', '  stem_w: 16', 'dataset: {name: synthetic}', ''].join('\n'));
    assert.throws(() => loadExperiment(file), (e: Error) => e instanceof UserError && e.message === `${file}:6:11: network.stem_w: family fbnet builds its own network; network.stem_w applies to anynet and regnet spaces (set the family's parameters in space.params or space.fixed)`);
    writeFileSync(file, ['name: f', 'n: 2', 'space: mbconv_stages', 'network:', '  strides: [1, 2]', 'dataset: {name: synthetic}', ''].join('\n'));
    assert.throws(() => loadExperiment(file), (e: Error) => e instanceof UserError && e.message === `${file}:5:12: network.strides: has 2 entries but space mbconv_stages has 7 stages`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('mbconv_stages: an AnyNet of MBConv stages with a sampled kernel, expansion and SE per stage', () => {
  const space = resolveSpace('mbconv_stages');
  const network = { ...networkConfig(undefined, CIFAR, space), stem: 'conv_stem', stemParams: { act: 'silu', stride: 1 }, strides: [1, 1, 2, 2, 1, 2, 1], head: 'conv_head', headW: 1280, headParams: { act: 'silu' } };
  const r = sampleModels({ space, constraints: { flops: [100e6, 150e6] }, network, n: 8, seed: 3 });
  for (const m of r.models) {
    assert.deepEqual(m.cx, complexity(m.spec));
    const blocks = m.spec.nodes.filter((n) => n.type === 'mbconv');
    assert.equal(new Set(blocks.map((b) => b.stage)).size, 7);
    for (const b of blocks) {
      assert.ok([1, 3, 6].includes(b.params!.exp_r as number));
      assert.ok([[3], [5]].some((k) => JSON.stringify(k) === JSON.stringify(b.params!.k)));
      assert.equal(b.params!.act, 'silu');
    }
    assert.equal(m.spec.nodes[0].type, 'conv_stem');
    assert.equal(m.spec.nodes.at(-1)!.type, 'conv_head');
  }
});

test('parnet at a fixed total depth: every kept candidate\'s streams hold stream_blocks blocks, the others are rejected as invalid', () => {
  const space = resolveSpace({ base: 'parnet', params: { streams: { dist: 'choice', values: [2, 3] } }, fixed: { stream_blocks: 8, cifar: true } });
  const r = sample(space, 10, 4);
  assert.equal(r.models.length, 10);
  assert.ok(r.stats.rejected.invalid > 0);
  assert.match(r.stats.invalidExample!, /^stream_blocks: the streams have \d+ blocks, not 8$/);
  for (const m of r.models) {
    const depths = (m.params.depth as number[]).slice(0, m.params.streams as number);
    assert.equal(depths.reduce((a, b) => a + b, 0), 8, JSON.stringify(m.params));
  }
});
