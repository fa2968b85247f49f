/**
 * Analysis commands: `dse fit` (the width-rule fit, stored per trial), `dse plot edf|scatter|widths|
 * curves|efficiency` (one figure, SVG, PNG or PDF) and `dse analyze` (a self-contained HTML report).
 * Every one takes --filter (the trials `dse query --where` would select); `-o -` writes to stdout,
 * and then every message goes to stderr.
 *
 * Sweeps are named `name` (found through --db, else db/<name>.sqlite, else any db/*.sqlite holding
 * it) or `file.sqlite:name`, so sweeps in different database files compare in one command.
 */
import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import type { TopLevelSpec } from 'vega-lite';
import { parseQuantity } from '../../sampler/index.js';
import { openStore } from '../../store/index.js';
import { openStoreForSweep } from '../../store/locate.js';
import { blockWidths, renderTable } from '../../space/index.js';
import type { TrialRecord } from '../../store/types.js';
import { UserError } from '../../util/errors.js';
import { type BootstrapOptions, percentileSorted } from '../../analysis/bootstrap.js';
import { fmt, withNote } from '../../analysis/charts/theme.js';
import { DEFAULT_SPLIT_BINS, MAX_SPLIT_VALUES, parseSplit, SPLIT_COLUMNS, splitPopulations, splitRows, splitStats, splitTitle, type SplitSpec } from '../../analysis/categorical.js';
import { edfAt } from '../../analysis/edf.js';
import {
  curvesFigure,
  edfFigure,
  efficiencyFigure,
  extremes,
  fitFigure,
  populations,
  requireTrained,
  scatterFigure,
  widthsFigure,
  fitsOf,
  type NormalizeOptions,
  type Population,
} from '../../analysis/figures.js';
import { fitWidthRules } from '../../analysis/fitPool.js';
import { DEFAULT_FIT_GRID, type FitGrid, parseAxisRange, resolveGrid } from '../../analysis/grid.js';
import { FILTER_FLAG, filterNote, type LoadedSweep, loadSweeps, parseSweepRef, readFilteredTrials } from '../../analysis/load.js';
import { DEFAULT_ERROR_KIND, type ErrorKind, errorLabel, fallbackNotes, metric, parseErrorKind, scoredTrials } from '../../analysis/metrics.js';
import { bestWorstRules } from '../../analysis/populationRule.js';
import { DEFAULT_STDOUT_FORMAT, FIGURE_FORMAT_FLAG, FIGURE_FORMATS, figureFormat, writeFigure } from '../../analysis/render.js';
import { checkOutputFile, STDOUT, writeOutputFile } from '../../util/files.js';
import { buildReport } from '../../analysis/report.js';
import type { WidthFit } from '../../analysis/widthFit.js';

const DB_HELP = 'database file for sweeps named without one (default: db/<sweep>.sqlite, or whichever db/*.sqlite holds it)';
const THREADS_HELP = 'worker threads for fitting the width rule (fewer than 500 models are fitted in one thread)';
const ERROR_HELP = 'which error: final (after the last epoch, as dse query "error") or best (lowest over epochs, as pycls)';
const FILTER_HELP = 'analyse only the trials this filter keeps: the --where grammar of dse query over its columns (any stored parameter or metric), e.g. "flops < 150e6 AND group_w >= 8"';
const FIGURE_FORMAT_HELP = `the figure's format with -o - (stdout), or of the default file without -o: ${FIGURE_FORMATS.join(', ')} (default: ${DEFAULT_STDOUT_FORMAT}); a named file takes its extension's`;
const SPLIT_HELP = `one part per value of any parameter or metric (act, se_r, k[2], ...; a number with more than ${MAX_SPLIT_VALUES} values: ${DEFAULT_SPLIT_BINS} quantile bins), name:k for k quantile bins (flops:4), or name:e0,e1,... for bins with these edges (flops:0,200M,400M,inf)`;
const METRIC_HELP = 'which split ranks the models: val (the validation split held out of the training set; a model trained without one falls back to its test error, with a note) or test';

interface CommonFlags {
  db?: string;
  output?: string;
  error: string;
  metric: string;
  filter?: string;
  figureFormat?: string;
}

