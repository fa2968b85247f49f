/**
 * Finds the python3 that runs the torch engine: $DSE_PYTHON when set (and then only it), else the
 * first python3 on PATH that can import torch, else /usr/bin/python3 (Debian's python3-torch) if it
 * can. Each candidate is probed by importing torch in it; the outcome is cached for the life of the
 * process (per value of $DSE_PYTHON), since importing torch costs seconds.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants, realpathSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { UserError } from '../../util/errors.js';

export interface TorchPython {
  /** Path of the python executable to spawn. */
  python: string;
  torchVersion: string;
  /** Whether torch sees a CUDA device (with the environment dse runs in). */
  cuda: boolean;
  /** How many CUDA devices torch sees (with the environment dse runs in). */
  cudaDevices: number;
}

const DEBIAN_PYTHON = '/usr/bin/python3';
const PROBE_TIMEOUT_MS = 120_000;
const PROBE_SCRIPT = 'import json, torch; print(json.dumps({"torch": torch.__version__, "cuda": bool(torch.cuda.is_available()), "devices": torch.cuda.device_count()}))';

const cache = new Map<string, Promise<TorchPython>>();

/** The python3 with torch to use; throws UserError naming every candidate tried and how to fix it. */
export function findTorchPython(): Promise<TorchPython> {
  const key = process.env.DSE_PYTHON ?? '';
  let found = cache.get(key);
  if (!found) {
    found = search(process.env.DSE_PYTHON);
    cache.set(key, found);
  }
  return found;
}

interface Candidate {
  /** How the candidate is named in the error message. */
  label: string;
  path: string | null;
  /** Why there is no path, when path is null. */
  missing?: string;
}

async function search(dsePython: string | undefined): Promise<TorchPython> {
  const candidates: Candidate[] = dsePython
    ? [{ label: `DSE_PYTHON=${dsePython}`, path: dsePython }]
    : [{ label: 'python3', ...pathPython() }, { label: DEBIAN_PYTHON, path: isExecutable(DEBIAN_PYTHON) ? DEBIAN_PYTHON : null, missing: 'not found' }];
  const tried: string[] = dsePython ? [] : ['DSE_PYTHON unset'];
  const probed = new Set<string>();
  for (const c of candidates) {
    if (!c.path) {
      tried.push(`${c.label}: ${c.missing}`);
      continue;
    }
    const real = realPath(c.path);
    if (probed.has(real)) continue;
    probed.add(real);
    const label = c.label === c.path || c.label.startsWith('DSE_PYTHON') ? c.label : `${c.label} (${c.path})`;
    const outcome = await probe(c.path);
    if ('torchVersion' in outcome) return outcome;
    tried.push(`${label}: ${outcome.reason}`);
  }
  throw new UserError(
    `engine torch needs a python3 with torch (tried: ${tried.join(', ')}); install it with \`apt-get install python3-torch\` (Debian) ` +
      'or `pip install torch`, set DSE_PYTHON, or use --engine tfjs',
  );
}

function pathPython(): { path: string | null; missing?: string } {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, 'python3');
    if (isExecutable(p)) return { path: p };
  }
  return { path: null, missing: 'not on PATH' };
}

function isExecutable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function realPath(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

function probe(python: string): Promise<TorchPython | { reason: string }> {
  return new Promise((resolve) => {
    execFile(python, ['-c', PROBE_SCRIPT], { timeout: PROBE_TIMEOUT_MS, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (!err) {
        try {
          const info = JSON.parse(stdout.trim().split('\n').pop() ?? '') as { torch: string; cuda: boolean; devices: number };
          resolve({ python, torchVersion: info.torch, cuda: info.cuda, cudaDevices: info.cuda ? info.devices : 0 });
        } catch {
          resolve({ reason: `unexpected probe output ${JSON.stringify(stdout.slice(0, 200))}` });
        }
        return;
      }
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') resolve({ reason: 'not found' });
      else if (code === 'EACCES') resolve({ reason: 'not executable' });
      else if (err.killed) resolve({ reason: `importing torch took longer than ${PROBE_TIMEOUT_MS / 1000} s` });
      else resolve({ reason: lastErrorLine(stderr) || err.message });
    });
  });
}

/** The exception line of a Python traceback, without the exception class for a missing module. */
function lastErrorLine(stderr: string): string {
  const lines = stderr.trim().split('\n').map((l) => l.trim()).filter(Boolean);
  const last = lines[lines.length - 1] ?? '';
  return last.replace(/^ModuleNotFoundError: /, '');
}
