/**
 * Sampler throughput (npm run bench:sampler): RegNetX candidates per second, each sampled,
 * quantized, costed and checked against the 360-400 MF band at 224px (ImageNet setting:
 * simple_stem_in w=32, 1000 classes), on one core. Also the costing step alone, stage-wise
 * (what the sampler uses) against building the spec and costing it block by block. Then the family
 * spaces (EfficientNet, MobileNet, PP-LCNet, FBNet) on the CIFAR band, where every candidate is built.
 */
import { complexity } from '../src/space/index.js';
import { buildAnyNetSpec, headNode, stemNode } from '../src/space/build.js';
import { regnetStages } from '../src/space/regnet.js';
import { stagesComplexity } from '../src/space/stageCx.js';
import { describeStats, networkConfig, resolveSpace, sampleModels } from '../src/sampler/index.js';
import { Rng } from '../src/sampler/rng.js';
import { CompiledSpace } from '../src/sampler/draw.js';

const network = networkConfig({ stem: 'simple_stem_in', stem_w: 32 }, { channels: 3, resolution: 224, num_classes: 1000 });
const space = resolveSpace('regnetx');
const constraints = { flops: [360e6, 400e6] as [number, number] };

function timeIt<T>(f: () => T): { value: T; seconds: number } {
  const t0 = process.hrtime.bigint();
  const value = f();
  return { value, seconds: Number(process.hrtime.bigint() - t0) / 1e9 };
}

function endToEnd(n: number, seed: number) {
  return timeIt(() => sampleModels({ space, constraints, network, n, seed, maxDraws: 1e9 }));
}

endToEnd(200, 99); // warm up the JIT
const runs = [1, 2, 3].map((seed) => endToEnd(2000, seed));
const best = runs.reduce((a, b) => (a.value.stats.drawn / a.seconds > b.value.stats.drawn / b.seconds ? a : b));
console.log('RegNetX, 224px, 1000 classes, simple_stem_in w=32, flops in [360, 400] MF, one core');
console.log(`  end to end:  ${Math.round(best.value.stats.drawn / best.seconds).toLocaleString('en-US')} candidates/s sampled+quantized+costed+checked`);
console.log(`               ${Math.round(best.value.stats.kept / best.seconds).toLocaleString('en-US')} kept models/s (${describeStats(best.value.stats)}, ${best.seconds.toFixed(2)} s)`);

// Costing alone, on candidates that pass the stage constraint (the ones the sampler costs).
const compiled = new CompiledSpace(space, network);
const rng = new Rng(7);
const layouts: Parameters<typeof stagesComplexity>[0][] = [];
while (layouts.length < 20000) {
  const st = compiled.stages(compiled.allValues(compiled.draw(rng)));
  if (st.regnet && st.regnet.numStages === st.regnet.totalStages && st.depths.length === 4) {
    layouts.push({
      input: { channels: 3, resolution: 224 },
      stem: stemNode(network),
      blockType: network.blockType,
      head: headNode({ ...network, numClasses: 1000, headW: 0 }),
      depths: st.depths,
      widths: st.widths,
      strides: st.strides,
      params: st.blockParams,
    });
  }
}
let sink = 0;
const costStagewise = () => {
  for (const l of layouts) sink += stagesComplexity(l).flops;
};
const costViaSpec = () => {
  for (const l of layouts) {
    const spec = buildAnyNetSpec({ depths: Array.from(l.depths), widths: Array.from(l.widths), strides: Array.from(l.strides), params: l.params as Record<string, number[]> }, network);
    sink += complexity(spec).flops;
  }
};
costStagewise();
costViaSpec();
const stagewise = Math.min(...[1, 2, 3].map(() => timeIt(costStagewise).seconds));
const viaSpec = Math.min(...[1, 2, 3].map(() => timeIt(costViaSpec).seconds));
console.log(`  costing:     ${Math.round(layouts.length / stagewise).toLocaleString('en-US')} models/s stage-wise, ${Math.round(layouts.length / viaSpec).toLocaleString('en-US')} models/s building and costing the spec (${(viaSpec / stagewise).toFixed(1)}x)`);

// Quantization alone (generate_regnet + adjust_block_compatibility).
const params = Array.from({ length: 20000 }, () => compiled.allValues(compiled.draw(rng)));
const quantize = () => {
  for (const p of params) sink += regnetStages({ depth: p.depth as number, w0: p.w0 as number, wa: p.wa as number, wm: p.wm as number, group_w: p.group_w as number }).numStages;
};
quantize();
const q = Math.min(...[1, 2, 3].map(() => timeIt(quantize).seconds));
console.log(`  quantizing:  ${Math.round(params.length / q).toLocaleString('en-US')} RegNet parameter sets/s`);

// Family spaces at 32px (CIFAR adaptation) in the 100-150 MF band: each candidate's network is built
// by its generator and costed node by node; a repeated candidate's verdict is remembered.
const cifar = { channels: 3, resolution: 32, num_classes: 10 };
console.log('Family spaces, 32px (cifar: true), 10 classes, flops in [100, 150] MF, 500 models, one core');
for (const name of ['efficientnet', 'mobilenetv2', 'mobilenetv3', 'pplcnet', 'fbnet', 'shufflenetv2', 'shufflenetv2plus', 'ghostnet', 'squeezenet', 'peleenet', 'condensenet']) {
  const fam = resolveSpace({ base: name, fixed: { cifar: true } });
  const net = networkConfig(undefined, cifar, fam);
  const run = timeIt(() => sampleModels({ space: fam, constraints: { flops: [100e6, 150e6] }, network: net, n: 500, seed: 1, maxDraws: 1e9 }));
  const built = run.value.stats.drawn - run.value.stats.duplicates;
  console.log(`  ${name.padEnd(13)} ${Math.round(run.value.stats.drawn / run.seconds).toLocaleString('en-US').padStart(7)} candidates/s, ${Math.round(run.value.stats.kept / run.seconds).toLocaleString('en-US').padStart(5)} kept/s (${describeStats(run.value.stats)}; ${built.toLocaleString('en-US')} built, ${run.seconds.toFixed(2)} s)`);
}
if (sink === -1) console.log(sink);
