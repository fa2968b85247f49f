/**
 * `dse run <experiment.yaml>`: creates the sweep or continues it, trains what is left, and keeps
 * every result in the sweep's SQLite file. Ctrl-C once stops cleanly (running trainings are stored
 * interrupted, exit 130); twice exits at once. A run in which trials failed for good (no retry left)
 * exits 3, after a summary of the failures by kind (out of memory, timed out, error).
 */
import type { Command } from 'commander';
import { type Experiment, loadExperiment } from '../../experiment/load.js';
import { ENGINE_NAMES, SWEEP_LIMITS } from '../../experiment/schema.js';
import { RESOURCE_LIMITS } from '../../workers/slots.js';
import { defaultDbPath } from '../../store/locate.js';
import type { TrialCounts } from '../../store/types.js';
import { type SweepOutcome, type SweepReporter, type TrialFailure, runSweep } from '../../sweep/run.js';
import { FAILURE_KINDS, type FailureKind } from '../../workers/engine.js';
import { UserError } from '../../util/errors.js';
import { Progress, formatError } from '../progress.js';

interface RunFlags {
  db?: string;
  engine?: string;
  cpuWorkers?: string;
  gpus?: string;
  trialsPerGpu?: string;
  threadsPerWorker?: string;
  num?: string;
  maxRetries?: string;
  forceConfig?: boolean;
  quiet?: boolean;
}

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('sample a sweep, train its models across the workers and store every result (continues the sweep if it exists)')
    .argument('<experiment>', 'experiment YAML file')
    .option('--db <file>', "database file (default: the experiment's db, else db/<name>.sqlite)")
    .option('--engine <name>', `training engine: ${ENGINE_NAMES.join(' | ')}`)
    .option('--cpu-workers <n>', 'CPU worker slots (when no GPUs)')
    .option('--gpus <list>', 'GPU indices, e.g. 0,1 ("" or none: CPU)')
    .option('--trials-per-gpu <n>', 'trainings run at once on each GPU')
    .option('--threads-per-worker <n>', 'threads of each worker slot (default: the cores shared out; CPU results are bit-identical per seed and thread count)')
    .option('-n, --num <count>', 'number of models (overrides n)')
    .option('--max-retries <n>', 'retries of a failed training (overrides max_retries)')
    .option('--force-config', 'continue an existing sweep even though the experiment file changed')
    .option('--quiet', 'no progress output')
    .action(async (file: string, flags: RunFlags) => {
      const experiment = applyFlags(loadExperiment(file), flags);
      const dbPath = flags.db ?? experiment.db ?? defaultDbPath(experiment.name);
      const progress = new ProgressReporter(!!flags.quiet);
      const controller = new AbortController();
      let signals = 0;
      const onSignal = () => {
        signals++;
        if (signals > 1) {
          process.stderr.write('\ndse: stopped at once; trainings in flight are lost and will be retrained on resume\n');
          process.exit(130);
        }
        progress.note('stopping: waiting for the running trainings to stop (Ctrl-C again to quit at once)');
        controller.abort();
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      let outcome: SweepOutcome;
      try {
        outcome = await runSweep({ experiment, dbPath, forceConfig: flags.forceConfig, signal: controller.signal, reporter: progress });
      } finally {
        progress.stop();
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
      if (!flags.quiet) process.stdout.write(`${summaryLine(outcome)}\n${failureSummary(outcome.failures)}`);
      if (outcome.error) throw new UserError(`sweep ${outcome.sweep} stopped: ${outcome.error}`);
      if (outcome.aborted) process.exit(130);
      if (outcome.failures.length) process.exitCode = EXIT_TRIALS_FAILED;
    });
}

/** The experiment with command-line overrides; each bad value is a UserError naming its flag. */
export function applyFlags(exp: Experiment, flags: RunFlags): Experiment {
  const out: Experiment = { ...exp, resources: { ...exp.resources } };
  if (flags.engine !== undefined) {
    if (!(ENGINE_NAMES as readonly string[]).includes(flags.engine)) throw new UserError(`--engine: expected ${ENGINE_NAMES.join(' or ')}, got "${flags.engine}"`);
    out.engine = flags.engine as Experiment['engine'];
  }
  if (flags.num !== undefined) out.n = integerFlag('-n', flags.num, 1, SWEEP_LIMITS.n);
  if (flags.maxRetries !== undefined) out.max_retries = integerFlag('--max-retries', flags.maxRetries, 0, SWEEP_LIMITS.max_retries);
  if (flags.cpuWorkers !== undefined) out.resources.cpu_workers = integerFlag('--cpu-workers', flags.cpuWorkers, 1, RESOURCE_LIMITS.cpu_workers);
  if (flags.trialsPerGpu !== undefined) out.resources.trials_per_gpu = integerFlag('--trials-per-gpu', flags.trialsPerGpu, 1, RESOURCE_LIMITS.trials_per_gpu);
  if (flags.threadsPerWorker !== undefined) out.resources.threads_per_worker = integerFlag('--threads-per-worker', flags.threadsPerWorker, 1, RESOURCE_LIMITS.threads_per_worker);
  if (flags.gpus !== undefined) {
    const text = flags.gpus.trim();
    out.resources.gpus = text === '' || text === 'none' ? [] : text.split(',').map((g) => integerFlag('--gpus', g.trim(), 0, RESOURCE_LIMITS.gpu_index));
  }
  return out;
}

function integerFlag(flag: string, text: string, min: number, max: number): number {
  const v = Number(text);
  if (text.trim() === '' || !Number.isInteger(v) || v < min || v > max) throw new UserError(`${flag}: expected an integer in [${min}, ${max}], got "${text}"`);
  return v;
}

/** Exit status of a run in which trials failed for good (2 is bad input, 1 an internal error, 130 Ctrl-C). */
export const EXIT_TRIALS_FAILED = 3;

const KIND_LABEL: Record<FailureKind, string> = { oom: 'out of memory', timeout: 'timed out', diverged: 'diverged', error: 'error' };

/** "failed for good this run: 1 out of memory, 1 timed out, 0 error" and a line per trial; '' without failures. */
export function failureSummary(failures: readonly TrialFailure[]): string {
  if (!failures.length) return '';
  const counts = FAILURE_KINDS.map((k) => `${failures.filter((f) => f.kind === k).length} ${KIND_LABEL[k]}`);
  const lines = failures.map((f) => `  trial ${f.index} (${KIND_LABEL[f.kind]}): ${firstLine(f.error)}`);
  return `failed for good this run: ${counts.join(', ')}\n${lines.join('\n')}\n`;
}

function firstLine(text: string): string {
  const line = text.trim().split('\n')[0];
  return line.length > 200 ? `${line.slice(0, 197)}...` : line;
}

/** "; 2 duplicate networks (trained once)" when samples repeat a network, else nothing. */
function duplicates(c: TrialCounts): string {
  return c.duplicate ? `; ${c.duplicate} duplicate network${c.duplicate === 1 ? '' : 's'} (trained once)` : '';
}

function summaryLine(o: SweepOutcome): string {
  const c = o.counts;
  const state = o.aborted ? 'interrupted' : o.status;
  const rest = c.pending + c.interrupted + c.running;
  return (
    `sweep ${o.sweep} ${state}: ${c.done}/${c.total - c.duplicate} done, ${c.failed} failed${rest ? `, ${rest} to train` : ''}${duplicates(c)}; ` +
    `this run trained ${o.trained.done} (+${o.trained.failed} failed, ${o.trained.interrupted} interrupted); database ${o.dbPath}`
  );
}

/** The sweep's reporter over the progress display. */
class ProgressReporter implements SweepReporter {
  private progress: Progress | null = null;

  constructor(private readonly quiet: boolean) {}

  begin(info: Parameters<NonNullable<SweepReporter['begin']>>[0]): void {
    if (this.quiet) return;
    const c = info.counts;
    const head = info.created
      ? `sweep ${info.sweep}: created in ${info.dbPath} with ${c.total} sampled models`
      : `sweep ${info.sweep}: continuing in ${info.dbPath} (${c.done} done, ${c.failed} failed of ${c.total}${info.added ? `; ${info.added} models added` : ''})`;
    const v = info.newVersion;
    if (v) process.stderr.write(`sweep ${info.sweep}: version ${v.version} (${v.changes}); every trial trains again, the ${v.kept} results of version ${v.version - 1} stay stored under it\n`);
    const requeued =
      (info.requeued ? `; ${info.requeued} left running by a stopped run go back in the queue` : '') +
      (info.reopened ? `; ${info.reopened} done models train more repeats` : '');
    const best = info.best !== null ? `; best error so far ${formatError(info.best)}` : '';
    process.stderr.write(`${head}${duplicates(c)}${best}${requeued}; ${info.queued} to train on ${info.parallel} worker(s)\n`);
    const trainable = c.total - c.duplicate;
    // failed trials with retries left are queued again, so only the others count as finished
    const finallyFailed = Math.min(c.failed, Math.max(0, trainable - c.done - info.queued));
    this.progress = new Progress({ total: trainable, done: c.done, failed: finallyFailed, best: info.best });
  }

  started(): void {
    this.progress?.started();
  }

  finished(...args: Parameters<NonNullable<SweepReporter['finished']>>): void {
    this.progress?.finished(...args);
  }

  repeated(...args: Parameters<NonNullable<SweepReporter['repeated']>>): void {
    this.progress?.repeated(...args);
  }

  note(text: string): void {
    if (this.progress) this.progress.note(text);
    else if (!this.quiet) process.stderr.write(`${text}\n`);
  }

  stop(): void {
    this.progress?.stop();
  }
}