/** The sweeps (their trials --filter keeps), saying on stderr which of them fall back to test errors. */
function loadRanked(refs: readonly string[], flags: CommonFlags, kind: ErrorKind): LoadedSweep[] {
  const sweeps = loadSweeps(refs, flags.db, flags.filter);
  for (const note of fallbackNotes(sweeps, kind)) process.stderr.write(`${note}\n`);
  return sweeps;
}

/** The options every figure command shares: the filter and the figure format for -o -. */
function figureOptions(command: Command): Command {
  return command.option(`${FILTER_FLAG} <expr>`, FILTER_HELP).option(`${FIGURE_FORMAT_FLAG} <format>`, FIGURE_FORMAT_HELP);
}

/** Writes a figure of the sweeps, its subtitle stating the filter, and says so (on stderr when the figure went to stdout). */
async function emitFigure(output: string, spec: TopLevelSpec, sweeps: readonly LoadedSweep[], flags: CommonFlags): Promise<void> {
  const note = filterNote(sweeps);
  await writeFigure(output, withNote(spec, note), '-o', flags.figureFormat);
  say(output, `wrote ${output === STDOUT ? 'the figure to stdout' : output}${note ? ` (${note})` : ''}`);
}

export function registerAnalysis(program: Command): void {
  registerFit(program);
  const plot = program.command('plot').description('draw one figure of one or more sweeps, as SVG, PNG or PDF (by the -o extension; -o - writes to stdout)');
  registerPlotEdf(plot);
  registerPlotScatter(plot);
  registerPlotWidths(plot);
  registerPlotCurves(plot);
  registerPlotEfficiency(plot);
  registerAnalyze(program);
}

function registerFit(program: Command): void {
  program
    .command('fit')
    .description("fit the quantized linear width rule to every model's per-block widths, store w0/wa/wm/e_fit per trial, and print the population rule of the best and worst models")
    .argument('<sweep>', 'sweep name, or file.sqlite:name')
    .option('--db <file>', DB_HELP)
    .option('--top <k>', 'models in the best and worst groups of the population rule', '10')
    .option('--error <kind>', ERROR_HELP, DEFAULT_ERROR_KIND.at)
    .option('--metric <split>', METRIC_HELP, DEFAULT_ERROR_KIND.split)
    .option('-o, --output <file>', 'also plot e_fit against error (.svg, .png, .pdf, or - for stdout)')
    .option('--w0 <min:max:step>', 'w0 grid', axisText(DEFAULT_FIT_GRID.w0))
    .option('--wa <min:max:step>', 'wa grid', axisText(DEFAULT_FIT_GRID.wa))
    .option('--wm <min:max:step>', 'wm grid', axisText(DEFAULT_FIT_GRID.wm))
    .option('--threads <n>', THREADS_HELP, String(availableParallelism()))
    .option('--dry-run', 'print, but do not store the fits')
    .option(`${FILTER_FLAG} <expr>`, `${FILTER_HELP}; only these are fitted and stored`)
    .option(`${FIGURE_FORMAT_FLAG} <format>`, FIGURE_FORMAT_HELP)
    .action(async (sweepRef: string, flags: CommonFlags & { top: string; w0: string; wa: string; wm: string; threads: string; dryRun?: boolean }) => {
      const kind = parseErrorKind(flags.error, flags.metric);
      const top = positiveInt('--top', flags.top);
      if (flags.output) {
        figureFormat(flags.output, '-o', flags.figureFormat);
        checkOutputFile(flags.output, '-o');
      } else if (flags.figureFormat !== undefined) throw new UserError(`${FIGURE_FORMAT_FLAG}: applies to the plot of -o -; add -o -`);
      const grid: FitGrid = { w0: parseAxisRange('--w0', flags.w0), wa: parseAxisRange('--wa', flags.wa), wm: parseAxisRange('--wm', flags.wm) };
      resolveGrid(grid); // grid errors before the store is opened
      const threads = positiveInt('--threads', flags.threads);
      const ref = parseSweepRef(sweepRef);
      const located = openStoreForSweep(ref.name, ref.db ?? flags.db);
      const path = located.path;
      located.close();
      const store = openStore(path, { readonly: !!flags.dryRun });
      try {
        const sweep = store.requireSweep(ref.name);
        const { trials, filter } = readFilteredTrials(store, sweep.name, flags.filter);
        if (trials.length === 0) throw new UserError(`sweep ${sweep.name} has no trials`);
        const loaded = [{ label: sweep.name, sweep, trials, dbPath: path, filter }];
        for (const note of fallbackNotes(loaded, kind)) process.stderr.write(`${note}\n`);
        const started = performance.now();
        const computed = await fitWidthRules(trials.map((t) => blockWidths(t.spec)), grid, { threads });
        const fits = trials.map((t, i) => ({ trialId: t.id, ...computed[i] }));
        const seconds = (performance.now() - started) / 1000;
        // One transaction: all fits are stored, or none.
        if (!flags.dryRun) store.saveWidthFits(sweep.name, fits);
        const byId = new Map<number, WidthFit>(fits.map((f) => [f.trialId, f]));
        const fitted = trials.map((t) => ({ ...t, fit: byId.get(t.id) ?? null }));
        const note = filterNote(loaded);
        say(flags.output, [...(note ? [note] : []), fitReport(sweep.name, fitted, fits, seconds, top, kind, !flags.dryRun)].join('\n'));
        if (flags.output) {
          const pops = [{ label: sweep.name, models: scoredTrials(fitted, kind) }];
          requireTrained(pops);
          await emitFigure(flags.output, fitFigure(pops, byId, kind), loaded, flags);
        }
      } finally {
        store.close();
      }
    });
}

