/**
 * `dse cx`: one model's stages and exact complexity (pycls counting), from flags or a spec file.
 *
 *   dse cx --depth 13 --w0 24 --wa 36.44 --wm 2.49 --group-width 8          (RegNetX-200MF)
 *   dse cx --model anynet --depths 9,9,9 --widths 16,32,64 --strides 1,2,2 \
 *          --block res_basic_block --stem res_stem_cifar --stem-w 16 --resolution 32 --classes 10
 *   dse cx --spec two-stream.json --nodes                                     (any v2 spec)
 */
import type { Command } from 'commander';
import { type ResolvedNode, analyzeSpec, complexityLines, fmt, outputClasses, preset, renderTable, shortCount, stageRows, stageTable } from '../../space/index.js';
import { type ModelSource, type ModelSourceValues, addModelSourceOptions, modelSource } from '../modelSource.js';

interface CxOptions extends ModelSourceValues {
  json?: boolean;
  nodes?: boolean;
}

type CxModel = ModelSource;

export function registerCx(program: Command): void {
  const cmd = program
    .command('cx')
    .description('print a model\'s stages and its flops/params/acts (pycls counting), from flags, a spec file or a preset')
    .option('--nodes', 'also list every node: type, output shape, flops, params, acts')
    .option('--json', 'print JSON (stages, complexity, nodes, the full model spec)');
  addModelSourceOptions(cmd).action((opts: CxOptions) => {
    const model = modelSource(opts);
    process.stdout.write(opts.json ? `${JSON.stringify(cxJson(model), null, 2)}\n` : `${cxText(model, opts.nodes ?? false).join('\n')}\n`);
  });
}

export function cxJson(model: CxModel): object {
  const a = analyzeSpec(model.spec);
  const out: Record<string, unknown> = { model: model.kind };
  if (model.kind === 'preset') out.preset = { name: model.source, family: preset(model.source)!.family, source: preset(model.source)!.source, resolution: model.spec.input.resolution };
  if ('regnet' in model && model.regnet) {
    const { params, stages } = model.regnet;
    out.regnet = { ...params, num_stages: stages.numStages, total_stages: stages.totalStages, block_widths: stages.widthsAll };
  }
  out.stages = stageRows(model.spec);
  out.complexity = a.cost;
  out.nodes = a.nodes.map((n) => ({ id: n.spec.id, type: n.type.name, shape: [n.shape.c, n.shape.h, n.shape.w], ...n.cost }));
  out.spec = model.spec;
  return out;
}

/** "simple_stem_in w=32, res_bottleneck_block": stems with their widths, then the block types. */
function partsLine(nodes: ResolvedNode[]): string {
  const stems = nodes.filter((n) => n.type.kind === 'stem').map((n) => `${n.type.name} w=${n.shape.c}`);
  const blocks = [...new Set(nodes.filter((n) => n.type.kind === 'block').map((n) => n.type.name))];
  const others = [...new Set(nodes.filter((n) => n.type.kind === 'op').map((n) => n.type.name))];
  return [...stems, ...blocks, ...(others.length ? [`ops: ${others.join(', ')}`] : [])].join(', ') || 'no blocks';
}

function headWidth(nodes: ResolvedNode[]): string {
  const w = nodes.find((n) => n.type.kind === 'head')?.params.head_w;
  return typeof w === 'number' && w > 0 ? `, head w=${w}` : '';
}

export function cxText(model: CxModel, withNodes = false): string[] {
  const { spec } = model;
  const a = analyzeSpec(spec);
  const lines: string[] = [];
  if ('regnet' in model && model.regnet) {
    const p = model.regnet.params;
    lines.push(`RegNet d=${p.depth} w0=${p.w0} wa=${p.wa} wm=${p.wm} g=${p.group_w} b=${p.bot_mul ?? 1}${p.se_r ? ` se=${p.se_r}` : ''}`);
  } else if (model.kind === 'anynet') {
    lines.push(`AnyNet with ${stageRows(spec).length} stages`);
  } else if (model.kind === 'preset') {
    const p = preset(model.source)!;
    lines.push(`preset ${p.name} (${p.family}): ${p.source}`);
  } else {
    lines.push(`spec ${(model as { source: string }).source}: ${spec.nodes.length} nodes`);
  }
  lines.push(`${spec.input.channels}x${spec.input.resolution}x${spec.input.resolution} input, ${partsLine(a.nodes)}, ${outputClasses(spec)} classes${headWidth(a.nodes)}`);
  const stages = stageTable(spec);
  if (stages.length > 1) lines.push('', ...stages);
  if (withNodes) {
    lines.push('', ...renderTable(['node', 'type', 'output', 'flops', 'params', 'acts'], a.nodes.map((n) => [n.spec.id, n.type.name, fmt(n.shape), shortCount(n.cost.flops), shortCount(n.cost.params), shortCount(n.cost.acts)])));
  }
  lines.push('', ...complexityLines(a.cost));
  const st = 'regnet' in model ? model.regnet?.stages : undefined;
  if (st && st.numStages !== st.totalStages) {
    lines.push('', `note: the quantization skips a level (${st.numStages} stages of ${st.totalStages}); pycls's RegNet sampler rejects such models`);
  }
  return lines;
}
