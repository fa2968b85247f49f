/**
 * What the store hands to the rest of dse (analysis, the CLI). The SQLite schema itself lives in
 * db/migrations/*.sql and is documented in the README.
 */
import type { Complexity } from '../space/blocks.js';
import type { ModelSpec } from '../space/spec.js';
import type { EpochMetrics } from '../workers/engine.js';

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
}

export interface TrialRecord {
  id: number;
  sweep: string;
  /** Index of the sample within the sweep (0..n-1). */
  index: number;
  /** The sampled design-space parameters (e.g. depth, w0, wa, wm, group_w, or per-stage ds/ws/bs/gs). */
  params: Record<string, unknown>;
  spec: ModelSpec;
  cx: Complexity;
  status: TrialState;
  attempts: number;
  last_error: string | null;
  worker: string | null;
  started: string | null;
  finished: string | null;
  seconds: number | null;
  final_test_err: number | null;
  best_test_err: number | null;
  /** Fitted quantized linear width rule (dse fit), null until fitted. */
  fit: { w0: number; wa: number; wm: number; e_fit: number } | null;
  epochs: EpochMetrics[];
}