function fitReport(name: string, trials: readonly TrialRecord[], fits: readonly WidthFit[], seconds: number, top: number, kind: ErrorKind, stored: boolean): string {
  const errs = fits.map((f) => f.e_fit).sort((a, b) => a - b);
  const exact = errs.filter((e) => e === 0).length;
  const lines = [
    `${name}: fitted ${fits.length} models in ${seconds.toFixed(1)} s (${(fits.length / Math.max(seconds, 1e-9)).toFixed(0)} models/s)${stored ? ', stored' : ' (dry run: not stored)'}`,
    `e_fit: min ${fmt(errs[0])}, median ${fmt(percentileSorted(errs, 0.5))}, max ${fmt(errs[errs.length - 1])}; exact (e_fit = 0): ${exact}`,
  ];
  const scored = scoredTrials(trials, kind);
  if (scored.length === 0) {
    lines.push('no trained models yet: the population rule needs errors');
    return lines.join('\n');
  }
  for (const { name, models, rule, problem } of bestWorstRules(scored, top)) {
    if (!rule) {
      lines.push(`${name.padEnd(9)} ${problem}`);
      continue;
    }
    const meanFit = models.reduce((s, m) => s + (m.trial.fit?.e_fit ?? 0), 0) / models.length;
    lines.push(`${name.padEnd(9)} w_j = ${fmt(rule.w0)} + ${fmt(rule.wa)} * j   (R^2 ${fmt(rule.r2)}, ${rule.points} blocks; mean e_fit ${fmt(meanFit)}; ${errorLabel(kind)} ${fmt(models[0].error)}..${fmt(models[models.length - 1].error)})`);
  }
  return lines.join('\n');
}

