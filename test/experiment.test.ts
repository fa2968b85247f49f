import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadExperiment, parseExperiment, experimentConfig } from '../src/experiment/load.js';
import { configHash, describeChanges, identityChanges } from '../src/experiment/identity.js';
import { DEFAULT_RECIPE } from '../src/workers/engine.js';
import { packageRoot } from '../src/util/paths.js';

const VALID = `name: tiny
n: 4
seed: 3
space: regnetx
network:
  stem: res_stem_cifar
  stem_w: 16
dataset:
  name: fashion-mnist
  train_size: 200
recipe:
  epochs: 2
resources:
  cpu_workers: 2
`;

function errorOf(text: string): string {
  try {
    parseExperiment(text, 'exp.yaml');
  } catch (e) {
    assert.equal((e as Error).name, 'UserError', `not a UserError: ${(e as Error).stack}`);
    return (e as Error).message;
  }
  assert.fail('expected the experiment to be rejected');
}

test('a valid experiment gets defaults and its network input from the dataset', () => {
  const exp = parseExperiment(VALID, 'exp.yaml');
  assert.equal(exp.name, 'tiny');
  assert.equal(exp.n, 4);
  assert.equal(exp.seed, 3);
  assert.equal(exp.engine, 'torch');
  assert.equal(exp.max_retries, 2);
  assert.deepEqual(exp.resources, { gpus: [], trials_per_gpu: 1, cpu_workers: 2 });
  assert.equal(exp.recipe.epochs, 2);
  assert.equal(exp.recipe.batch_size, DEFAULT_RECIPE.batch_size);
  assert.equal(exp.recipe.base_lr, DEFAULT_RECIPE.base_lr);
  assert.deepEqual(exp.input, { channels: 1, resolution: 28, num_classes: 10 });
  assert.equal(exp.space.kind, 'regnet');
  assert.equal(exp.file, 'exp.yaml');
  assert.equal('file' in experimentConfig(exp), false);
});

test('dataset resolution and synthetic shape override the defaults', () => {
  const exp = parseExperiment(VALID.replace('  name: fashion-mnist\n', '  name: synthetic\n  channels: 2\n  num_classes: 4\n  resolution: 12\n'), 'e.yaml');
  assert.deepEqual(exp.input, { channels: 2, resolution: 12, num_classes: 4 });
});

test('a YAML syntax error names the file, line and column', () => {
  assert.match(errorOf('name: x\nn: [1, 2\nseed: 1\n'), /^exp\.yaml:\d+:\d+: YAML syntax error: /);
  assert.equal(errorOf('name: x\nname: y\n'), 'exp.yaml:2:1: duplicate key "name" (a key may appear once in a mapping; remove or merge one of them)');
});

test('an unknown key is located at the key, with a suggestion', () => {
  const text = VALID.replace('  epochs: 2', '  epochs: 2\n  epoch: 3');
  assert.equal(errorOf(text), 'exp.yaml:13:3: recipe.epoch: unknown key (did you mean epochs?)');
  assert.equal(errorOf(`${VALID}colour: red\n`).split(': unknown key')[0], 'exp.yaml:15:1: colour');
  assert.match(errorOf(`${VALID}colour: red\n`), /expected one of: name, description, n, seed, repeats, space/);
});

test('a wrong type or out-of-range value says what was expected and what the file says', () => {
  assert.equal(errorOf(VALID.replace('epochs: 2', 'epochs: -3')), 'exp.yaml:12:11: recipe.epochs: expected a positive integer, got -3');
  assert.equal(errorOf(VALID.replace('n: 4', 'n: "four"')), 'exp.yaml:2:4: n: expected a positive integer, got "four"');
  assert.equal(errorOf(VALID.replace('epochs: 2', 'epochs: 2.5')), 'exp.yaml:12:11: recipe.epochs: expected a positive integer, got 2.5');
  assert.equal(errorOf(VALID.replace('cpu_workers: 2', 'cpu_workers: [1]')), 'exp.yaml:14:16: resources.cpu_workers: expected a positive integer, got a list of 1');
  assert.equal(errorOf(`${VALID}engine: jax\n`), 'exp.yaml:15:9: engine: expected one of torch, tfjs, got jax');
  assert.equal(errorOf(VALID.replace('name: fashion-mnist', 'name: mnist')), 'exp.yaml:9:9: dataset.name: expected one of synthetic, fashion-mnist, cifar10, got mnist');
  assert.equal(errorOf(VALID.replace('  train_size: 200', '  train_size: 200\n  channels: 2')), 'exp.yaml:11:13: dataset.channels: expected 1 or 3 for fashion-mnist, got 2');
  assert.match(errorOf(`${VALID}max_retries: -1\n`), /^exp\.yaml:15:14: max_retries: expected a non-negative integer, got -1$/);
  assert.equal(errorOf(VALID.replace('epochs: 2', 'epochs: 2\n  max_minutes: 0')), 'exp.yaml:13:16: recipe.max_minutes: expected a positive number, got 0');
});

