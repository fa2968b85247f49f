/**
 * `dse cx`: one model's stages and exact complexity (pycls counting), from flags.
 *
 *   dse cx --depth 13 --w0 24 --wa 36.44 --wm 2.49 --group-width 8          (RegNetX-200MF)
 *   dse cx --model anynet --depths 9,9,9 --widths 16,32,64 --strides 1,2,2 \
 *          --block res_basic_block --stem res_stem_cifar --stem-w 16 --resolution 32 --classes 10
 */
import type { Command } from 'commander';
import { complexity } from '../../space/blocks.js';
import { complexityLines, stageRows, stageTable } from '../../space/format.js';
import { type ModelFromOptions, type ModelOptionValues, addModelOptions, modelFromOptions } from '../modelOptions.js';

interface CxOptions extends ModelOptionValues {
  json?: boolean;
}

export function registerCx(program: Command): void {
  const cmd = program
    .command('cx')
    .description('print a model\'s stage widths, depths, group widths and its flops/params/acts (pycls counting)')
    .option('--json', 'print JSON (stages, complexity, the full model spec)');
  addModelOptions(cmd).action((opts: CxOptions) => {
    const model = modelFromOptions(opts);
    process.stdout.write(opts.json ? `${JSON.stringify(cxJson(model), null, 2)}\n` : `${cxText(model).join('\n')}\n`);
  });
}

export function cxJson(model: ModelFromOptions): object {
  const out: Record<string, unknown> = { model: model.kind };
  if (model.regnet) {
    const { params, stages } = model.regnet;
    out.regnet = { ...params, num_stages: stages.numStages, total_stages: stages.totalStages, block_widths: stages.widthsAll };
  }
  out.stages = stageRows(model.spec);
  out.complexity = complexity(model.spec);
  out.spec = model.spec;
  return out;
}

export function cxText(model: ModelFromOptions): string[] {
  const { spec } = model;
  const lines: string[] = [];
  if (model.regnet) {
    const p = model.regnet.params;
    lines.push(`RegNet d=${p.depth} w0=${p.w0} wa=${p.wa} wm=${p.wm} g=${p.group_w} b=${p.bot_mul ?? 1}${p.se_r ? ` se=${p.se_r}` : ''}`);
  } else {
    lines.push(`AnyNet with ${spec.blocks.length ? spec.blocks[spec.blocks.length - 1].stage + 1 : 0} stages`);
  }
  const blockType = spec.blocks[0]?.type ?? '-';
  lines.push(`${spec.input.channels}x${spec.input.resolution}x${spec.input.resolution} input, ${spec.stem.type} w=${spec.stem.w_out}, ${blockType}, ${spec.head.num_classes} classes${spec.head.head_w ? `, head w=${spec.head.head_w}` : ''}`);
  lines.push('', ...stageTable(spec), '', ...complexityLines(complexity(spec)));
  const st = model.regnet?.stages;
  if (st && st.numStages !== st.totalStages) {
    lines.push('', `note: the quantization skips a level (${st.numStages} stages of ${st.totalStages}); pycls's RegNet sampler rejects such models`);
  }
  return lines;
}
