/**
 * Conversions between store records and table rows: the columns a sampled model is spread into, and
 * the records read back.
 */
import { type ModelSpec, type ParamValue, STRUCTURAL_BLOCK_PARAMS, analyzed, blockCount, stageSummaries, upgradeSpec } from '../space/index.js';
import type { EpochMetrics, FailureKind } from '../workers/engine.js';
import type { EarlierResult, NewTrial, Provenance, RepeatRecord, SweepRecord, SweepState, TrainingRecord, TrialRecord, TrialState } from './types.js';

export interface TrialColumns {
  idx: number;
  sample: string;
  depth: number;
  num_stages: number;
  ws: string;
  ds: string;
  spec: string;
  flops: number;
  params: number;
  acts: number;
  duplicate_of: number | null;
}

/** The columns of a sampled model: its stage structure, spec and complexity. */
export function trialColumns(t: NewTrial): TrialColumns {
  const stages = stageSummaries(t.spec);
  return {
    idx: t.index,
    sample: JSON.stringify(t.params),
    depth: blockCount(t.spec),
    num_stages: stages.length,
    ws: JSON.stringify(stages.map((s) => s.width)),
    ds: JSON.stringify(stages.map((s) => s.depth)),
    spec: JSON.stringify(t.spec),
    flops: t.cx.flops,
    params: t.cx.params,
    acts: t.cx.acts,
    duplicate_of: t.duplicate_of ?? null,
  };
}

/** A parameter's value as trial_values keeps it. */
export interface ValueRow {
  name: string;
  value: number | string;
  json: 0 | 1;
}

/**
 * The parameter values of a sampled model, one per name: every sampled or fixed parameter (and the
 * sampler's per-stage lists), then every block parameter that all of the network's blocks share.
 * This is what makes any family's parameters queryable and plottable by name.
 */
export function trialValues(t: Pick<NewTrial, 'params' | 'spec'>): ValueRow[] {
  const values = new Map<string, unknown>();
  for (const [k, v] of Object.entries(t.params)) if (v !== null && v !== undefined) values.set(k, v);
  const blocks = analyzed(t.spec).nodes.filter((n) => n.type.kind === 'block');
  const names = new Set(blocks.flatMap((b) => Object.keys(b.params)));
  for (const name of names) {
    if (values.has(name) || STRUCTURAL_BLOCK_PARAMS.has(name)) continue;
    const first = JSON.stringify(blocks[0].params[name]);
    if (blocks.every((b) => b.params[name] !== undefined && JSON.stringify(b.params[name]) === first)) values.set(name, blocks[0].params[name]);
  }
  return [...values].map(([name, v]) => encodeValue(name, v as ParamValue | ParamValue[]));
}

function encodeValue(name: string, v: ParamValue | ParamValue[]): ValueRow {
  if (Array.isArray(v)) return { name, value: JSON.stringify(v), json: 1 };
  if (typeof v === 'boolean') return { name, value: v ? 1 : 0, json: 0 };
  return { name, value: v, json: 0 };
}

/** trial_values rows back as values (lists parsed). */
export function decodeValues(rows: ValueRow[]): Record<string, ParamValue | ParamValue[]> {
  const out: Record<string, ParamValue | ParamValue[]> = {};
  for (const r of rows) out[r.name] = r.json ? JSON.parse(r.value as string) : r.value;
  return out;
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
  version: number;
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
    version: row.version,
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
  final_val_err: number | null;
  best_val_err: number | null;
  params_built: number | null;
  peak_mem_bytes: number | null;
  failure_kind: FailureKind | null;
  accum_steps: number;
  val_err_std: number | null;
  test_err_std: number | null;
  fit_w0: number | null;
  fit_wa: number | null;
  fit_wm: number | null;
  fit_err: number | null;
}

export interface TrialHistory {
  trainings: TrainingRecord[];
  earlier: EarlierResult[];
  repeats: RepeatRecord[];
}

