/**
 * Conversions between store records and table rows: the columns a sampled model is spread into, and
 * the records read back.
 */
import { stageSummaries } from '../space/spec.js';
import type { ModelSpec } from '../space/spec.js';
import type { EpochMetrics } from '../workers/engine.js';
import type { NewTrial, SweepRecord, SweepState, TrialRecord, TrialState } from './types.js';

export interface TrialColumns {
  idx: number;
  sample: string;
  depth: number;
  num_stages: number;
  w0: number | null;
  wa: number | null;
  wm: number | null;
  group_w: number | null;
  bot_mul: number | null;
  se_r: number | null;
  ws: string;
  ds: string;
  gs: string | null;
  bs: string | null;
  spec: string;
  flops: number;
  params: number;
  acts: number;
}

/** The queryable columns of a sampled model: RegNet scalars from its parameters, per-stage lists from its spec. */
export function trialColumns(t: NewTrial): TrialColumns {
  const stages = stageSummaries(t.spec);
  const perStage = (key: string): number[] | null => {
    const values = stages.map((s) => s.params[key]);
    return values.every((v) => typeof v === 'number') ? (values as number[]) : null;
  };
  const gs = perStage('group_w');
  const bs = perStage('bot_mul');
  const ses = perStage('se_r');
  return {
    idx: t.index,
    sample: JSON.stringify(t.params),
    depth: t.spec.blocks.length,
    num_stages: stages.length,
    w0: scalar(t.params, 'w0'),
    wa: scalar(t.params, 'wa'),
    wm: scalar(t.params, 'wm'),
    group_w: scalar(t.params, 'group_w') ?? common(gs),
    bot_mul: scalar(t.params, 'bot_mul') ?? common(bs),
    se_r: scalar(t.params, 'se_r') ?? common(ses),
    ws: JSON.stringify(stages.map((s) => s.width)),
    ds: JSON.stringify(stages.map((s) => s.depth)),
    gs: gs && JSON.stringify(gs),
    bs: bs && JSON.stringify(bs),
    spec: JSON.stringify(t.spec),
    flops: t.cx.flops,
    params: t.cx.params,
    acts: t.cx.acts,
  };
}

function scalar(params: Record<string, unknown>, key: string): number | null {
  const v = params[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** The value every stage shares, or null. */
function common(values: number[] | null): number | null {
  if (!values || values.length === 0) return null;
  return values.every((v) => v === values[0]) ? values[0] : null;
}

export interface SweepRow {
  id: number;
  name: string;
  description: string | null;
  config: string;
  config_hash: string;
  seed: number;
  n: number;
  space: string;
  sample_stats: string | null;
  created: string;
  updated: string;
  status: SweepState;
}

export function sweepRecord(row: SweepRow): SweepRecord {
  return {
    id: row.id,
    name: row.name,
    config: JSON.parse(row.config),
    seed: row.seed,
    created: row.created,
    status: row.status,
    description: row.description,
    n: row.n,
    space: row.space,
    config_hash: row.config_hash,
    sample_stats: row.sample_stats === null ? null : JSON.parse(row.sample_stats),
    updated: row.updated,
  };
}

export interface TrialRow extends TrialColumns {
  id: number;
  sweep: string;
  status: TrialState;
  attempts: number;
  failures: number;
  last_error: string | null;
  worker: string | null;
  device: string | null;
  started: string | null;
  finished: string | null;
  seconds: number | null;
  final_test_err: number | null;
  best_test_err: number | null;
  params_built: number | null;
  peak_mem_bytes: number | null;
  fit_w0: number | null;
  fit_wa: number | null;
  fit_wm: number | null;
  fit_err: number | null;
}

export function trialRecord(row: TrialRow, epochs: EpochMetrics[]): TrialRecord {
  const spec = JSON.parse(row.spec) as ModelSpec;
  return {
    id: row.id,
    sweep: row.sweep,
    index: row.idx,
    params: JSON.parse(row.sample),
    spec,
    cx: { flops: row.flops, params: row.params, acts: row.acts },
    status: row.status,
    attempts: row.attempts,
    last_error: row.last_error,
    worker: row.worker,
    started: row.started,
    finished: row.finished,
    seconds: row.seconds,
    final_test_err: row.final_test_err,
    best_test_err: row.best_test_err,
    fit:
      row.fit_w0 === null || row.fit_wa === null || row.fit_wm === null || row.fit_err === null
        ? null
        : { w0: row.fit_w0, wa: row.fit_wa, wm: row.fit_wm, e_fit: row.fit_err },
    epochs,
    failures: row.failures,
    device: row.device,
    params_built: row.params_built,
    peak_mem_bytes: row.peak_mem_bytes,
  };
}

export interface EpochRow extends EpochMetrics {
  trial_id: number;
}

export function epochMetrics(row: EpochRow): EpochMetrics {
  return {
    epoch: row.epoch,
    lr: row.lr,
    train_loss: row.train_loss,
    train_err: row.train_err,
    test_err: row.test_err,
    seconds: row.seconds,
    images_per_sec: row.images_per_sec,
  };
}
