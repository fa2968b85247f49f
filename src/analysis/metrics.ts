/**
 * What the analysis reads off a trial: its error, and any metric x to plot it against. Names follow
 * the columns of `dse query` (trials_view): flops, params, acts, depth, num_stages, fit_w0, fit_wa,
 * fit_wm, fit_err (alias e_fit), any parameter by name (w0, wa, wm, group_w, se_r, exp_r, ...: whatever
 * the sweep's space and block type have), and per-stage values ws[i], ds[i] and any block parameter
 * as name[i] (gs[i] and bs[i] as pycls names them; 0-based stage i).
 */
import { type StageSummary, blockCount, families, nodeTypes, stageSummaries } from '../space/index.js';
import type { TrainedErrors, TrialRecord } from '../store/types.js';
import { KIND_PARAMS, RESOLUTION_PARAMS } from '../sampler/definition.js';
import { UserError } from '../util/errors.js';

/**
 * Which error ranks the models: after the last epoch (`at` final, dse's "error") or the lowest over
 * the epochs (best, pycls's), on the validation split (the ranking metric; a trial trained without
 * one falls back to its test error, see fallbackNotes) or on the test split.
 */
export interface ErrorKind {
  at: 'final' | 'best';
  split: 'val' | 'test';
}

export const DEFAULT_ERROR_KIND: ErrorKind = { at: 'final', split: 'val' };

export function errorLabel(kind: ErrorKind): string {
  return `${kind.at === 'best' ? 'best ' : ''}top-1 ${kind.split === 'val' ? 'validation' : 'test'} error (%)`;
}

/** What a training's errors are read from: a trial (its repeats' means) or one of its repeats. */
type Errors = Pick<TrainedErrors, 'final_test_err' | 'best_test_err' | 'final_val_err' | 'best_val_err'>;

/** The trial's validation error, when it was trained with a validation split. */
function valErrorOf(trial: Errors, at: ErrorKind['at']): number | null {
  return finite(at === 'final' ? trial.final_val_err : trial.best_val_err);
}

/** The trial's error of this kind; a trial without a validation error gives its test error for split val. */
export function errorOf(trial: Errors, kind: ErrorKind): number | null {
  if (kind.split === 'val') {
    const val = valErrorOf(trial, kind.at);
    if (val !== null) return val;
  }
  return finite(kind.at === 'final' ? trial.final_test_err : trial.best_test_err);
}

export function parseErrorKind(at: string, split: string = DEFAULT_ERROR_KIND.split): ErrorKind {
  if (at !== 'final' && at !== 'best') throw new UserError(`--error: expected final or best, got "${at}"`);
  if (split !== 'val' && split !== 'test') throw new UserError(`--metric: expected val or test, got "${split}"`);
  return { at, split };
}

/** One line per sweep whose trained models have no validation error, when ranking on validation. */
export function fallbackNotes(sweeps: readonly { label: string; trials: readonly TrialRecord[] }[], kind: ErrorKind): string[] {
  if (kind.split !== 'val') return [];
  return sweeps
    .filter((s) => s.trials.some((t) => t.status === 'done' && valErrorOf(t, kind.at) === null && errorOf(t, kind) !== null))
    .map((s) => `note: sweep ${s.label} has models without a validation error (trained without a validation split, or before dse kept one); they are ranked by their test error`);
}

/** A trained model of a population: its trial and its error. */
export interface Scored {
  trial: TrialRecord;
  error: number;
}

/** Done trials that have an error, best first (ties by sample index). */
export function scoredTrials(trials: readonly TrialRecord[], kind: ErrorKind): Scored[] {
  const out: Scored[] = [];
  for (const trial of trials) {
    if (trial.status !== 'done') continue;
    const error = errorOf(trial, kind);
    if (error !== null) out.push({ trial, error });
  }
  return out.sort((a, b) => a.error - b.error || a.trial.index - b.trial.index);
}

/** Metrics every trial has: complexity, structure and the width-rule fit. */
const CORE_METRICS: Record<string, { label: string; log: boolean; read: (t: TrialRecord) => unknown }> = {
  flops: { label: 'flops', log: true, read: (t) => t.cx.flops },
  params: { label: 'params', log: true, read: (t) => t.cx.params },
  acts: { label: 'activations', log: true, read: (t) => t.cx.acts },
  depth: { label: 'depth (blocks)', log: false, read: (t) => blockCount(t.spec) },
  num_stages: { label: 'stages', log: false, read: (t) => stageSummaries(t.spec).length },
  fit_w0: { label: 'fitted w0', log: false, read: (t) => t.fit?.w0 },
  fit_wa: { label: 'fitted wa', log: false, read: (t) => t.fit?.wa },
  fit_wm: { label: 'fitted wm', log: false, read: (t) => t.fit?.wm },
  fit_err: { label: 'e_fit', log: false, read: (t) => t.fit?.e_fit },
};
const ALIASES: Record<string, string> = { e_fit: 'fit_err', d: 'depth', g: 'group_w', b: 'bot_mul' };
/** pycls's per-stage list names, for the block parameter they list. */
const STAGE_ALIASES: Record<string, string> = { gs: 'group_w', bs: 'bot_mul' };

