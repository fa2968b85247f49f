/**
 * `dse analyze`: one self-contained HTML file comparing sweeps. Every figure is inline SVG rendered
 * here; the file has no scripts, no external styles, fonts or URLs, so it opens anywhere, offline,
 * and can be mailed or archived as is. Each figure is a <figure id="fig-..."> with a caption.
 */
import type { TopLevelSpec } from 'vega-lite';
import { blockCount, stageSummaries } from '../space/index.js';
import { UserError } from '../util/errors.js';
import { type BootstrapOptions, percentileSorted } from './bootstrap.js';
import { fmt } from './charts/theme.js';
import {
  curvesFigure,
  edfFigure,
  efficiencyFigure,
  extremes,
  fitFigure,
  fitsOf,
  populations,
  requireTrained,
  scatterFigure,
  widthsFigure,
  type Population,
} from './figures.js';
import { SPLIT_COLUMNS, type SplitSpec, splitPopulations, splitRows, splitStats, splitTitle } from './categorical.js';
import { filterNote, type LoadedSweep } from './load.js';
import { errorLabel, type ErrorKind, maxStages, parameterNames } from './metrics.js';
import { bestWorstRules } from './populationRule.js';
import { renderSvg } from './render.js';
import type { WidthFit } from './widthFit.js';
import { formatAmount } from './edf.js';
import { PROVENANCE_KINDS, mixedKinds, provenanceCounts } from './provenance.js';
import { errorSpread, seedNoise } from './seedNoise.js';

export interface ReportOptions {
  error: ErrorKind;
  /** Bins of the complexity-normalized EDFs. */
  bins: number;
  bootstrap: BootstrapOptions;
  /** Models per group in the tables, width profiles, curves and population rule. */
  top: number;
  /** Threads for fitting the width rule to trials without a stored fit (default: all cores). */
  fitThreads?: number;
  title?: string;
  /** Adds a section splitting every sweep by this (`--split`): the parts' EDFs and bootstrap table. */
  split?: SplitSpec;
}

/** Scatter metrics, in order; each is drawn for the sweeps that have it. */
/** The scatters of every report; then one per numeric parameter the sweeps have, and per stage. */
export const REPORT_METRICS = ['flops', 'params', 'acts', 'depth', 'num_stages'];

interface Section {
  title: string;
  id: string;
  html: string;
}