function registerPlotEdf(plot: Command): void {
  figureOptions(plot.command('edf'))
    .description('error EDFs of sweeps, overlaid (legend: n | min | mean); optionally complexity-normalized')
    .argument('<sweeps...>', 'sweep names, or file.sqlite:name')
    .option('--db <file>', DB_HELP)
    .option('-o, --output <file>', 'output .svg, .png, .pdf or - for stdout (default: <first sweep>-edf.svg)')
    .option('--error <kind>', ERROR_HELP, DEFAULT_ERROR_KIND.at)
    .option('--metric <split>', METRIC_HELP, DEFAULT_ERROR_KIND.split)
    .option('--normalized <by>', 'weigh models so each complexity bin counts equally: flops | params')
    .option('--bins <k>', 'complexity bins for --normalized', '10')
    .option('--range <lo:hi>', 'complexity range for --normalized (default: the range all sweeps share)')
    .option('--linear-bins', 'linear instead of log-spaced bins')
    .option('--at <errors>', 'also print F(e) at these errors, comma-separated')
    .option('--inclusive', 'with --at: F(e) counts errors <= e instead of < e')
    .option('--split <param>', `${SPLIT_HELP}; one EDF per part, and print per part: models, best and median error, and the bootstrap share of rounds it wins`)
    .option('--samples <B>', 'bootstrap rounds (with --split)', '10000')
    .option('--fraction <share>', 'share of the models drawn per round (with --split)', '0.25')
    .option('--seed <n>', 'bootstrap seed (with --split)', '0')
    .action(async (refs: string[], flags: CommonFlags & { normalized?: string; bins: string; range?: string; linearBins?: boolean; at?: string; inclusive?: boolean; split?: string; samples: string; fraction: string; seed: string }) => {
      const kind = parseErrorKind(flags.error, flags.metric);
      const output = outputPath(flags, refs, flags.normalized ? `edf-${flags.normalized}` : 'edf');
      const splitBy = flags.split === undefined ? null : parseSplit(flags.split);
      let normalize: NormalizeOptions | undefined;
      if (flags.normalized !== undefined) {
        if (flags.normalized !== 'flops' && flags.normalized !== 'params') throw new UserError(`--normalized: expected flops or params, got "${flags.normalized}"`);
        normalize = { by: flags.normalized, bins: positiveInt('--bins', flags.bins), range: flags.range ? parseRange(flags.range) : undefined, scale: flags.linearBins ? 'linear' : 'log' };
      } else if (flags.range || flags.linearBins) throw new UserError('--range and --linear-bins apply to --normalized EDFs; add --normalized flops|params');
      const points = flags.at === undefined ? undefined : numberList('--at', flags.at);
      const bootstrap = bootstrapFlags(flags);
      const loaded = loadRanked(refs, flags, kind);
      const sweeps = populations(loaded, kind);
      requireTrained(sweeps);
      const split = splitBy ? splitPopulations(sweeps, splitBy) : null;
      const pops = split?.parts ?? sweeps;
      await emitFigure(output, edfFigure(pops, kind, normalize), loaded, flags);
      if (split) {
        for (const stats of splitStats(split, bootstrap)) {
          say(output, `${stats.parent}, ${splitTitle(split)} (bootstrap: ${bootstrap.samples} rounds of ${Math.round((bootstrap.fraction ?? 0.25) * 100)}% of ${stats.n} models):`);
          say(output, renderTable([split.spec.name, ...SPLIT_COLUMNS], splitRows(stats)).map((l) => `  ${l}`).join('\n'));
        }
      }
      if (points) {
        for (const p of pops) {
          const values = edfAt(p.models.map((m) => m.error), points, { inclusive: flags.inclusive });
          say(output, `${p.label}: ${points.map((e, i) => `F(${flags.inclusive ? '<=' : '<'}${e}) = ${fmt(values[i], 4)}`).join(', ')}`);
        }
      }
    });
}

function registerPlotScatter(plot: Command): void {
  figureOptions(plot.command('scatter'))
    .description('error against a metric, with the bootstrap best value and its 95% interval')
    .argument('<sweeps...>', 'sweep names, or file.sqlite:name')
    .requiredOption('--x <metric>', 'flops, params, acts, depth, num_stages, w0, wa, wm, group_w, bot_mul, se_r, e_fit, fit_w0/wa/wm, ws[i], ds[i], gs[i], bs[i]')
    .option('--db <file>', DB_HELP)
    .option('-o, --output <file>', 'output .svg, .png, .pdf or - for stdout (default: <first sweep>-<metric>.svg)')
    .option('--split <param>', `${SPLIT_HELP}; one panel, colour and bootstrap per part`)
    .option('--error <kind>', ERROR_HELP, DEFAULT_ERROR_KIND.at)
    .option('--metric <split>', METRIC_HELP, DEFAULT_ERROR_KIND.split)
    .option('--samples <B>', 'bootstrap rounds', '10000')
    .option('--fraction <share>', 'share of the models drawn per round', '0.25')
    .option('--seed <n>', 'bootstrap seed', '0')
    .action(async (refs: string[], flags: CommonFlags & { x: string; split?: string; samples: string; fraction: string; seed: string }) => {
      const kind = parseErrorKind(flags.error, flags.metric);
      metric(flags.x); // an unknown metric is refused before any sweep is read
      const splitBy = flags.split === undefined ? null : parseSplit(flags.split);
      const output = outputPath(flags, refs, flags.x.replace(/[^a-z0-9_]/gi, ''));
      const bootstrap = bootstrapFlags(flags);
      const loaded = loadRanked(refs, flags, kind);
      const sweeps = populations(loaded, kind);
      requireTrained(sweeps);
      const pops = splitBy ? splitPopulations(sweeps, splitBy).parts : sweeps;
      const spec = scatterFigure(pops, flags.x, kind, bootstrap);
      if (!spec) throw new UserError(`--x ${flags.x}: no trained model of ${pops.map((p) => p.label).join(', ')} has two or more distinct values of it`);
      await emitFigure(output, spec, loaded, flags);
    });
}

