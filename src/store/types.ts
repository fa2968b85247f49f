/**
 * What the store hands to the rest of dse (analysis, the CLI). The SQLite schema itself lives in
 * db/migrations/*.sql and is documented in the README.
 */
import type { Complexity, ModelSpec, ParamValue } from '../space/index.js';
import type { EpochMetrics, FailureKind } from '../workers/engine.js';
import type { DatasetFingerprint, Provenance } from '../workers/provenance.js';

export type { DatasetFingerprint, Provenance };

export type TrialState = 'pending' | 'running' | 'done' | 'failed' | 'interrupted';
export type SweepState = 'created' | 'running' | 'done' | 'interrupted' | 'failed';

export interface SweepRecord {
  id: number;
  name: string;
  /** The validated experiment, as JSON. */
  config: unknown;
  seed: number;
  created: string;
  status: SweepState;
  // Always set by the store; optional so hand-built records (test fixtures) may leave them out.
  description?: string | null;
  n?: number;
  space?: string;
  config_hash?: string;
  /** The sampler's report at creation: drawn, kept, duplicates, rejected by reason. */
  sample_stats?: unknown;
  updated?: string;
  /** The current sweep version (1, 2, ...): a result-affecting --force-config change starts a new one. */
  version?: number;
}

/** One version of a sweep: the config its trainings ran under. */
export interface SweepVersion {
  version: number;
  config: unknown;
  config_hash: string;
  created: string;
}

/** A trial's result under an earlier sweep version, kept when the new version re-queued it. */
export interface EarlierResult {
  version: number;
  status: TrialState;
  /** Its last training under that version (TrialRecord.trainings). */
  attempt: number;
  final_test_err: number | null;
  best_test_err: number | null;
  final_val_err: number | null;
  best_val_err: number | null;
  seconds: number | null;
  last_error: string | null;
  failure_kind: FailureKind | null;
  epochs: EpochMetrics[];
}

/** The four errors a training ends with, as trials, repeats and kept results store them (percent). */
export interface TrainedErrors {
  final_test_err: number | null;
  best_test_err: number | null;
  final_val_err?: number | null;
  best_val_err?: number | null;
}

/** One finished training of a trial under `repeats: k` (every done training is one; k of them make the trial). */
export interface RepeatRecord extends TrainedErrors {
  repeat: number;
  /** Its training (TrialRecord.trainings). */
  attempt: number;
  seed: number;
  seconds: number | null;
  epochs: EpochMetrics[];
}

export interface TrialRecord {
  id: number;
  sweep: string;
  /** Index of the sample within the sweep (0..n-1). */
  index: number;
  /** The sampled design-space parameters (e.g. depth, w0, wa, wm, group_w, or per-stage ds/ws/bs/gs). */
  params: Record<string, unknown>;
  /**
   * Every parameter by name, as trial_values holds it: the sampled and fixed ones, and the block
   * parameters all blocks share (act, se_r, ...). Optional so hand-built records may leave it out.
   */
  values?: Record<string, ParamValue | ParamValue[]>;
  spec: ModelSpec;
  cx: Complexity;
  status: TrialState;
  /** Index of the earlier trial whose network this one's is: never trained (it stays pending). */
  duplicate_of: number | null;
  attempts: number;
  last_error: string | null;
  worker: string | null;
  started: string | null;
  finished: string | null;
  seconds: number | null;
  final_test_err: number | null;
  best_test_err: number | null;
  /**
   * Validation errors (the ranking metric, src/analysis/metrics.ts); null when trained without a
   * validation split. Optional so hand-built records may leave them out.
   */
  final_val_err?: number | null;
  best_val_err?: number | null;
  /** Fitted quantized linear width rule (dse fit), null until fitted. */
  fit: { w0: number; wa: number; wm: number; e_fit: number } | null;
  epochs: EpochMetrics[];
  // Always set by the store; optional so hand-built records (test fixtures) may leave them out.
  /** Trainings that failed; a trial is retried while failures <= max_retries. */
  failures?: number;
  device?: string | null;
  params_built?: number | null;
  peak_mem_bytes?: number | null;
  /** Why the last training failed (oom, timeout, diverged, error); null unless failed. */
  failure_kind?: FailureKind | null;
  /** Gradient accumulation of the last training started. */
  accum_steps?: number;
  /** Every training started, oldest first, each with what it ran with. */
  trainings?: TrainingRecord[];
  /** Its results under earlier sweep versions, oldest first. */
  earlier?: EarlierResult[];
  /**
   * Its finished repeats under the current version, by repeat: its errors above are their means
   * (one repeat: that training's), and val_err_std / test_err_std their sample spread (null for one).
   */
  repeats?: RepeatRecord[];
  val_err_std?: number | null;
  test_err_std?: number | null;
}

/** One row of the trainings table. */
export interface TrainingRecord {
  attempt: number;
  /** The sweep version it trained under. */
  version: number;
  worker: string | null;
  started: string;
  finished: string | null;
  status: string | null;
  error: string | null;
  failure_kind: FailureKind | null;
  accum_steps: number;
  device: string | null;
  engine_version: string | null;
  /** Null for a training stored by a dse older than schema version 4. */
  provenance: Provenance | null;
}

/** A sampled model as the store takes it at sweep creation. */
export interface NewTrial {
  index: number;
  params: Record<string, unknown>;
  spec: ModelSpec;
  cx: Complexity;
  /** Index of the earlier trial whose network this one's is (the same canonical spec); absent if first. */
  duplicate_of?: number | null;
}

export interface NewSweep {
  name: string;
  description?: string | null;
  config: unknown;
  config_hash: string;
  seed: number;
  n: number;
  space: string;
  sample_stats?: unknown;
}

export interface WidthFit {
  trialId: number;
  w0: number;
  wa: number;
  wm: number;
  e_fit: number;
}

/** By status, less the duplicates (counted apart: never trained); total counts every trial. */
export type TrialCounts = Record<TrialState, number> & { total: number; duplicate: number };

export interface SweepSummary {
  sweep: SweepRecord;
  counts: TrialCounts;
  best_error: number | null;
  mean_seconds: number | null;
  /** The process running it, if one has claimed it. */
  runner: RunnerInfo | null;
  /** Trials in training now (as the store last heard), longest-running first. */
  running?: RunningTrial[];
}

export interface RunningTrial {
  index: number;
  /** ISO-8601 start of its current training. */
  started: string;
  worker: string | null;
}

export interface RunnerInfo {
  pid: number;
  host: string;
  started: string;
  heartbeat: string;
}

/** What the sweep needs to train a trial. */
export interface QueuedTrial {
  id: number;
  index: number;
  spec: ModelSpec;
  params: Record<string, unknown>;
  flops: number;
  attempts: number;
  failures: number;
  /** Gradient accumulation its next training uses (2 after an out-of-memory failure). */
  accum_steps: number;
  /** Seed changes its next training uses (one more after each diverged training): see retrySeed. */
  reseeds: number;
  /** Repeats it has finished under the current version; the next training is repeat number `repeats`. */
  repeats: number;
}

/** Where a training's result left its trial: `complete` once it has all its repeats (or the training did not finish). */
export interface FinishedTraining {
  complete: boolean;
  /** Repeats finished so far under the current version. */
  repeats: number;
}