export async function buildReport(sweeps: readonly LoadedSweep[], opts: ReportOptions): Promise<string> {
  const scored = populations(sweeps, opts.error);
  requireTrained(scored);
  const fits = await fitsOf(scored.flatMap((p) => p.models.map((m) => m.trial)), { threads: opts.fitThreads });
  // Trials without a stored fit get the one computed here, so e_fit (fit_err) is plotted for all.
  const pops: Population[] = scored.map((p) => ({ ...p, models: p.models.map((m) => (m.trial.fit ? m : { ...m, trial: { ...m.trial, fit: fits.get(m.trial.id) ?? null } })) }));

  const sections: Section[] = [];
  const filtered = filterNote(sweeps);
  const filterHtml = filtered ? `<p class="note" id="filter-note">${escapeHtml(`Only the trials --filter keeps are analysed: ${filtered}.`)}</p>\n` : '';
  sections.push({ title: 'Sweeps', id: 'sweeps', html: filterHtml + summaryTable(sweeps, pops, opts.error) });
  sections.push({ title: 'What the results were trained with', id: 'provenance', html: provenanceHtml(sweeps, pops) });
  const noise = seedNoiseHtml(pops, opts.error);
  if (noise) sections.push({ title: 'Seed noise', id: 'seed-noise', html: noise });

  const edfs = [await figureHtml('fig-edf', edfFigure(pops, opts.error), 'Error EDFs: the share of models with error below e (legend: n | min | mean).')];
  for (const by of ['flops', 'params'] as const) {
    edfs.push(
      await attempt(`fig-edf-${by}`, () => edfFigure(pops, opts.error, { by, bins: opts.bins }), `${by}-normalized EDFs (NDS paper): each of ${opts.bins} log-spaced ${by} bins carries equal weight, so spaces of different complexity compare fairly.`),
    );
  }
  edfs.push(await figureHtml('fig-efficiency', efficiencyFigure(pops, opts.error), 'Random search efficiency: the expected best error among k models drawn from each sweep.'));
  sections.push({ title: 'Error distributions', id: 'edf', html: edfs.join('\n') });
  if (opts.split) sections.push({ title: `Split by ${opts.split.name}`, id: 'split', html: await splitHtml(pops, opts.split, opts) });

  const trained = pops.flatMap((p) => p.models.map((m) => m.trial));
  const parameters = parameterNames(trained).filter((n) => !REPORT_METRICS.includes(n) && !['ds', 'ws', 'ss', 'gs', 'bs'].includes(n));
  const scatterNames = [...REPORT_METRICS, ...parameters, 'fit_err', ...Array.from({ length: maxStages(trained) }, (_, i) => [`ws[${i}]`, `ds[${i}]`]).flat()];
  const scatters: string[] = [];
  for (const name of scatterNames) {
    const spec = scatterFigure(pops, name, opts.error, opts.bootstrap);
    if (!spec) continue;
    scatters.push(await figureHtml(`fig-scatter-${name.replace(/[^a-z0-9_]/gi, '')}`, spec, `Error vs ${name}: black line, the bootstrap's best value (median of the best model's ${name} over ${opts.bootstrap.samples ?? 10000} draws of 25% of the models); band, its ${Math.round((opts.bootstrap.confidence ?? 0.95) * 100)}% interval.`));
  }
  sections.push({ title: 'Where the good models are', id: 'scatter', html: scatters.join('\n') || '<p>No metric varies within a sweep.</p>' });

  const fitHtml = [await figureHtml('fig-efit', fitFigure(pops, fits, opts.error), 'Quality of the quantized linear width rule fitted to each model (e_fit) against its error.')];
  fitHtml.push(populationRuleTable(pops, opts.top));
  for (const [i, p] of pops.entries()) {
    fitHtml.push(await figureHtml(`fig-widths-${i}`, widthsFigure(p, fits, opts.top, opts.top), `${escapeHtml(p.label)}: per-block widths of the ${opts.top} best and ${opts.top} worst models, stage starts dashed, the fitted rule drawn over them.`));
  }
  sections.push({ title: 'Width rule', id: 'widths', html: fitHtml.join('\n') });

  const curves: string[] = [];
  for (const [i, p] of pops.entries()) {
    if (!p.models.some((m) => m.trial.epochs.length > 0)) continue;
    curves.push(await figureHtml(`fig-curves-${i}`, curvesFigure(p, opts.top, opts.top, opts.error), `${escapeHtml(p.label)}: train and test error per epoch of the best and worst models.`));
  }
  sections.push({ title: 'Training curves', id: 'curves', html: curves.join('\n') || '<p>No per-epoch metrics were recorded.</p>' });

  sections.push({ title: 'Best and worst models', id: 'models', html: pops.map((p) => modelsTable(p, fits, opts.top, opts.error)).join('\n') });

  return page(opts.title ?? `dse report: ${sweeps.map((s) => s.label).join(' vs ')}`, sections, opts.error);
}