function registerPlotWidths(plot: Command): void {
  registerBestWorstPlot(plot, {
    name: 'widths',
    description: 'per-block widths of the best (and worst) models, stage starts marked, with their fitted width rule',
    best: '5',
    worst: '0',
    figure: async (pop, best, worst) => widthsFigure(pop, await fitsOf(extremes(pop, best, worst).map((c) => c.model.trial)), best, worst),
  });
}

function registerPlotCurves(plot: Command): void {
  registerBestWorstPlot(plot, {
    name: 'curves',
    description: 'train and test error per epoch of the best and worst models',
    best: '3',
    worst: '3',
    figure: async (pop, best, worst, kind) => curvesFigure(pop, best, worst, kind),
  });
}

/** A figure of one sweep's best and worst models (`dse plot widths`, `dse plot curves`). */
function registerBestWorstPlot(
  plot: Command,
  def: {
    name: string;
    description: string;
    best: string;
    worst: string;
    figure: (pop: Population, best: number, worst: number, kind: ErrorKind) => Promise<TopLevelSpec>;
  },
): void {
  figureOptions(plot.command(def.name))
    .description(def.description)
    .argument('<sweep>', 'sweep name, or file.sqlite:name')
    .option('--db <file>', DB_HELP)
    .option('-o, --output <file>', `output .svg, .png, .pdf or - for stdout (default: <sweep>-${def.name}.svg)`)
    .option('--error <kind>', ERROR_HELP, DEFAULT_ERROR_KIND.at)
    .option('--metric <split>', METRIC_HELP, DEFAULT_ERROR_KIND.split)
    .option('--best <k>', 'best models', def.best)
    .option('--worst <k>', 'worst models', def.worst)
    .action(async (ref: string, flags: CommonFlags & { best: string; worst: string }) => {
      const kind = parseErrorKind(flags.error, flags.metric);
      const output = outputPath(flags, [ref], def.name);
      const best = nonNegativeInt('--best', flags.best);
      const worst = nonNegativeInt('--worst', flags.worst);
      if (best + worst === 0) throw new UserError('--best and --worst are both 0: nothing to draw');
      const loaded = loadRanked([ref], flags, kind);
      const [pop] = populations(loaded, kind);
      requireTrained([pop]);
      await emitFigure(output, await def.figure(pop, best, worst, kind), loaded, flags);
    });
}

function registerPlotEfficiency(plot: Command): void {
  figureOptions(plot.command('efficiency'))
    .description('random search efficiency: expected best error among k models drawn, exact, per sweep')
    .argument('<sweeps...>', 'sweep names, or file.sqlite:name')
    .option('--db <file>', DB_HELP)
    .option('-o, --output <file>', 'output .svg, .png, .pdf or - for stdout (default: <first sweep>-efficiency.svg)')
    .option('--error <kind>', ERROR_HELP, DEFAULT_ERROR_KIND.at)
    .option('--metric <split>', METRIC_HELP, DEFAULT_ERROR_KIND.split)
    .option('--replacement', 'draw with replacement')
    .action(async (refs: string[], flags: CommonFlags & { replacement?: boolean }) => {
      const kind = parseErrorKind(flags.error, flags.metric);
      const output = outputPath(flags, refs, 'efficiency');
      const loaded = loadRanked(refs, flags, kind);
      await emitFigure(output, efficiencyFigure(populations(loaded, kind), kind, !!flags.replacement), loaded, flags);
    });
}

