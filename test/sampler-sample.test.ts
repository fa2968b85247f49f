/**
 * sampleModels: determinism, constraints (stage rule, complexity ranges), duplicates, the report,
 * giving up after max_draws; and the constraints/sampler/network sections.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { complexity, generateRegnet, validateSpec } from '../src/space/index.js';
import { blocks } from './helpers/spec.js';
import {
  ConstraintsSchema,
  NetworkSectionSchema,
  SamplerExhaustedError,
  SamplerSectionSchema,
  describeStats,
  networkConfig,
  parseQuantity,
  resolveSpace,
  sampleModels,
  type SampleStats,
} from '../src/sampler/index.js';
import { isUserError } from '../src/util/errors.js';

const IMAGENET = networkConfig({}, { channels: 3, resolution: 224, num_classes: 1000 });
const BAND = { flops: [360e6, 400e6] as [number, number] };

function total(stats: SampleStats): number {
  return stats.kept + stats.duplicates + Object.values(stats.rejected).reduce((a, b) => a + b, 0);
}

test('a fixed seed gives fixed first samples (RegNetX in the 360-400 MF band, ImageNet setting)', () => {
  const r = sampleModels({ space: resolveSpace('regnetx'), network: IMAGENET, constraints: BAND, n: 3, seed: 1 });
  assert.deepEqual(
    r.models.map((m) => m.key),
    ['depth=14 w0=24 wa=34.8 wm=2.827 group_w=16', 'depth=20 w0=24 wa=17.1 wm=2.666 group_w=16', 'depth=23 w0=24 wa=9.6 wm=2.237 group_w=32'],
  );
  assert.deepEqual(r.stats, { drawn: 1044, kept: 3, duplicates: 0, rejected: { 'stages:count': 506, 'stages:skipped_level': 300, flops: 235 } });
  const a = sampleModels({ space: resolveSpace('anynetx_a'), network: IMAGENET, n: 2, seed: 1 });
  assert.deepEqual(a.models.map((m) => m.key), ['depth=7,4,1,7 width=56,64,24,320 bot_mul=0.5,1,1,0.25 group_w=4,1,8,32', 'depth=1,2,4,5 width=8,40,24,8 bot_mul=0.25,0.25,1,1 group_w=4,32,4,1']);
});

test('same seed, same models; another seed, other models; constraints change which are kept, not the draws', () => {
  const opts = { space: resolveSpace('regnety'), network: IMAGENET, constraints: BAND, n: 20, seed: 7 };
  const a = sampleModels(opts);
  const b = sampleModels(opts);
  assert.deepEqual(b.models, a.models);
  assert.notDeepEqual(sampleModels({ ...opts, seed: 8 }).models.map((m) => m.key), a.models.map((m) => m.key));
  const wider = sampleModels({ ...opts, constraints: { flops: [300e6, 400e6] }, n: 200 });
  const keys = new Set(wider.models.map((m) => m.key));
  assert.ok(a.models.every((m) => keys.has(m.key)), 'every model of the narrow band is also drawn under the wide band');
});

test('the first k models of a draw of n > k are the draw of k (a sweep can be extended)', () => {
  const opts = { space: resolveSpace('anynetx_d'), network: IMAGENET, constraints: BAND, seed: 4 };
  const ten = sampleModels({ ...opts, n: 10 });
  const four = sampleModels({ ...opts, n: 4 });
  assert.deepEqual(four.models, ten.models.slice(0, 4));
});

test('kept models satisfy every constraint, and their complexity is that of their spec', () => {
  const constraints = { flops: [360e6, 400e6] as [number, number], params: [null, 4e6] as [null, number], acts: [2.5e6, null] as [number, null], stages: [3, 4] as [number, number] };
  const r = sampleModels({ space: resolveSpace('regnetx'), network: IMAGENET, constraints, n: 30, seed: 5 });
  assert.equal(r.models.length, 30);
  for (const m of r.models) {
    validateSpec(m.spec);
    assert.deepEqual(m.cx, complexity(m.spec));
    assert.ok(m.cx.flops >= 360e6 && m.cx.flops <= 400e6 && m.cx.params <= 4e6 && m.cx.acts >= 2.5e6);
    const gen = generateRegnet(m.params.wa as number, m.params.w0 as number, m.params.wm as number, m.params.depth as number);
    assert.equal(gen.numStages, gen.totalStages, 'no skipped quantization level');
    assert.ok(gen.numStages >= 3 && gen.numStages <= 4);
    assert.deepEqual(m.params.ds, gen.ds);
    assert.equal(m.params.num_stages, gen.numStages);
    assert.ok(blocks(m.spec).every((b) => b.params!.bot_mul === 1 && b.params!.se_r === 0));
  }
  assert.deepEqual(r.models.map((m) => m.index), [...Array(30).keys()]);
  assert.equal(total(r.stats), r.stats.drawn);
  assert.ok(r.stats.rejected.params > 0 && r.stats.rejected.acts > 0 && r.stats.rejected['stages:skipped_level'] > 0);
});

test('RegNets default to pycls\'s 4-stage constraint; an explicit stages range replaces it', () => {
  const four = sampleModels({ space: resolveSpace('regnetx'), network: IMAGENET, n: 50, seed: 2 });
  assert.ok(four.models.every((m) => (m.params.ws as number[]).length === 4));
  const any = sampleModels({ space: resolveSpace('regnetx'), network: IMAGENET, constraints: { stages: [null, null] }, n: 100, seed: 2 });
  assert.ok(new Set(any.models.map((m) => (m.params.ws as number[]).length)).size > 1);
  assert.equal(any.stats.rejected['stages:count'], undefined);
});

test('duplicates are dropped and counted; keys are unique', () => {
  const tiny = resolveSpace({ kind: 'regnet', params: { depth: { dist: 'choice', values: [12, 13] }, wa: { dist: 'choice', values: [20, 30] } }, fixed: { w0: 24, wm: 2.5, group_w: 8 } });
  const r = sampleModels({ space: tiny, network: IMAGENET, constraints: { stages: [null, null] }, n: 4, seed: 1 });
  assert.equal(new Set(r.models.map((m) => m.key)).size, 4);
  assert.ok(r.stats.duplicates > 0);
  assert.equal(total(r.stats), r.stats.drawn);
});

test('gives up after max_draws with a one-line UserError carrying the counts', () => {
  const run = () => sampleModels({ space: resolveSpace('regnetx'), network: IMAGENET, constraints: { flops: [1, 2] }, n: 5, seed: 1, maxDraws: 500 });
  assert.throws(run, (e: unknown) => {
    assert.ok(e instanceof SamplerExhaustedError && isUserError(e));
    assert.equal(e.stats.drawn, 500);
    assert.equal(e.stats.kept, 0);
    assert.match(e.message, /^sampler: only 0 of 5 models passed after 500 draws \(sampler\.max_draws\) — drawn 500, kept 0, duplicates 0, rejected 500 \(.*flops \d+.*\); widen the constraints or raise sampler\.max_draws$/);
    assert.ok(!e.message.includes('\n'));
    return true;
  });
});

test('the report names every rejection reason with its count', () => {
  assert.equal(describeStats({ drawn: 10, kept: 2, duplicates: 1, rejected: { flops: 3, 'stages:count': 4 } }), 'drawn 10, kept 2, duplicates 1, rejected 7 (stages:count 4, flops 3)');
  assert.equal(describeStats({ drawn: 2, kept: 2, duplicates: 0, rejected: {} }), 'drawn 2, kept 2, duplicates 0, rejected 0');
});

test('a space sampling a block parameter the network\'s block does not take is a UserError', () => {
  const basic = networkConfig({ block: 'res_basic_block' }, { channels: 3, resolution: 32, num_classes: 10 });
  assert.throws(() => sampleModels({ space: resolveSpace('anynetx_a'), network: basic, n: 1, seed: 1 }), (e: unknown) => isUserError(e) && /network.block: res_basic_block has no bot_mul, which space anynetx_a samples/.test((e as Error).message));
  // Fixed block parameters it does not take are ignored: a RegNet of basic blocks.
  const r = sampleModels({ space: resolveSpace({ base: 'regnetx', fixed: { group_w: 1 } }), network: basic, constraints: { stages: [null, null] }, n: 3, seed: 1 });
  assert.ok(r.models.every((m) => blocks(m.spec).every((b) => b.type === 'res_basic_block' && !('group_w' in b.params!))));
});

test('networkConfig: dse defaults, then the space\'s block, then the network section', () => {
  const input = { channels: 1, resolution: 28, num_classes: 10 };
  assert.deepEqual(networkConfig(undefined, input), { stem: 'simple_stem_in', stemW: 32, blockType: 'res_bottleneck_block', resolution: 28, numClasses: 10, inputChannels: 1, headW: 0, stride: 2, firstStride: 2 });
  const space = resolveSpace({ base: 'regnetx', block: 'res_basic_block', fixed: { group_w: 1 } });
  assert.equal(networkConfig({}, input, space).blockType, 'res_basic_block');
  assert.deepEqual(networkConfig({ stem: 'res_stem_cifar', stem_w: 16, block: 'vanilla_block', stride: 1, first_stride: 1, head_w: 64 }, input, space), { stem: 'res_stem_cifar', stemW: 16, blockType: 'vanilla_block', resolution: 28, numClasses: 10, inputChannels: 1, headW: 64, stride: 1, firstStride: 1 });
});

test('parseQuantity: numbers and strings with k/M/G suffixes, exactly', () => {
  assert.equal(parseQuantity(360e6), 360e6);
  assert.equal(parseQuantity('360M'), 360_000_000);
  assert.equal(parseQuantity('0.4G'), 400_000_000);
  assert.equal(parseQuantity('5e6'), 5_000_000);
  assert.equal(parseQuantity('2.5k'), 2500);
  assert.equal(parseQuantity(' 1.5e3M '), 1.5e9);
  assert.equal(parseQuantity('1B'), 1e9);
  assert.ok(Number.isNaN(parseQuantity('360 MF')));
  assert.ok(Number.isNaN(parseQuantity('lots')));
});

test('ConstraintsSchema: inclusive [min, max] ranges with open ends, and clear errors', () => {
  assert.deepEqual(ConstraintsSchema.parse({ flops: [360e6, '400M'], params: [null, '5e6'], acts: [null, null], stages: [1, 4] }), { flops: [360e6, 400e6], params: [null, 5e6], acts: [null, null], stages: [1, 4] });
  assert.deepEqual(ConstraintsSchema.parse({}), {});
  const err = (v: unknown) => {
    const r = ConstraintsSchema.safeParse(v);
    assert.ok(!r.success);
    return [r.error.issues[0].path.join('.'), r.error.issues[0].message];
  };
  assert.deepEqual(err({ flops: [400e6, 360e6] }), ['flops', 'flops range is empty: min 400000000 > max 360000000']);
  assert.match(err({ flops: ['360 MF', null] })[1], /non-negative number like 360e6 or "360M"/);
  assert.equal(err({ flops: ['360 MF', null] })[0], 'flops.0');
  assert.match(err({ params: 5e6 })[1], /expected \[min, max\]/);
  assert.deepEqual(err({ stages: [1.5, 4] })[0], 'stages.0');
  assert.match(err({ flopz: [1, 2] })[1], /Unrecognized key/);
});

test('SamplerSectionSchema and NetworkSectionSchema are strict', () => {
  assert.deepEqual(SamplerSectionSchema.parse({ max_draws: 1000 }), { max_draws: 1000 });
  assert.equal(SamplerSectionSchema.safeParse({ max_draws: 0 }).success, false);
  assert.equal(SamplerSectionSchema.safeParse({ draws: 10 }).success, false);
  assert.deepEqual(NetworkSectionSchema.parse({ stem: 'res_stem_cifar', stem_w: 16, block: 'res_bottleneck_block', stride: 2, first_stride: 1, head_w: 0 }), { stem: 'res_stem_cifar', stem_w: 16, block: 'res_bottleneck_block', stride: 2, first_stride: 1, head_w: 0 });
  assert.equal(NetworkSectionSchema.safeParse({ stem: 'big_stem' }).success, false);
  assert.equal(NetworkSectionSchema.safeParse({ stemw: 16 }).success, false);
});

test('network section: stem and head as {type, ...parameters}, checked against the registry', () => {
  const parsed = NetworkSectionSchema.parse({ stem: { type: 'conv_stem', act: 'silu', stride: 1 }, head: { type: 'conv_head', act: 'silu', head_w: 1280, dropout: 0.2 }, strides: [1, 1, 2, 2, 1, 2, 1] });
  assert.deepEqual(parsed.stem, { type: 'conv_stem', act: 'silu', stride: 1 });
  assert.deepEqual(parsed.head, { type: 'conv_head', act: 'silu', head_w: 1280, dropout: 0.2 });
  // A head without a type is dse's anynet_head; a bare name stays a name (stored configs compare equal).
  assert.deepEqual(NetworkSectionSchema.parse({ head: { act: 'silu' } }).head, { type: 'anynet_head', act: 'silu' });
  assert.equal(NetworkSectionSchema.parse({ stem: 'conv_stem' }).stem, 'conv_stem');
  const input = { channels: 3, resolution: 32, num_classes: 10 };
  const cfg = networkConfig(parsed, input);
  assert.deepEqual([cfg.stem, cfg.stemParams, cfg.head, cfg.headW, cfg.headParams, cfg.strides], ['conv_stem', { act: 'silu', stride: 1 }, 'conv_head', 1280, { act: 'silu', dropout: 0.2 }, [1, 1, 2, 2, 1, 2, 1]]);
  // A head type's own default width stands when the section gives none (conv_head: 1280).
  assert.equal(networkConfig(NetworkSectionSchema.parse({ head: { type: 'conv_head' } }), input).headW, undefined);
  const message = (v: unknown) => {
    const r = NetworkSectionSchema.safeParse(v);
    assert.ok(!r.success, JSON.stringify(v));
    return `${r.error.issues[0].path.join('.')}: ${r.error.issues[0].message}`;
  };
  assert.match(message({ stem: { type: 'conv_stem', actt: 'silu' } }), /^stem.actt: unknown parameter \(did you mean act\?\)/);
  assert.match(message({ stem: { type: 'conv_stem', act: 'swish' } }), /^stem.act: must be one of relu, .*got "swish"/);
  assert.match(message({ stem: { type: 'conv_stem', w_out: 16 } }), /^stem.w_out: is not set here: set the stem width with network.stem_w/);
  assert.match(message({ stem: { type: 'mbconv' } }), /^stem.type: .*mbconv/);
  assert.match(message({ head: { type: 'conv_head', num_classes: 5 } }), /^head.num_classes: is not set here: the classes come from the dataset/);
  assert.match(message({ head: { head_w: 64 }, head_w: 32 }), /^head_w: is set twice/);
  assert.match(message({ strides: [1, 2], stride: 2 }), /^strides: strides gives every stage's stride/);
});
