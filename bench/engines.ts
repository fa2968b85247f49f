/**
 * Engine benchmark: training throughput (img/s) of one small CIFAR-shaped RegNetX-like network on each
 * available engine, against a plain PyTorch loop over the same nn.Module run in the same command
 * (bench/plain_torch.py), and optionally several torch slots packed on one GPU.
 *
 *   node dist/bench/engines.js [--device cpu|cuda] [--engines torch,tfjs] [--batch-size 64] [--steps 20]
 *        [--epochs 2] [--slots-per-gpu 1,2,4] [--gpu 0] [--threads N] [--tfjs-backend auto] [--json out.json]
 *
 * Engine img/s is the last epoch's training throughput as the engine reports it (earlier epochs warm
 * up: allocation, cudnn autotuning); a packed run reports the sum over its slots, which run the same
 * trial at the same time. "vs plain" = engine / plain loop, the share of the plain loop's speed the
 * engine keeps (augmentation, metrics and its per-epoch evaluation are the difference).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { writeTensorFile } from '../src/models/data/tensorFile.js';
import { complexity, lowerSpec } from '../src/space/index.js';
import { buildAnyNetSpec } from '../src/space/build.js';
import type { ModelSpec } from '../src/space/index.js';
import { packageRoot } from '../src/util/paths.js';
import { DEFAULT_RECIPE, type DatasetRef, type EngineSlot, type TrainRequest } from '../src/workers/engine.js';
import { findTorchPython } from '../src/workers/torch/python.js';
import { createTorchSlot } from '../src/workers/torch/slot.js';

interface Row {
  engine: string;
  device: string;
  slots: number;
  images_per_sec: number;
  vs_torch: number | null;
  vs_plain: number | null;
}

interface Options {
  device: 'cpu' | 'cuda';
  engines: string[];
  batchSize: number;
  steps: number;
  epochs: number;
  slotsPerGpu: number[];
  gpu: number;
  threads: number;
  tfjsBackend: string;
  json: string | null;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      device: { type: 'string', default: 'cpu' },
      engines: { type: 'string', default: 'torch,tfjs' },
      'batch-size': { type: 'string', default: '64' },
      steps: { type: 'string', default: '20' },
      epochs: { type: 'string', default: '2' },
      'slots-per-gpu': { type: 'string', default: '1' },
      gpu: { type: 'string', default: '0' },
      threads: { type: 'string', default: String(availableParallelism()) }, // shared by packed slots
      'tfjs-backend': { type: 'string', default: 'auto' },
      json: { type: 'string' },
    },
  });
  const int = (flag: string, v: string, min: number): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) fail(`--${flag} must be an integer >= ${min}, got ${JSON.stringify(v)}`);
    return n;
  };
  if (values.device !== 'cpu' && values.device !== 'cuda') fail(`--device must be cpu or cuda, got ${JSON.stringify(values.device)}`);
  const engines = values.engines.split(',').map((e) => e.trim()).filter(Boolean);
  for (const e of engines) if (e !== 'torch' && e !== 'tfjs') fail(`--engines: unknown engine ${JSON.stringify(e)} (use torch, tfjs)`);
  return {
    device: values.device,
    engines,
    batchSize: int('batch-size', values['batch-size'], 1),
    steps: int('steps', values.steps, 1),
    epochs: int('epochs', values.epochs, 1),
    slotsPerGpu: values['slots-per-gpu'].split(',').map((s) => int('slots-per-gpu', s, 1)),
    gpu: int('gpu', values.gpu, 0),
    threads: int('threads', values.threads, 1),
    tfjsBackend: values['tfjs-backend'],
    json: values.json ?? null,
  };
}

function fail(msg: string): never {
  process.stderr.write(`bench/engines: ${msg}\n`);
  process.exit(2);
}

/** The benchmark network: res_stem_cifar 16, stages [24, 56] x depths [1, 2], group width 8, 32px. */
function benchSpec(): ModelSpec {
  return buildAnyNetSpec(
    { depths: [1, 2], widths: [24, 56], strides: [1, 2], params: { group_w: [8, 8], bot_mul: [1, 1], se_r: [0, 0] } },
    { stem: 'res_stem_cifar', stemW: 16, blockType: 'res_bottleneck_block', resolution: 32, numClasses: 10, inputChannels: 3 },
  );
}