function registerAnalyze(program: Command): void {
  program
    .command('analyze')
    .description('write a self-contained HTML report comparing sweeps: EDFs, bootstrap scatters, width-rule fits and profiles, curves, best/worst tables')
    .argument('<sweeps...>', 'sweep names, or file.sqlite:name')
    .option('--db <file>', DB_HELP)
    .option('-o, --output <file>', 'output .html, or - for stdout (default: <first sweep>-report.html)')
    .option(`${FILTER_FLAG} <expr>`, FILTER_HELP)
    .option('--split <param>', `${SPLIT_HELP}; adds a section of the parts' EDFs with per-part models, best and median error and bootstrap intervals`)
    .option('--error <kind>', ERROR_HELP, DEFAULT_ERROR_KIND.at)
    .option('--metric <split>', METRIC_HELP, DEFAULT_ERROR_KIND.split)
    .option('--top <k>', 'models per best / worst group', '5')
    .option('--bins <k>', 'bins of the normalized EDFs', '10')
    .option('--samples <B>', 'bootstrap rounds', '10000')
    .option('--fraction <share>', 'share of the models drawn per bootstrap round', '0.25')
    .option('--seed <n>', 'bootstrap seed', '0')
    .option('--threads <n>', THREADS_HELP, String(availableParallelism()))
    .action(async (refs: string[], flags: CommonFlags & { split?: string; top: string; bins: string; samples: string; fraction: string; seed: string; threads: string }) => {
      const kind = parseErrorKind(flags.error, flags.metric);
      const output = flags.output ?? `${parseSweepRef(refs[0]).name}-report.html`;
      if (output !== STDOUT && !/\.html?$/i.test(output)) throw new UserError(`-o: expected a file name ending in .html, or - for stdout, got "${output}"`);
      checkOutputFile(output, '-o');
      const split: SplitSpec | undefined = flags.split === undefined ? undefined : parseSplit(flags.split);
      const html = await buildReport(loadRanked(refs, flags, kind), {
        split,
        error: kind,
        top: positiveInt('--top', flags.top),
        bins: positiveInt('--bins', flags.bins),
        bootstrap: bootstrapFlags(flags),
        fitThreads: positiveInt('--threads', flags.threads),
      });
      writeOutputFile(output, html, '-o');
      say(output, `wrote ${output === STDOUT ? 'the report to stdout' : output}`);
    });
}

// ------------------------------------------------------------------ flag parsing

/** The figure's output (checked, with its format, before any work), by default <first sweep>-<kind>.svg (or .png, .pdf by --figure-format). */
function outputPath(flags: CommonFlags, refs: readonly string[], kind: string): string {
  const path = flags.output ?? `${parseSweepRef(refs[0] ?? 'sweep').name}-${kind}.${flags.figureFormat ?? DEFAULT_STDOUT_FORMAT}`;
  figureFormat(path, '-o', flags.figureFormat);
  checkOutputFile(path, '-o');
  return path;
}

function bootstrapFlags(flags: { samples: string; fraction: string; seed: string }): BootstrapOptions {
  const fraction = Number(flags.fraction);
  if (!(fraction > 0 && fraction <= 1)) throw new UserError(`--fraction: expected a share in (0, 1], got "${flags.fraction}"`);
  return { samples: positiveInt('--samples', flags.samples), fraction, seed: flags.seed };
}

function positiveInt(flag: string, text: string): number {
  const v = Number(text);
  if (!Number.isInteger(v) || v < 1) throw new UserError(`${flag}: expected a positive integer, got "${text}"`);
  return v;
}

function nonNegativeInt(flag: string, text: string): number {
  const v = Number(text);
  if (!Number.isInteger(v) || v < 0) throw new UserError(`${flag}: expected a non-negative integer, got "${text}"`);
  return v;
}

function numberList(flag: string, text: string): number[] {
  const values = text.split(',').map((s) => s.trim());
  const nums = values.map(Number);
  if (values.some((s) => s === '') || nums.some((v) => !Number.isFinite(v))) throw new UserError(`${flag}: expected numbers separated by commas, e.g. 5,10,20, got "${text}"`);
  return nums;
}

/** "lo:hi" with optional K/M/G suffixes in either case (as the experiment file's constraints), e.g. 200M:800M. */
function parseRange(text: string): [number, number] {
  const parts = text.split(':');
  const values = parts.map((p) => parseQuantity(p.toUpperCase()));
  if (parts.length !== 2 || values.some((v) => Number.isNaN(v))) throw new UserError(`--range: expected lo:hi, e.g. 200M:800M or 2e8:8e8, got "${text}"`);
  const [lo, hi] = values;
  if (!(lo > 0 && lo < hi)) throw new UserError(`--range: expected 0 < lo < hi, got "${text}"`);
  return [lo, hi];
}

function axisText(r: { min: number; max: number; step: number }): string {
  return `${r.min}:${r.max}:${r.step}`;
}

/** Prints a message: on stdout, or on stderr when the output went to stdout (`-o -`), which then holds the output only. */
function say(output: string | undefined, text: string): void {
  (output === STDOUT ? process.stderr : process.stdout).write(`${text}\n`);
}