export interface Metric {
  name: string;
  label: string;
  /** Plot on a log axis (complexities span orders of magnitude). */
  log: boolean;
  value(trial: TrialRecord): number | null;
}

/**
 * A parameter's value on a trial, by name: what trial_values holds (sampled and fixed parameters,
 * block parameters all blocks share), else the value all the spec's blocks share.
 */
export function parameterValue(t: TrialRecord, name: string): unknown {
  const v = t.values?.[name] ?? t.params[name];
  if (v !== undefined) return v;
  const values = stageSummaries(t.spec).map((s) => s.params[name]);
  return values.length && values.every((x) => x === values[0]) ? values[0] : undefined;
}

/** A parameter's label: its doc in the registry or the space kinds, else its name. */
function parameterLabel(name: string): string {
  for (const n of nodeTypes()) if (n.params[name] && n.kind === 'block') return `${name} (${n.params[name].doc})`;
  return name;
}

/** Resolves a metric name ("flops", "ws[2]", "e_fit", "w0", "group_w[1]", ...) or throws a UserError naming the kinds of names. */
export function metric(name: string, flag = '--x'): Metric {
  const trimmed = name.trim();
  const stage = /^([A-Za-z_][A-Za-z0-9_]*)\[(\d+)\]$/.exec(trimmed);
  if (stage && (['ws', 'ds', ...Object.keys(STAGE_ALIASES)].includes(stage[1]) || knownParameterNames().has(stage[1]))) {
    const i = Number(stage[2]);
    const key = stage[1];
    const read = (s: StageSummary): unknown => (key === 'ws' ? s.width : key === 'ds' ? s.depth : s.params[STAGE_ALIASES[key] ?? key]);
    return {
      name: trimmed,
      label: `stage ${i + 1} ${key === 'ws' ? 'width' : key === 'ds' ? 'depth' : STAGE_ALIASES[key] ?? key} (${trimmed})`,
      log: false,
      value: (t) => {
        const s = stageSummaries(t.spec)[i];
        return s ? finite(read(s)) : null;
      },
    };
  }
  const key = ALIASES[trimmed] ?? trimmed;
  const core = CORE_METRICS[key];
  if (core) return { name: key, label: core.label, log: core.log, value: (t) => finite(core.read(t)) };
  if (!knownParameterNames().has(key)) {
    throw new UserError(`${flag}: unknown metric "${name}" (known: ${Object.keys(CORE_METRICS).join(', ')}, e_fit, any parameter name such as w0 or group_w, and per stage ws[i], ds[i], or a block parameter like group_w[i])`);
  }
  return { name: key, label: parameterLabel(key), log: false, value: (t) => finite(parameterValue(t, key)) };
}

/** Every parameter name a trial can have: the space kinds', the families', every node type's, and the sampler's derived ones. */
function knownParameterNames(): Set<string> {
  const names = new Set<string>(['num_stages', 'ss', ...Object.keys(RESOLUTION_PARAMS)]);
  for (const kind of Object.values(KIND_PARAMS)) for (const k of Object.keys(kind)) names.add(k);
  for (const f of families()) for (const k of Object.keys(f.params)) names.add(k);
  for (const n of nodeTypes()) for (const k of Object.keys(n.params)) names.add(k);
  return names;
}

/** Whether a name is a parameter some trial can have. */
export function isKnownParameter(name: string): boolean {
  return knownParameterNames().has(name);
}

/** Names of the numeric parameters a population has (for listing metrics). */
export function parameterNames(trials: readonly TrialRecord[]): string[] {
  const names = new Set<string>();
  for (const t of trials) for (const [k, v] of Object.entries(t.values ?? t.params)) if (typeof v === 'number') names.add(k);
  return [...names].sort();
}

/** The largest stage count in a population (to list ws[i] / ds[i] metrics). */
export function maxStages(trials: readonly TrialRecord[]): number {
  return trials.reduce((m, t) => Math.max(m, stageSummaries(t.spec).length), 0);
}

function finite(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}