/** Random CIFAR-shaped data (throughput does not depend on what is learned). */
function writeBenchData(dir: string, trainN: number, testN: number): DatasetRef {
  const pixels = 3 * 32 * 32;
  let state = 12345;
  const bytes = (n: number) => Uint8Array.from({ length: n }, () => ((state = (state * 1103515245 + 12345) >>> 0) >>> 24));
  const split = (n: number) => ({ n, x: bytes(n * pixels), y: Uint8Array.from({ length: n }, (_, i) => i % 10) });
  const path = join(dir, 'bench.dsedata');
  const mean = [0.5, 0.5, 0.5];
  const std = [0.29, 0.29, 0.29];
  writeTensorFile(path, { name: 'bench-random', num_classes: 10, channels: 3, height: 32, width: 32, train: split(trainN), test: split(testN), mean, std });
  return { name: 'bench-random', path, num_classes: 10, channels: 3, resolution: 32, mean, std };
}

async function trainOn(slots: EngineSlot[], base: TrainRequest): Promise<{ imagesPerSec: number; device: string }> {
  const results = await Promise.all(slots.map((slot, i) => slot.train({ ...base, trial_id: `${base.trial_id}-${i}` }, () => {}, new AbortController().signal)));
  let total = 0;
  for (const r of results) {
    if (r.status !== 'done') throw new Error(`${r.worker}: ${r.status}: ${r.error}`);
    total += r.epochs[r.epochs.length - 1].images_per_sec;
  }
  return { imagesPerSec: total, device: results[0].device };
}

function plainLoop(python: string, spec: ModelSpec, opts: Options, dir: string): Promise<{ images_per_sec: number; device: string; torch: string }> {
  const specPath = join(dir, 'network.json');
  writeFileSync(specPath, JSON.stringify(lowerSpec(spec)));
  const script = join(packageRoot(), 'bench', 'plain_torch.py');
  const args = [script, '--network', specPath, '--batch-size', String(opts.batchSize), '--steps', String(opts.steps * opts.epochs), '--warmup-steps', String(Math.min(10, opts.steps)), '--device', opts.device, '--threads', String(opts.threads)];
  const env = { ...process.env, ...(opts.device === 'cuda' ? { CUDA_VISIBLE_DEVICES: String(opts.gpu) } : {}) };
  return new Promise((resolve, reject) => {
    execFile(python, args, { env, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`plain torch loop failed: ${err.message}\n${stderr.slice(-2000)}`));
      else resolve(JSON.parse(stdout.trim().split('\n').pop() ?? '{}'));
    });
  });
}

type CreateTfjsSlot = typeof import('../src/workers/tfjs/slot.js').createTfjsSlot;