/** The split's EDFs, one per part, and per sweep a table of its parts: models, best, median, bootstrap wins and interval. */
async function splitHtml(pops: readonly Population[], spec: SplitSpec, opts: ReportOptions): Promise<string> {
  const split = splitPopulations(pops, spec);
  const html = [await figureHtml('fig-split-edf', edfFigure(split.parts, opts.error), `Error EDFs of each part, ${escapeHtml(splitTitle(split))}.`)];
  for (const stats of splitStats(split, opts.bootstrap)) {
    html.push(`<h3>${escapeHtml(stats.parent)}</h3>`);
    html.push(`<p>${escapeHtml(`${stats.n} models ${splitTitle(split)}; wins: the share of ${opts.bootstrap.samples ?? 10000} bootstrap rounds (${Math.round((opts.bootstrap.fraction ?? 0.25) * 100)}% of the models each) whose best model is in the part; best 95%: the interval of the part's best error over the rounds.`)}</p>`);
    html.push(table([spec.name, ...SPLIT_COLUMNS], splitRows(stats)));
  }
  return html.join('\n');
}

async function figureHtml(id: string, spec: TopLevelSpec, caption: string): Promise<string> {
  const svg = inlineSvg(await renderSvg(spec));
  return `<figure id="${id}">\n${svg}\n<figcaption>${caption}</figcaption>\n</figure>`;
}

/** A figure, or a note saying why it could not be drawn (e.g. an empty complexity bin). */
async function attempt(id: string, build: () => TopLevelSpec, caption: string): Promise<string> {
  try {
    return await figureHtml(id, build(), caption);
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    return `<p class="note" id="${id}-note">Not drawn: ${escapeHtml(e.message)}</p>`;
  }
}

/** Vega's standalone SVG, made inline: namespace declarations dropped (HTML supplies them), so the page names no URL. */
function inlineSvg(svg: string): string {
  return svg.replace(/\s+xmlns(:xlink)?="[^"]*"/g, '').replace(/^<\?xml[^>]*>\s*/, '');
}

function summaryTable(sweeps: readonly LoadedSweep[], pops: readonly Population[], kind: ErrorKind): string {
  const rows = sweeps.map((s, i) => {
    const config = (s.sweep.config ?? {}) as ExperimentSummary;
    const counts = countBy(s.trials.map((t) => t.status));
    const errors = pops[i].models.map((m) => m.error);
    const mean = errors.reduce((a, b) => a + b, 0) / errors.length;
    const median = percentileSorted(errors, 0.5);
    const flops = s.trials.map((t) => t.cx.flops);
    return [
      s.label,
      s.sweep.space ?? describeSpace(config.space),
      s.sweep.description ?? config.description ?? '',
      `${s.trials.length} (${Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(', ')})`,
      `${config.dataset?.name ?? '?'}${config.dataset?.train_size ? `, ${config.dataset.train_size} train` : ''}`,
      `${config.recipe?.epochs ?? '?'} epochs, ${config.engine ?? '?'}`,
      `${formatAmount(Math.min(...flops))} to ${formatAmount(Math.max(...flops))}`,
      `${fmt(errors[0])} / ${fmt(median)} / ${fmt(mean)}`,
      String(s.sweep.seed),
      s.dbPath,
    ];
  });
  const head = ['sweep', 'space', 'description', 'trials', 'dataset', 'training', 'flops', `${errorLabel(kind)}: min / median / mean`, 'seed', 'database'];
  return table(head, rows);
}

/**
 * The distinct recipes, datasets, engines and dse versions the analysed trials' results come from
 * (their stored trainings, not the sweep's config), with a warning for each sweep that mixes them.
 */
function provenanceHtml(sweeps: readonly LoadedSweep[], pops: readonly Population[]): string {
  const rows: string[][] = [];
  const notes: string[] = [];
  for (const [i, p] of pops.entries()) {
    const counts = provenanceCounts(p.models.map((m) => m.trial));
    for (const kind of PROVENANCE_KINDS) for (const v of counts.values[kind]) rows.push([p.label, kind, v.value, String(v.trials)]);
    if (counts.unrecorded) rows.push([p.label, 'all', 'not recorded (trained by a dse older than schema version 4)', String(counts.unrecorded)]);
    const mixed = mixedKinds(counts).map((k) => `${counts.values[k].length} ${k === 'dse' ? 'dse versions' : `${k}s`}`);
    if (counts.unrecorded && counts.unrecorded < p.models.length) mixed.push('recorded and unrecorded provenance');
    if (mixed.length) notes.push(`<p class="note" id="provenance-mixed-${i}">${escapeHtml(`${p.label}: its results were trained with ${mixed.join(', ')}; they are not directly comparable.`)}</p>`);
  }
  const versions = sweeps.map((s) => `${s.label}: version ${s.sweep.version ?? 1}`).join('; ');
  return `<p>From each analysed trial's last training (sweep ${escapeHtml(versions)}; results of earlier versions are not used).</p>\n${notes.join('\n')}\n${table(['sweep', 'what', 'value', 'trials'], rows)}`;
}

/**
 * For sweeps with `repeats`: how much the models' errors move with the training seed alone (their EDFs
 * use each model's mean over its repeats); null when no sweep has repeated models.
 */
function seedNoiseHtml(pops: readonly Population[], kind: ErrorKind): string | null {
  const rows: string[][] = [];
  for (const p of pops) {
    const noise = seedNoise(p.models.map((m) => m.trial), kind);
    if (noise) rows.push([p.label, String(noise.models), String(noise.repeats), fmt(noise.mean_std), fmt(noise.max_std), fmt(noise.spearman), fmt(noise.ks)]);
  }
  if (rows.length === 0) return null;
  return (
    '<p>Each model was trained several times with different seeds; its error in the figures is the mean over its repeats. ' +
    'Per model: the standard deviation of its error over the repeats (points). Between the first two repeats: the rank correlation of the models\' errors ' +
    '(Spearman\'s rho: 1, the same ranking) and the KS distance of their EDFs (the largest share of models on which they disagree).</p>\n' +
    table(['sweep', 'models', 'repeats', 'mean std', 'max std', 'rho (repeat 1 vs 2)', 'KS'], rows)
  );
}

/** The parts of a stored experiment config the summary shows (all optional: configs are JSON from the store). */
interface ExperimentSummary {
  space?: unknown;
  description?: string;
  dataset?: { name?: string; train_size?: number };
  recipe?: { epochs?: number };
  engine?: string;
}

function describeSpace(space: unknown): string {
  if (typeof space === 'string') return space;
  if (space && typeof space === 'object' && 'base' in space) return String((space as { base: unknown }).base);
  return '?';
}

function populationRuleTable(pops: readonly Population[], top: number): string {
  const rows: string[][] = [];
  for (const p of pops) {
    for (const { name, rule } of bestWorstRules(p.models, top)) {
      rows.push([p.label, name, rule ? `w_j = ${fmt(rule.w0)} + ${fmt(rule.wa)} j` : 'n/a (single-block models)', rule ? fmt(rule.r2) : '', rule ? String(rule.points) : '']);
    }
  }
  return `<h3>Population rule</h3>\n<p>Least-squares line through the per-block widths of each group, pooled.</p>\n${table(['sweep', 'models', 'line', 'R²', 'blocks'], rows)}`;
}

function modelsTable(p: Population, fits: ReadonlyMap<number, WidthFit>, top: number, kind: ErrorKind): string {
  const rows = extremes(p, top, top).map(({ rank, model }) => {
    const t = model.trial;
    const stages = stageSummaries(t.spec);
    const fit = fits.get(t.id);
    const param = (k: string) => (typeof t.params[k] === 'number' ? fmt(t.params[k] as number) : '');
    const spread = errorSpread(t, kind);
    return [
      rank,
      String(t.index),
      spread === null ? fmt(model.error) : `${fmt(model.error)} ± ${fmt(spread)}`,
      formatAmount(t.cx.flops),
      formatAmount(t.cx.params),
      formatAmount(t.cx.acts),
      String(blockCount(t.spec)),
      `[${stages.map((s) => s.depth).join(', ')}]`,
      `[${stages.map((s) => s.width).join(', ')}]`,
      [param('w0'), param('wa'), param('wm')].every((v) => v) ? `${param('w0')} / ${param('wa')} / ${param('wm')}` : '',
      fit ? `${fit.w0} / ${fmt(fit.wa)} / ${fmt(fit.wm)}` : '',
      fit ? fmt(fit.e_fit) : '',
      t.seconds === null ? '' : fmt(t.seconds),
    ];
  });
  const head = ['rank', 'sample', errorLabel(kind), 'flops', 'params', 'acts', 'depth', 'ds', 'ws', 'w0 / wa / wm', 'fit w0 / wa / wm', 'e_fit', 'train s'];
  return `<h3>${escapeHtml(p.label)}</h3>\n${table(head, rows)}`;
}

function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const th = head.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('\n');
  return `<table>\n<thead><tr>${th}</tr></thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
}

function countBy(values: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

const STYLE = `
body { font-family: "DejaVu Sans", Verdana, sans-serif; margin: 2em auto; max-width: 1400px; color: #222; padding: 0 1em; }
h1 { font-size: 1.5em; } h2 { border-bottom: 1px solid #ccc; padding-bottom: .2em; margin-top: 2em; } h3 { margin-top: 1.5em; }
nav a { margin-right: 1em; }
figure { margin: 1.5em 0; overflow-x: auto; } figcaption { color: #444; font-size: .9em; max-width: 60em; }
table { border-collapse: collapse; font-size: .85em; margin: .5em 0; } th, td { border: 1px solid #ccc; padding: .25em .5em; text-align: left; vertical-align: top; }
th { background: #f3f3f3; } .note { color: #8a4b00; background: #fff6e5; padding: .4em .6em; border-left: 3px solid #e0a030; }
`;

function page(title: string, sections: readonly Section[], kind: ErrorKind): string {
  const nav = sections.map((s) => `<a href="#${s.id}">${escapeHtml(s.title)}</a>`).join('');
  const body = sections.map((s) => `<section id="${s.id}">\n<h2>${escapeHtml(s.title)}</h2>\n${s.html}\n</section>`).join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<p>Generated by dse on ${new Date().toISOString().slice(0, 19).replace('T', ' ')} UTC. Errors: ${kind.at === 'final' ? 'top-1' : 'lowest top-1'} ${kind.split === 'val' ? 'validation' : 'test'} error ${kind.at === 'final' ? 'after the last epoch' : 'over the epochs'}, in percent.</p>
<nav>${nav}</nav>
${body}
</body>
</html>
`;
}
