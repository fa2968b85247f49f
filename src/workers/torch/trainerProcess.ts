/**
 * One running trainer.py process: spawns it, splits its stdout into protocol messages, keeps the tail
 * of its stderr, and reports when it is ready and when it is gone. The slot (slot.ts) owns the
 * lifecycle: which process is current, what a message means for the trial in flight.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { delimiter, join } from 'node:path';
import { packageRoot } from '../../util/paths.js';

export interface ReadyInfo {
  torch: string;
  cuda: boolean;
  device_name: string;
  threads: number;
}

export type TrainerMessage =
  | ({ event: 'ready' } & ReadyInfo)
  | { event: 'epoch'; trial_id: string; metrics: unknown }
  | { event: 'result'; result: Record<string, unknown> }
  | { event: 'built'; params: number; count: { flops: number; params: number; acts: number } }
  | { event: 'forward'; logits: EncodedTensor; weights: Record<string, EncodedTensor> | null }
  | { event: 'pong' }
  | { event: 'error'; message: string; traceback?: string; fatal?: boolean };

/** A float32 tensor as the trainer sends it: shape and base64 data. */
export interface EncodedTensor {
  shape: number[];
  data: string;
}

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** The trainer's Python package (run as `python3 -m dse_torch`) and the op manifest it checks itself against. */
export function trainerCommand(env: NodeJS.ProcessEnv): { args: string[]; env: NodeJS.ProcessEnv } {
  const root = packageRoot();
  const pkgDir = join(root, 'src', 'models', 'torch');
  return {
    args: ['-m', 'dse_torch'],
    env: {
      ...env,
      PYTHONPATH: env.PYTHONPATH ? `${pkgDir}${delimiter}${env.PYTHONPATH}` : pkgDir,
      DSE_MANIFEST: env.DSE_MANIFEST ?? join(root, 'dist', 'manifest.json'),
    },
  };
}

/** Keeps the last `limit` characters written to it. */
export class TextTail {
  private text = '';
  constructor(private readonly limit: number) {}
  push(chunk: string): void {
    this.text = (this.text + chunk).slice(-this.limit);
  }
  clear(): void {
    this.text = '';
  }
  /** The last `lines` lines (at most), trimmed. */
  lines(lines: number): string {
    return this.text.trimEnd().split('\n').slice(-lines).join('\n');
  }
}

export class TrainerProcess {
  readonly stderr = new TextTail(32_768);
  /** Resolves with the ready message, or rejects if the process dies or times out first. */
  readonly ready: Promise<ReadyInfo>;
  /** Resolves once the process has exited and its output streams are drained. */
  readonly closed: Promise<ProcessExit>;
  /** Receives every protocol message after `ready`. */
  onMessage: (msg: TrainerMessage) => void = () => {};
  /** Called once the process has exited (after its last messages); set by whoever is waiting on it. */
  onExit: (exit: ProcessExit) => void = () => {};
  exit: ProcessExit | null = null;
  private killed = false;
  private readonly child: ChildProcessWithoutNullStreams;

  constructor(python: string, env: NodeJS.ProcessEnv, startTimeoutMs: number) {
    const command = trainerCommand(env);
    this.child = spawn(python, command.args, { env: command.env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdin.on('error', () => {}); // writing to a dead process: its exit is reported via `closed`
    this.child.stderr.setEncoding('utf8');
    this.child.stderr.on('data', (chunk: string) => this.stderr.push(chunk));
    this.closed = new Promise((resolve) => {
      this.child.on('error', (err) => {
        this.stderr.push(`\nspawn ${python}: ${err.message}\n`);
        this.exit ??= { code: null, signal: null };
        resolve(this.exit);
      });
      this.child.on('close', (code, signal) => {
        this.exit = { code, signal };
        resolve(this.exit);
      });
    });
    void this.closed.then((exit) => this.onExit(exit));
    this.ready = new Promise<ReadyInfo>((resolve, reject) => {
      let isReady = false;
      const timer = setTimeout(() => {
        reject(new Error(`python did not start the trainer within ${startTimeoutMs / 1000} s${this.stderrSuffix()}`));
        this.kill();
      }, startTimeoutMs);
      createInterface({ input: this.child.stdout }).on('line', (line) => {
        const msg = parseMessage(line);
        if (!msg) {
          this.stderr.push(`[unexpected stdout] ${line}\n`);
          return;
        }
        if (!isReady && msg.event === 'ready') {
          isReady = true;
          clearTimeout(timer);
          resolve(msg);
          return;
        }
        if (!isReady && msg.event === 'error') {
          // e.g. the op manifest is missing or lists an op this trainer lacks
          clearTimeout(timer);
          reject(new Error(msg.message));
          return;
        }
        this.onMessage(msg);
      });
      void this.closed.then((exit) => {
        clearTimeout(timer);
        if (!isReady) reject(new Error(`the trainer exited before it was ready (${describeExit(exit)})${this.stderrSuffix()}`));
      });
    });
    this.ready.catch(() => {}); // observed by whoever awaits it; never an unhandled rejection
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Whether dse itself killed it (an abort), as opposed to a signal from elsewhere (the OOM killer). */
  get killedByDse(): boolean {
    return this.killed;
  }

  /** Running and not being killed: usable for the next command. */
  get alive(): boolean {
    return this.exit === null && !this.killed;
  }

  send(msg: unknown): void {
    if (this.alive) this.child.stdin.write(`${JSON.stringify(msg)}\n`);
  }

  kill(): void {
    if (!this.alive) return;
    this.killed = true;
    this.child.kill('SIGKILL');
  }

  /** Asks the process to exit, and kills it if it has not within `graceMs`. */
  async shutdown(graceMs: number): Promise<void> {
    if (!this.alive) return;
    this.send({ cmd: 'exit' });
    this.child.stdin.end();
    const timer = setTimeout(() => this.kill(), graceMs);
    await this.closed;
    clearTimeout(timer);
  }

  stderrSuffix(lines = 30): string {
    const tail = this.stderr.lines(lines);
    return tail ? `\n--- trainer stderr (last lines) ---\n${tail}` : '';
  }
}

export function describeExit(exit: ProcessExit): string {
  if (exit.signal) return `killed by ${exit.signal}`;
  if (exit.code !== null) return `exit code ${exit.code}`;
  return 'could not be started';
}

function parseMessage(line: string): TrainerMessage | null {
  if (!line.startsWith('{')) return null;
  try {
    const msg = JSON.parse(line) as TrainerMessage;
    return typeof msg?.event === 'string' ? msg : null;
  } catch {
    return null;
  }
}