export function trialRecord(row: TrialRow, epochs: EpochMetrics[], values: Record<string, ParamValue | ParamValue[]>, history: TrialHistory): TrialRecord {
  // Specs written by dse 0.1 are version 1; everything downstream reads version 2.
  const spec = upgradeSpec(JSON.parse(row.spec)) as ModelSpec;
  return {
    id: row.id,
    sweep: row.sweep,
    index: row.idx,
    params: JSON.parse(row.sample),
    values,
    spec,
    cx: { flops: row.flops, params: row.params, acts: row.acts },
    status: row.status,
    duplicate_of: row.duplicate_of ?? null,
    attempts: row.attempts,
    last_error: row.last_error,
    worker: row.worker,
    started: row.started,
    finished: row.finished,
    seconds: row.seconds,
    final_test_err: row.final_test_err,
    best_test_err: row.best_test_err,
    final_val_err: row.final_val_err ?? null,
    best_val_err: row.best_val_err ?? null,
    fit:
      row.fit_w0 === null || row.fit_wa === null || row.fit_wm === null || row.fit_err === null
        ? null
        : { w0: row.fit_w0, wa: row.fit_wa, wm: row.fit_wm, e_fit: row.fit_err },
    epochs,
    failures: row.failures,
    device: row.device,
    params_built: row.params_built,
    peak_mem_bytes: row.peak_mem_bytes,
    failure_kind: row.failure_kind,
    accum_steps: row.accum_steps,
    trainings: history.trainings,
    earlier: history.earlier,
    repeats: history.repeats,
    val_err_std: row.val_err_std ?? null,
    test_err_std: row.test_err_std ?? null,
  };
}

/** The provenance columns of trainings, as trialStarted writes them. */
export interface ProvenanceColumns {
  recipe: string | null;
  recipe_hash: string | null;
  dataset: string | null;
  dataset_key: string | null;
  engine: string | null;
  dse_version: string | null;
  seed: number | null;
}

export function provenanceColumns(p: Provenance | undefined): ProvenanceColumns {
  if (!p) return { recipe: null, recipe_hash: null, dataset: null, dataset_key: null, engine: null, dse_version: null, seed: null };
  return {
    recipe: JSON.stringify(p.recipe), recipe_hash: p.recipe_hash, dataset: JSON.stringify(p.dataset), dataset_key: p.dataset.key,
    engine: p.engine, dse_version: p.dse_version, seed: p.seed,
  };
}

/** A trainings row: the record's columns, with its provenance as the stored columns. */
export type TrainingRow = Omit<TrainingRecord, 'provenance'> & ProvenanceColumns & { trial_id: number };

export function trainingRecord(row: TrainingRow): TrainingRecord {
  const provenance: Provenance | null =
    row.recipe === null || row.recipe_hash === null || row.dataset === null || row.engine === null || row.dse_version === null || row.seed === null
      ? null
      : { recipe: JSON.parse(row.recipe), recipe_hash: row.recipe_hash, dataset: JSON.parse(row.dataset), engine: row.engine as Provenance['engine'], dse_version: row.dse_version, seed: row.seed };
  return {
    attempt: row.attempt, version: row.version, worker: row.worker, started: row.started, finished: row.finished, status: row.status, error: row.error,
    failure_kind: row.failure_kind, accum_steps: row.accum_steps, device: row.device, engine_version: row.engine_version, provenance,
  };
}

export interface EpochRow extends EpochMetrics {
  trial_id: number;
  val_err: number | null;
}

export function epochMetrics(row: EpochRow): EpochMetrics {
  return {
    epoch: row.epoch,
    lr: row.lr,
    train_loss: row.train_loss,
    train_err: row.train_err,
    val_err: row.val_err ?? null,
    test_err: row.test_err,
    seconds: row.seconds,
    images_per_sec: row.images_per_sec,
  };
}

export interface EarlierRow extends Omit<EarlierResult, 'epochs'> {
  trial_id: number;
  epochs: string;
}

export function earlierResult(row: EarlierRow): EarlierResult {
  const { trial_id: _id, epochs, ...rest } = row;
  return { ...rest, epochs: (JSON.parse(epochs) as EpochRow[]).map(epochMetrics) };
}

export interface RepeatRow extends Omit<RepeatRecord, 'epochs'> {
  trial_id: number;
  version: number;
  epochs: string;
}

export function repeatRecord(row: RepeatRow): RepeatRecord {
  const { trial_id: _id, version: _version, epochs, ...rest } = row;
  return { ...rest, epochs: (JSON.parse(epochs) as EpochRow[]).map(epochMetrics) };
}
