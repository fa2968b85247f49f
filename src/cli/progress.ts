/**
 * Sweep progress for `dse run`. On a terminal: one status line redrawn in place (a bar, done / failed /
 * running counts, best error, ETA). Elsewhere (CI, a log file): one plain line per finished training,
 * so the log reads as a record of what happened.
 */
import type { TrainResult } from '../workers/engine.js';

export interface ProgressTrial {
  index: number;
  params: Record<string, unknown>;
  flops: number;
}

export interface ProgressOptions {
  /** Trials in the sweep. */
  total: number;
  /** Trials already done or finally failed before this run. */
  done: number;
  failed: number;
  best: number | null;
  stream?: NodeJS.WriteStream;
  /** Redraw in place; default: whether the stream is a TTY. */
  live?: boolean;
}

const REDRAW_MS = 250;
const BAR_WIDTH = 24;

export class Progress {
  private readonly stream: NodeJS.WriteStream;
  private readonly live: boolean;
  private done: number;
  private failed: number;
  private best: number | null;
  private running = 0;
  private finishedThisRun = 0;
  private readonly startedAt = Date.now();
  private lastDraw = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly opts: ProgressOptions) {
    this.stream = opts.stream ?? process.stderr;
    this.live = opts.live ?? !!this.stream.isTTY;
    this.done = opts.done;
    this.failed = opts.failed;
    this.best = opts.best;
    if (this.live) {
      this.timer = setInterval(() => this.draw(true), 1000);
      this.timer.unref();
    }
  }

  started(): void {
    this.running++;
    this.draw();
  }

  /** A training ended; `final` is false for a failure that will be retried. */
  finished(trial: ProgressTrial, result: TrainResult, final: boolean): void {
    this.running = Math.max(0, this.running - 1);
    if (result.status === 'done') {
      this.done++;
      this.finishedThisRun++;
      if (result.final_test_err !== null && (this.best === null || result.final_test_err < this.best)) this.best = result.final_test_err;
    } else if (result.status === 'failed' && final) {
      this.failed++;
      this.finishedThisRun++;
    }
    if (this.live) this.draw(true);
    else this.stream.write(`${this.plainLine(trial, result, final)}\n`);
  }

  /** One of a trial's repeats finished (`done` of `of`); the next one starts at once. */
  repeated(trial: ProgressTrial, result: TrainResult, done: number, of: number): void {
    this.running = Math.max(0, this.running - 1);
    this.note(`trial ${trial.index} repeat ${done}/${of} done  error ${formatError(result.final_val_err ?? result.final_test_err)}  ${result.seconds.toFixed(1)} s`);
  }

  /** A plain note (a retry, an interruption) that must not be overdrawn. */
  note(text: string): void {
    if (this.live) this.stream.write('\r\x1b[2K');
    this.stream.write(`${text}\n`);
    if (this.live) this.draw(true);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.live) {
      this.draw(true);
      this.stream.write('\n');
    }
  }

  /** Seconds left: this run's pace over the remaining trials, or null before anything finished. */
  eta(): number | null {
    const remaining = this.opts.total - this.done - this.failed;
    if (remaining <= 0) return 0;
    if (this.finishedThisRun === 0) return null;
    return ((Date.now() - this.startedAt) / 1000 / this.finishedThisRun) * remaining;
  }

  statusLine(): string {
    const { total } = this.opts;
    const finished = this.done + this.failed;
    const filled = total ? Math.round((finished / total) * BAR_WIDTH) : BAR_WIDTH;
    const bar = `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}]`;
    const eta = this.eta();
    return [
      `${bar} ${finished}/${total}`,
      `${this.done} done`,
      `${this.failed} failed`,
      `${this.running} running`,
      `best ${formatError(this.best)}`,
      `ETA ${eta === null ? '--' : formatDuration(eta)}`,
    ].join(' | ');
  }

  private draw(force = false): void {
    if (!this.live) return;
    const now = Date.now();
    if (!force && now - this.lastDraw < REDRAW_MS) return;
    this.lastDraw = now;
    const width = this.stream.columns ?? 100;
    this.stream.write(`\r\x1b[2K${this.statusLine().slice(0, Math.max(20, width - 1))}`);
  }

  private plainLine(trial: ProgressTrial, result: TrainResult, final: boolean): string {
    const head = `trial ${trial.index} ${result.status === 'failed' && !final ? 'failed (will retry)' : result.status}`;
    const outcome =
      result.status === 'done' ? `error ${formatError(result.final_test_err)}` : firstLine(result.error ?? 'no error message');
    const position = `[${this.done + this.failed}/${this.opts.total}, best ${formatError(this.best)}]`;
    return `${head}  ${outcome}  ${paramsSummary(trial)}  ${result.seconds.toFixed(1)} s  ${position}`;
  }
}

/** "d=16 w0=48 wa=36.97 wm=2.24 g=24 flops=402.1M", per-stage lists for AnyNet samples, a family's scalar knobs. */
export function paramsSummary(trial: ProgressTrial): string {
  const p = trial.params;
  const short: Record<string, string> = { depth: 'd', group_w: 'g', bot_mul: 'b' };
  let parts: string[];
  if (typeof p.w0 === 'number') {
    parts = ['depth', 'w0', 'wa', 'wm', 'group_w', 'bot_mul'].filter((k) => typeof p[k] === 'number').map((k) => `${short[k] ?? k}=${round(p[k] as number)}`);
  } else if (Array.isArray(p.ds)) {
    parts = ['ds', 'ws', 'gs', 'bs'].filter((k) => Array.isArray(p[k])).map((k) => `${k}=${(p[k] as number[]).map(round).join(',')}`);
  } else {
    parts = Object.entries(p).flatMap(([k, v]) => (typeof v === 'number' ? [`${k}=${round(v)}`] : typeof v === 'string' ? [`${k}=${v}`] : []));
  }
  parts.push(`flops=${formatCount(trial.flops)}`);
  return parts.join(' ');
}

function round(v: number): string {
  return String(Math.round(v * 1000) / 1000);
}

export function formatError(e: number | null | undefined): string {
  return e === null || e === undefined ? '--' : `${e.toFixed(2)}%`;
}

export function formatCount(v: number): string {
  if (v >= 1e9) return `${(v / 1e9).toFixed(2)}G`;
  if (v >= 1e6) return `${(v / 1e6).toFixed(1)}M`;
  if (v >= 1e3) return `${(v / 1e3).toFixed(1)}K`;
  return String(v);
}

export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** The first line of an error: its message (engine errors append a stderr tail). */
function firstLine(text: string): string {
  const line = text.trim().split('\n')[0];
  return line.length > 120 ? `${line.slice(0, 117)}...` : line;
}
