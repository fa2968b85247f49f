/**
 * Ranking stability benchmark: samples a small sweep, trains every model twice with two training
 * seeds (recipe.seed: initialization and data order; the data and its splits stay fixed) on the torch
 * engine, CPU, and prints how much the ranking and the error EDF move between the two runs: the
 * Spearman rank correlation of the models' errors, the KS distance of the two EDFs (the largest share
 * of models whose side of some error e changes) and the mean |F1(e) - F2(e)| over the pooled errors.
 * Both rankings dse can use are measured (validation and test error), each with precise BN statistics
 * off and on.
 *
 *   node dist/bench/stability.js [--n 8] [--epochs 3] [--dataset fashion-mnist|synthetic]
 *        [--train-size 2000] [--val-size 500] [--test-size 1000] [--resolution 16] [--slots 2] [--json out.json]
 */
import { availableParallelism, cpus } from 'node:os';
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { edfShift, spearman } from '../src/analysis/seedNoise.js';
import { parseExperiment } from '../src/experiment/load.js';
import { prepareDataset } from '../src/models/data/index.js';
import { sampleTrials } from '../src/sweep/sample.js';
import type { NewTrial } from '../src/store/types.js';
import type { DatasetRef, Recipe, TrainResult } from '../src/workers/engine.js';
import { createTorchSlot, type TorchSlot } from '../src/workers/torch/slot.js';

function options() {
  const { values } = parseArgs({
    options: {
      n: { type: 'string', default: '8' },
      epochs: { type: 'string', default: '3' },
      dataset: { type: 'string', default: 'fashion-mnist' },
      'train-size': { type: 'string', default: '2000' },
      'val-size': { type: 'string', default: '500' },
      'test-size': { type: 'string', default: '1000' },
      resolution: { type: 'string', default: '16' },
      slots: { type: 'string', default: String(Math.min(2, availableParallelism())) },
      json: { type: 'string' },
    },
  });
  return {
    n: Number(values.n), epochs: Number(values.epochs), dataset: values.dataset as string,
    trainSize: Number(values['train-size']), valSize: Number(values['val-size']), testSize: Number(values['test-size']),
    resolution: Number(values.resolution), slots: Number(values.slots), json: values.json ?? null,
  };
}

function experimentText(o: ReturnType<typeof options>): string {
  return `
name: stability
n: ${o.n}
seed: 1
space:
  base: regnetx
  params:
    depth: {dist: uniform, low: 1, high: 6, q: 1}
    w0: {dist: log_uniform, low: 8, high: 32, q: 8}
    wa: {dist: log_uniform, low: 4, high: 24, q: 0.1}
    group_w: {dist: choice, values: [8]}
constraints:
  stages: [1, 3]
network:
  stem: res_stem_cifar
  stem_w: 8
  first_stride: 1
dataset:
  name: ${o.dataset}
  train_size: ${o.trainSize}
  val_size: ${o.valSize}
  test_size: ${o.testSize}
  resolution: ${o.resolution}
${o.dataset === 'synthetic' ? '  num_classes: 10\n' : ''}recipe:
  epochs: ${o.epochs}
  batch_size: 64
`;
}

async function trainAll(slots: TorchSlot[], jobs: { trial: NewTrial; recipe: Recipe; key: string }[], dataset: DatasetRef): Promise<Map<string, TrainResult>> {
  const results = new Map<string, TrainResult>();
  let next = 0;
  await Promise.all(
    slots.map(async (slot) => {
      while (next < jobs.length) {
        const job = jobs[next++];
        const r = await slot.train({ trial_id: job.key, spec: job.trial.spec, dataset, recipe: job.recipe, device: 'cpu' }, () => {}, new AbortController().signal);
        if (r.status !== 'done') throw new Error(`${job.key}: ${r.error}`);
        results.set(job.key, r);
        process.stderr.write('.');
      }
    }),
  );
  process.stderr.write('\n');
  return results;
}

async function main(): Promise<void> {
  const o = options();
  const exp = parseExperiment(experimentText(o), 'stability.yaml');
  const { trials } = sampleTrials(exp, o.n);
  const dataset = prepareDataset({ ...exp.dataset, seed: exp.seed });
  const base = exp.recipe as Recipe;
  const configs = [{ name: 'precise_bn 0', precise_bn: 0 }, { name: `precise_bn ${base.precise_bn}`, precise_bn: base.precise_bn }];
  const seeds = [11, 12];
  const jobs = configs.flatMap((c) => seeds.flatMap((seed) => trials.map((trial) => ({ trial, recipe: { ...base, seed, precise_bn: c.precise_bn }, key: `${c.name}|${seed}|${trial.index}` }))));
  const threads = Math.max(1, Math.floor(availableParallelism() / o.slots));
  const slots = await Promise.all(Array.from({ length: o.slots }, (_, i) => createTorchSlot({ name: `torch:cpu#${i}`, cudaDevice: null, threads })));
  const started = performance.now();
  let results: Map<string, TrainResult>;
  try {
    results = await trainAll(slots, jobs, dataset);
  } finally {
    await Promise.all(slots.map((s) => s.close()));
  }
  const seconds = (performance.now() - started) / 1000;
  const rows = configs.flatMap((c) =>
    (['final_val_err', 'final_test_err'] as const).map((metric) => {
      const [a, b] = seeds.map((seed) => trials.map((t) => results.get(`${c.name}|${seed}|${t.index}`)![metric] as number));
      const shift = edfShift(a, b);
      return { config: c.name, metric: metric === 'final_val_err' ? 'val' : 'test', spearman: spearman(a, b), ks: shift.ks, mean_edf_shift: shift.mean, errors: [a, b] };
    }),
  );
  const fmt = (v: number) => v.toFixed(2).padStart(6);
  console.log(`stability: ${o.n} models x 2 training seeds x 2 settings, ${o.epochs} epochs, ${o.dataset} ${o.trainSize - o.valSize} train / ${o.valSize} val / ${o.testSize} test at ${o.resolution}px; torch CPU, ${o.slots} slots x ${threads} threads; ${cpus()[0]?.model ?? 'cpu'}; ${seconds.toFixed(0)} s`);
  console.log('setting          rank by  spearman      KS  mean|dEDF|');
  for (const r of rows) console.log(`${r.config.padEnd(17)}${r.metric.padEnd(8)}${fmt(r.spearman)}  ${fmt(r.ks)}  ${fmt(r.mean_edf_shift)}`);
  if (o.json) writeFileSync(o.json, JSON.stringify({ options: o, seconds, rows }, null, 2));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
