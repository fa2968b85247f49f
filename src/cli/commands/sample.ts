/**
 * `dse sample <experiment.yaml> [-n N] [--seed S] [--format table|json|csv]`: the models an
 * experiment would train, with their complexity, and how many candidates were drawn, rejected
 * (by reason) and kept. The report goes to stdout with the table and to stderr with json/csv, so
 * machine output stays clean.
 */
import type { Command } from 'commander';
import { loadExperiment } from '../../experiment/load.js';
import { type ParamValue, renderTable, shortCount } from '../../space/index.js';
import { type SampleResult, type SampledModel, type SpaceDefinition, describeStats, networkConfig, sampleModels } from '../../sampler/index.js';
import { UserError } from '../../util/errors.js';
import { parseNumber } from '../modelOptions.js';
import { SWEEP_LIMITS } from '../../experiment/schema.js';

const FORMATS = ['table', 'json', 'csv'] as const;
type Format = (typeof FORMATS)[number];

interface SampleCliOptions {
  n?: string;
  seed?: string;
  format: string;
}

export function registerSample(program: Command): void {
  program
    .command('sample')
    .description('sample an experiment\'s models and print them with their complexity and the drawn/rejected/kept counts')
    .argument('<experiment>', 'experiment YAML file')
    .option('-n, --n <count>', 'number of models (default: the file\'s n)')
    .option('--seed <seed>', 'random seed (default: the file\'s seed)')
    .option('--format <format>', `output format: ${FORMATS.join(', ')}`, 'table')
    .action((file: string, opts: SampleCliOptions) => {
      const format = opts.format as Format;
      if (!FORMATS.includes(format)) throw new UserError(`--format: must be one of ${FORMATS.join(', ')}, got "${opts.format}"`);
      const n = opts.n === undefined ? undefined : parseNumber(opts.n, '-n', 'positiveInt', SWEEP_LIMITS.n);
      const seed = opts.seed === undefined ? undefined : parseNumber(opts.seed, '--seed', 'nonNegativeInt', SWEEP_LIMITS.seed);
      const exp = loadExperiment(file);
      const space = exp.space;
      const result = sampleModels({
        space,
        constraints: exp.constraints,
        network: networkConfig(exp.network, exp.input, space),
        n: n ?? exp.n,
        seed: seed ?? exp.seed,
        maxDraws: exp.sampler?.max_draws,
      });
      const report = `${space.name}: ${describeStats(result.stats)}`;
      if (format === 'table') process.stdout.write(`${[...sampleTable(space, result.models), '', report].join('\n')}\n`);
      else {
        process.stdout.write(format === 'json' ? `${JSON.stringify(sampleJson(result), null, 2)}\n` : sampleCsv(space, result.models));
        process.stderr.write(`${report}\n`);
      }
    });
}

/** The columns of a model listing: the sampled RegNet scalars, a family's sampled knobs, or the AnyNet per-stage lists and sampled block parameters. */
function columns(space: SpaceDefinition): string[] {
  if (space.kind === 'regnet') return [...Object.keys(space.params), 'ws', 'ds'];
  if (space.kind === 'family') return [...Object.keys(space.params), 'resolution'].filter((k, i, all) => all.indexOf(k) === i);
  return ['ds', 'ws', 'bs', 'gs', ...Object.keys(space.params).filter((k) => !['depth', 'width', 'bot_mul', 'group_w'].includes(k))];
}

function cell(v: ParamValue | ParamValue[] | undefined, sep: string): string {
  if (v === undefined) return '';
  return Array.isArray(v) ? v.join(sep) : String(v);
}

export function sampleTable(space: SpaceDefinition, models: SampledModel[]): string[] {
  const cols = columns(space).filter((c) => models.some((m) => m.params[c] !== undefined));
  const rows = models.map((m) => [
    String(m.index),
    ...cols.map((c) => cell(m.params[c], ',')),
    `${shortCount(m.cx.flops)}F`,
    shortCount(m.cx.params),
    shortCount(m.cx.acts),
  ]);
  return renderTable(['#', ...cols, 'flops', 'params', 'acts'], rows);
}

export function sampleJson(result: SampleResult): object {
  return {
    models: result.models.map((m) => ({ index: m.index, key: m.key, params: m.params, complexity: m.cx, spec: m.spec })),
    stats: result.stats,
  };
}

function csvField(s: string): string {
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function sampleCsv(space: SpaceDefinition, models: SampledModel[]): string {
  const cols = [...new Set([...Object.keys(space.params), ...Object.keys(space.fixed), ...columns(space), 'ds', 'ws', 'ss', 'gs', 'bs'])].filter((c) =>
    models.some((m) => m.params[c] !== undefined),
  );
  const header = ['index', ...cols, 'flops', 'params', 'acts'];
  const lines = models.map((m) => [String(m.index), ...cols.map((c) => cell(m.params[c], ',')), String(m.cx.flops), String(m.cx.params), String(m.cx.acts)].map(csvField).join(','));
  return `${[header.join(','), ...lines].join('\n')}\n`;
}
