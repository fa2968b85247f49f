/**
 * Throughput of the width-rule fit (dse fit) on the default grid, single-threaded and with the worker
 * pool (fitPool.ts, one thread per available core, worker start-up included), for three
 * populations: RegNet models sampled at pycls's quanta (fits are exact), AnyNetX_A-like models
 * (4 stages, free depths and widths) and AnyNetX_E-like models (depths and widths non-decreasing).
 *
 *   npx tsc -p . && node dist/bench/fit.js [models per population, default 2000]
 */
import seedrandom from 'seedrandom';
import { generateRegnet } from '../src/space/regnet.js';
import { availableParallelism } from 'node:os';
import { WidthRuleFitter } from '../src/analysis/widthFit.js';
import { fitWidthRules } from '../src/analysis/fitPool.js';
import { DEFAULT_FIT_GRID } from '../src/analysis/grid.js';

const n = Number(process.argv[2] ?? 2000);
const rng = seedrandom('bench-fit');
const logUniform = (lo: number, hi: number) => Math.exp(Math.log(lo) + rng() * (Math.log(hi) - Math.log(lo)));
const intIn = (lo: number, hi: number) => lo + Math.floor(rng() * (hi - lo + 1));
const ceilTo = (x: number, q: number) => Math.round(Math.ceil(x / q) * q * 1000) / 1000;

function regnet(): number[] {
  const wa = ceilTo(logUniform(8, 256), 0.1);
  const w0 = ceilTo(logUniform(8, 256), 8);
  const wm = ceilTo(logUniform(1.5, 3), 0.001);
  return generateRegnet(wa, w0, wm, intIn(6, 40)).widthsAll;
}

function anynet(sorted: boolean): number[] {
  const ds = [0, 1, 2, 3].map(() => intIn(1, 16));
  const ws = [0, 1, 2, 3].map(() => ceilTo(logUniform(16, 1024), 8));
  if (sorted) {
    ds.sort((a, b) => a - b);
    ws.sort((a, b) => a - b);
  }
  return ds.flatMap((d, s) => new Array<number>(d).fill(ws[s]));
}

const populations: [string, () => number[]][] = [
  ['regnet (pycls quanta, d 6-40)', regnet],
  ['anynetx_a-like (4 stages, d_i 1-16)', () => anynet(false)],
  ['anynetx_e-like (sorted d_i, w_i)', () => anynet(true)],
];

const fitter = new WidthRuleFitter();
const warm = performance.now();
fitter.fit([64, 128, 128, 256]);
console.log(`first fit (fills tables): ${(performance.now() - warm).toFixed(0)} ms`);
const threads = availableParallelism();
let total = 0;
let totalSec = 0;
let totalPoolSec = 0;
for (const [name, draw] of populations) {
  const models = Array.from({ length: n }, draw);
  const blocks = models.reduce((s, m) => s + m.length, 0) / n;
  let exact = 0;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  for (const m of models) if (fitter.fit(m).e_fit === 0) exact++;
  const sec = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSec = (cpu.user + cpu.system) / 1e6;
  const p0 = performance.now();
  const poolCpu0 = process.cpuUsage(); // all threads of the process, workers included
  await fitWidthRules(models, DEFAULT_FIT_GRID, { threads, minPoolModels: 0 });
  const poolSec = (performance.now() - p0) / 1000;
  const poolCpu = process.cpuUsage(poolCpu0);
  const poolCpuSec = (poolCpu.user + poolCpu.system) / 1e6;
  total += n;
  totalSec += sec;
  totalPoolSec += poolSec;
  console.log(
    `${name.padEnd(38)} ${(n / sec).toFixed(0).padStart(6)} models/s  (${((sec / n) * 1e3).toFixed(2)} ms/model wall, ${((cpuSec / n) * 1e3).toFixed(2)} ms cpu; mean d ${blocks.toFixed(1)}; e_fit = 0 for ${exact}/${n})` +
      `; pool x${threads}: ${(n / poolSec).toFixed(0).padStart(6)} models/s (${(sec / poolSec).toFixed(2)}x; ${((poolCpuSec / n) * 1e3).toFixed(2)} ms cpu/model)`,
  );
}
console.log(`all: ${(total / totalSec).toFixed(0)} models/s single-threaded, ${(total / totalPoolSec).toFixed(0)} models/s with the pool (${threads} threads, ${(totalSec / totalPoolSec).toFixed(2)}x)`);
console.log(`10,000 models: ${((10000 * totalSec) / total).toFixed(1)} s single-threaded, ${((10000 * totalPoolSec) / total).toFixed(1)} s with the pool (wall clock; compare the cpu times on a loaded machine)`);