test('a missing required key is reported at its parent', () => {
  assert.equal(errorOf(VALID.replace('n: 4\n', '')), 'exp.yaml:1:1: n: missing (expected a positive integer)');
  assert.match(errorOf(VALID.replace('  name: fashion-mnist\n', '')), /^exp\.yaml:9:3: dataset\.name: missing/);
});

test('an unknown space name and a bad constraint are located', () => {
  assert.match(errorOf(VALID.replace('space: regnetx', 'space: regnetz')), /^exp\.yaml:4:8: space: unknown space "regnetz" \(built-in: .*regnetx/);
  const bad = VALID.replace('network:', 'constraints:\n  flops: [1e6, "12Q"]\nnetwork:');
  assert.match(errorOf(bad), /^exp\.yaml:6:16: constraints\.flops\[1\]: .*"12Q"/);
  assert.match(errorOf(VALID.replace('space: regnetx', 'space: {base: regnetx, parms: {}}')), /^exp\.yaml:4:24: space\.parms: unknown key/);
});

test('a file that is not a mapping, or missing, is a one-line error', () => {
  assert.match(errorOf('- a\n- b\n'), /^exp\.yaml:1:1: expected a mapping of experiment settings .* got a list of 2$/);
  assert.match(errorOf(''), /^exp\.yaml:1:1: expected a mapping/);
  assert.throws(() => loadExperiment('/nonexistent/exp.yaml'), { name: 'UserError', message: '/nonexistent/exp.yaml: no such experiment file' });
});

test('the config hash ignores run settings and the changes are named', () => {
  const a = experimentConfig(parseExperiment(VALID, 'a.yaml'));
  const runOnly = experimentConfig(parseExperiment(VALID.replace('cpu_workers: 2', 'cpu_workers: 1').replace('epochs: 2', 'epochs: 2\n  max_minutes: 30') + 'max_retries: 5\ndescription: hi\n', 'b.yaml'));
  assert.equal(runOnly.recipe.max_minutes, 30);
  assert.equal(configHash(a), configHash(runOnly));
  const b = experimentConfig(parseExperiment(VALID.replace('epochs: 2', 'epochs: 5').replace('n: 4', 'n: 6'), 'c.yaml'));
  assert.notEqual(configHash(a), configHash(b));
  const changes = identityChanges(a as unknown as Record<string, unknown>, b as unknown as Record<string, unknown>);
  assert.deepEqual(changes.map((c) => c.path), ['n', 'recipe.epochs']);
  assert.equal(describeChanges(changes), 'n: 4 -> 6, recipe.epochs: 2 -> 5');
});

test('every shipped experiment file validates', () => {
  const dir = join(packageRoot(), 'experiments');
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
  assert.ok(files.length >= 8, `expected the shipped experiments, found ${files.join(', ')}`);
  for (const f of files) {
    const exp = loadExperiment(join(dir, f));
    assert.equal(`${exp.name}.yaml`.length > 0, true);
  }
});

test('loadExperiment reads a file from disk and reports its path', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dse-exp-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'bad.yaml');
  writeFileSync(path, VALID.replace('epochs: 2', 'epochs: 0'));
  assert.throws(() => loadExperiment(path), { message: `${path}:12:11: recipe.epochs: expected a positive integer, got 0` });
});
