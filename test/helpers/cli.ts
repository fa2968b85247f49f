/** The built `dse` command line, spawned the way a user runs it. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { packageRoot } from '../../src/util/paths.js';

export const CLI = join(packageRoot(), 'dist', 'src', 'cli', 'index.js');

export interface CliOutcome {
  code: number | null;
  stdout: string;
  /** stdout as bytes (a figure written with -o -). */
  stdoutBytes: Buffer;
  stderr: string;
}

/** Runs `dse args` in cwd with env added (fault injection off unless env sets DSE_TEST_FAULT). */
export function runDse(args: string[], cwd: string, env: Record<string, string> = {}): Promise<CliOutcome> {
  const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, DSE_TEST_FAULT: '', ...env } });
  const chunks: Buffer[] = [];
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => chunks.push(d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) =>
    child.on('close', (code) => {
      const stdoutBytes = Buffer.concat(chunks);
      resolve({ code, stdout: stdoutBytes.toString('utf8'), stdoutBytes, stderr });
    }),
  );
}
