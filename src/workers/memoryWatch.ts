/**
 * Telling an out-of-memory kill from any other SIGKILL. The kernel OOM killer leaves no message in the
 * victim's stderr, so a trainer that got SIGKILL is judged by what the machine says:
 *   - its cgroup's oom_kill counter rose during the training (cgroup v2 memory.events, v1
 *     memory.oom_control; $DSE_OOM_EVENTS_FILE names the file instead, for tests): out of memory;
 *   - else the host's available memory was near zero while it ran: likely out of memory.
 * The watch also samples the process's peak RSS (VmHWM), which a killed process cannot report itself.
 */
import { readFileSync } from 'node:fs';
import { formatBytes } from './engine.js';

const SAMPLE_MS = 1000;
/** Available memory below max(this, NEAR_ZERO_FRACTION of the total) counts as near zero. */
const NEAR_ZERO_BYTES = 256 * 2 ** 20;
const NEAR_ZERO_FRACTION = 0.02;

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** The oom_kill count in a memory.events / memory.oom_control text; null when it has none. */
export function parseOomKills(text: string): number | null {
  const m = /^oom_kill\s+(\d+)\s*$/m.exec(text);
  return m ? Number(m[1]) : null;
}

/** Files that may hold this process's cgroup oom_kill counter, most specific first. */
export function oomCounterCandidates(procSelfCgroup: string): string[] {
  const out: string[] = [];
  for (const line of procSelfCgroup.split('\n')) {
    const [, controllers, path] = /^\d+:([^:]*):(.*)$/.exec(line.trim()) ?? [];
    if (path === undefined) continue;
    if (controllers === '') out.push(`/sys/fs/cgroup${path === '/' ? '' : path}/memory.events`, '/sys/fs/cgroup/memory.events');
    else if (controllers.split(',').includes('memory')) out.push(`/sys/fs/cgroup/memory${path === '/' ? '' : path}/memory.oom_control`, '/sys/fs/cgroup/memory/memory.oom_control');
  }
  return [...new Set(out)];
}

/** The file whose oom_kill counter covers the trainers this process spawns; null: none readable. */
export function oomCounterFile(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.DSE_OOM_EVENTS_FILE) return env.DSE_OOM_EVENTS_FILE;
  const cgroup = readText('/proc/self/cgroup');
  if (cgroup === null) return null;
  return oomCounterCandidates(cgroup).find((f) => {
    const text = readText(f);
    return text !== null && parseOomKills(text) !== null;
  }) ?? null;
}

export function readOomKills(file: string | null): number | null {
  const text = file === null ? null : readText(file);
  return text === null ? null : parseOomKills(text);
}

/** MemAvailable and MemTotal of the host, bytes; null where /proc/meminfo is unreadable. */
export function hostMemory(meminfo = readText('/proc/meminfo')): { available: number; total: number } | null {
  if (meminfo === null) return null;
  const kb = (key: string) => {
    const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(meminfo);
    return m ? Number(m[1]) * 1024 : null;
  };
  const available = kb('MemAvailable');
  const total = kb('MemTotal');
  return available === null || total === null ? null : { available, total };
}

/** A process's peak resident set (VmHWM), bytes; null when it is gone or unreadable. */
export function peakRss(pid: number): number | null {
  const m = /^VmHWM:\s+(\d+) kB/m.exec(readText(`/proc/${pid}/status`) ?? '');
  return m ? Number(m[1]) * 1024 : null;
}

export class MemoryWatch {
  peakRssBytes: number | null = null;
  private minAvailable: { available: number; total: number } | null = null;
  private readonly counterFile: string | null;
  private readonly killsBefore: number | null;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly pid: number | undefined, env: NodeJS.ProcessEnv = process.env) {
    this.counterFile = oomCounterFile(env);
    this.killsBefore = readOomKills(this.counterFile);
    this.sample();
    this.timer = setInterval(() => this.sample(), SAMPLE_MS);
    this.timer.unref();
  }

  private sample(): void {
    if (this.pid !== undefined) this.peakRssBytes = peakRss(this.pid) ?? this.peakRssBytes;
    const mem = hostMemory();
    if (mem && (this.minAvailable === null || mem.available < this.minAvailable.available)) this.minAvailable = mem;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /**
   * After the process died of SIGKILL that dse did not send: an OOM error text (starting
   * OOM_ERROR_PREFIX) when the evidence says out of memory, else null.
   */
  oomError(what: string): string | null {
    this.stop();
    const peak = this.peakRssBytes === null ? '' : `; peak RSS ${formatBytes(this.peakRssBytes)}`;
    const after = readOomKills(this.counterFile);
    if (this.killsBefore !== null && after !== null && after > this.killsBefore) {
      return `out of memory: the kernel OOM killer killed ${what} (SIGKILL; oom_kill ${this.killsBefore} -> ${after} in ${this.counterFile})${peak}`;
    }
    const low = this.minAvailable;
    if (low && low.available < Math.max(NEAR_ZERO_BYTES, NEAR_ZERO_FRACTION * low.total)) {
      return `out of memory: ${what} was killed by SIGKILL while the host had ${formatBytes(low.available)} of ${formatBytes(low.total)} available (likely the kernel OOM killer)${peak}`;
    }
    return null;
  }
}