async function loadTfjs(): Promise<CreateTfjsSlot> {
  // Loaded only when asked for, so `--engines torch` runs whatever state the tfjs engine is in.
  return (await import('../src/workers/tfjs/slot.js')).createTfjsSlot;
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  const torch = opts.engines.includes('torch') ? await findTorchPython() : null;
  if (torch && opts.device === 'cuda' && !torch.cuda) fail(`--device cuda: torch ${torch.torchVersion} (${torch.python}) sees no CUDA device`);
  const spec = benchSpec();
  const cx = complexity(spec);
  const dir = mkdtempSync(join(tmpdir(), 'dse-bench-'));
  const dataset = writeBenchData(dir, opts.steps * opts.batchSize, opts.batchSize);
  const recipe = { ...DEFAULT_RECIPE, epochs: opts.epochs, batch_size: opts.batchSize, base_lr: 0.05, label_smoothing: 0.1 };
  const request: TrainRequest = { trial_id: 'bench', spec, dataset, recipe, device: opts.device };
  const rows: Row[] = [];
  const notes: string[] = [];
  console.log(`bench/engines: ${cx.flops.toLocaleString('en-US')} flops, ${cx.params.toLocaleString('en-US')} params at 32px; batch ${opts.batchSize}, ` +
    `${opts.steps} steps x ${opts.epochs} epochs; device ${opts.device}; ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ${opts.threads} threads per CPU slot`);

  try {
    let plain: number | null = null;
    if (torch) {
      const p = await plainLoop(torch.python, spec, opts, dir);
      plain = p.images_per_sec;
      rows.push({ engine: 'plain torch loop', device: p.device, slots: 1, images_per_sec: plain, vs_torch: null, vs_plain: 1 });
      const packings = opts.device === 'cuda' ? opts.slotsPerGpu : [1];
      for (const k of packings) {
        const slots = await Promise.all(
          Array.from({ length: k }, (_, i) =>
            createTorchSlot({
              name: `torch:${opts.device}${opts.device === 'cuda' ? opts.gpu : ''}#${i}`,
              cudaDevice: opts.device === 'cuda' ? opts.gpu : null,
              threads: Math.max(1, Math.floor(opts.threads / k)), // as the pool shares cores between slots
            }),
          ),
        );
        try {
          const r = await trainOn(slots, request);
          rows.push({ engine: 'torch', device: r.device, slots: k, images_per_sec: r.imagesPerSec, vs_torch: null, vs_plain: r.imagesPerSec / plain });
        } finally {
          await Promise.all(slots.map((s) => s.close()));
        }
      }
    }
    if (opts.engines.includes('tfjs')) {
      let create: CreateTfjsSlot | null = null;
      try {
        create = await loadTfjs();
      } catch (e) {
        notes.push(`tfjs engine not available: ${(e as Error).message.split('\n')[0]}`);
      }
      if (create) {
        const slot = await create({ name: 'tfjs#0', backend: opts.tfjsBackend, threads: opts.threads });
        try {
          const r = await trainOn([slot], { ...request, device: 'cpu' });
          rows.push({ engine: 'tfjs', device: r.device, slots: 1, images_per_sec: r.imagesPerSec, vs_torch: null, vs_plain: plain ? r.imagesPerSec / plain : null });
        } finally {
          await slot.close();
        }
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const torchOne = rows.find((r) => r.engine === 'torch' && r.slots === 1)?.images_per_sec ?? null;
  for (const r of rows) r.vs_torch = torchOne ? r.images_per_sec / torchOne : null;
  printTable(rows);
  for (const n of notes) console.log(`note: ${n}`);
  if (opts.json) {
    const report = {
      when: new Date().toISOString(),
      machine: { cores: cpus().length, cpu: cpus()[0]?.model ?? null, torch: torch?.torchVersion ?? null },
      config: { device: opts.device, batch_size: opts.batchSize, steps: opts.steps, epochs: opts.epochs, slots_per_gpu: opts.slotsPerGpu, threads: opts.threads, spec, complexity: cx },
      results: rows,
      notes,
    };
    writeFileSync(opts.json, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`wrote ${opts.json}`);
  }
}

function printTable(rows: Row[]): void {
  const header = ['engine', 'device', 'slots', 'img/s', 'vs torch', 'vs plain'];
  const ratio = (x: number | null) => (x === null ? '-' : `${x.toFixed(2)}x`);
  const body = rows.map((r) => [r.engine, r.device, String(r.slots), Math.round(r.images_per_sec).toLocaleString('en-US'), ratio(r.vs_torch), ratio(r.vs_plain)]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i >= 2 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join(' | ')} |`;
  console.log(line(header));
  console.log(`|${widths.map((w, i) => (i >= 2 ? `${'-'.repeat(w + 1)}:` : `${'-'.repeat(w + 2)}`)).join('|')}|`);
  for (const b of body) console.log(line(b));
}

main().catch((e: Error) => {
  process.stderr.write(`bench/engines: ${e.message}\n`);
  process.exit(1);
});
