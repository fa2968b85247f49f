/**
 * What the analysis reads off a trial: its error, and any metric x to plot it against. Names follow
 * the columns of `dse query` (trials_view): flops, params, acts, depth, num_stages, w0, wa, wm,
 * group_w, bot_mul, se_r, fit_w0, fit_wa, fit_wm, fit_err (alias e_fit), and per-stage values
 * ws[i], ds[i], gs[i], bs[i] (0-based stage i).
 */
import { stageSummaries } from '../space/spec.js';
import type { TrialRecord } from '../store/types.js';
import { UserError } from '../util/errors.js';

export type ErrorKind = 'final' | 'best';

export const ERROR_LABEL: Record<ErrorKind, string> = {
  final: 'top-1 error (%)',
  best: 'best top-1 error (%)',
};

/** The trial's test error: after the last epoch (final, dse's "error") or the lowest over epochs (best, pycls's). */
export function errorOf(trial: TrialRecord, kind: ErrorKind): number | null {
  const e = kind === 'final' ? trial.final_test_err : trial.best_test_err;
  return typeof e === 'number' && Number.isFinite(e) ? e : null;
}

export function parseErrorKind(text: string): ErrorKind {
  if (text === 'final' || text === 'best') return text;
  throw new UserError(`--error: expected final or best, got "${text}"`);
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

const SCALAR_METRICS: Record<string, { label: string; log: boolean; read: (t: TrialRecord) => unknown }> = {
  flops: { label: 'flops', log: true, read: (t) => t.cx.flops },
  params: { label: 'params', log: true, read: (t) => t.cx.params },
  acts: { label: 'activations', log: true, read: (t) => t.cx.acts },
  depth: { label: 'depth (blocks)', log: false, read: (t) => t.spec.blocks.length },
  num_stages: { label: 'stages', log: false, read: (t) => stageSummaries(t.spec).length },
  w0: { label: 'w0', log: false, read: (t) => t.params.w0 },
  wa: { label: 'wa', log: false, read: (t) => t.params.wa },
  wm: { label: 'wm', log: false, read: (t) => t.params.wm },
  group_w: { label: 'group width', log: false, read: (t) => t.params.group_w ?? commonStageValue(t, 'group_w') },
  bot_mul: { label: 'bottleneck multiplier', log: false, read: (t) => t.params.bot_mul ?? commonStageValue(t, 'bot_mul') },
  se_r: { label: 'SE ratio', log: false, read: (t) => t.params.se_r ?? commonStageValue(t, 'se_r') },
  fit_w0: { label: 'fitted w0', log: false, read: (t) => t.fit?.w0 },
  fit_wa: { label: 'fitted wa', log: false, read: (t) => t.fit?.wa },
  fit_wm: { label: 'fitted wm', log: false, read: (t) => t.fit?.wm },
  fit_err: { label: 'e_fit', log: false, read: (t) => t.fit?.e_fit },
};
const ALIASES: Record<string, string> = { e_fit: 'fit_err', d: 'depth', g: 'group_w', b: 'bot_mul' };

const STAGE_METRICS: Record<string, { label: string; read: (s: ReturnType<typeof stageSummaries>[number]) => unknown }> = {
  ws: { label: 'width', read: (s) => s.width },
  ds: { label: 'depth', read: (s) => s.depth },
  gs: { label: 'group width', read: (s) => s.params.group_w },
  bs: { label: 'bottleneck multiplier', read: (s) => s.params.bot_mul },
};

export interface Metric {
  name: string;
  label: string;
  /** Plot on a log axis (complexities span orders of magnitude). */
  log: boolean;
  value(trial: TrialRecord): number | null;
}

/** Resolves a metric name ("flops", "ws[2]", "e_fit", ...) or throws a UserError listing the names. */
export function metric(name: string, flag = '--x'): Metric {
  const trimmed = name.trim();
  const stage = /^(ws|ds|gs|bs)\[(\d+)\]$/.exec(trimmed);
  if (stage) {
    const def = STAGE_METRICS[stage[1]];
    const i = Number(stage[2]);
    return {
      name: trimmed,
      label: `stage ${i + 1} ${def.label} (${trimmed})`,
      log: false,
      value: (t) => {
        const s = stageSummaries(t.spec)[i];
        return s ? finite(def.read(s)) : null;
      },
    };
  }
  const key = ALIASES[trimmed] ?? trimmed;
  const def = SCALAR_METRICS[key];
  if (!def) {
    throw new UserError(`${flag}: unknown metric "${name}" (known: ${Object.keys(SCALAR_METRICS).join(', ')}, e_fit, and per stage ws[i], ds[i], gs[i], bs[i])`);
  }
  return { name: key, label: def.label, log: def.log, value: (t) => finite(def.read(t)) };
}

/** The largest stage count in a population (to list ws[i] / ds[i] metrics). */
export function maxStages(trials: readonly TrialRecord[]): number {
  return trials.reduce((m, t) => Math.max(m, stageSummaries(t.spec).length), 0);
}

function commonStageValue(t: TrialRecord, key: string): unknown {
  const values = stageSummaries(t.spec).map((s) => s.params[key]);
  return values.length && values.every((v) => v === values[0]) ? values[0] : undefined;
}

function finite(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}
