// Runs bad-input cases through the CLI's main() in one process, one after another, so the corpus
// does not pay node's and the CLI's start-up (most of a second on a small machine) per case. Each
// case runs in its own folder with stdout, stderr and process.exit captured; its outcome is appended
// to the results file as a JSON line as soon as it ends, so a case that hangs or kills the process is
// known from the last line written (test/bad-inputs.test.ts watches for that).
//
//   node corpusRunner.js <jobs.json> <results.jsonl>
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../src/cli/index.js';

export interface CorpusJob {
  index: number;
  dir: string;
  args: string[];
}

export interface CorpusOutcome {
  index: number;
  code: number;
  stdout: string;
  stderr: string;
}

class ExitCalled extends Error {
  constructor(readonly code: number) {
    super(`process.exit(${code})`);
  }
}

async function runCase(job: CorpusJob): Promise<CorpusOutcome> {
  process.chdir(job.dir);
  process.env.DSE_CACHE_DIR = join(job.dir, '.cache');
  process.env.DSE_DATA_DIR = join(job.dir, '.data');
  process.exitCode = undefined;
  let stdout = '';
  let stderr = '';
  const write = { out: process.stdout.write, err: process.stderr.write, exit: process.exit };
  process.stdout.write = ((chunk: string | Uint8Array) => ((stdout += chunk.toString()), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => ((stderr += chunk.toString()), true)) as typeof process.stderr.write;
  process.exit = ((code?: number) => {
    throw new ExitCalled(code ?? 0);
  }) as typeof process.exit;
  let code: number;
  try {
    code = await main(['node', 'dse', ...job.args]);
  } catch (e) {
    if (!(e instanceof ExitCalled)) throw e;
    code = e.code;
  } finally {
    process.stdout.write = write.out;
    process.stderr.write = write.err;
    process.exit = write.exit;
  }
  return { index: job.index, code, stdout, stderr };
}

const [jobsFile, resultsFile] = process.argv.slice(2);
if (jobsFile && resultsFile) {
  for (const job of JSON.parse(readFileSync(jobsFile, 'utf8')) as CorpusJob[]) {
    appendFileSync(resultsFile, `${JSON.stringify(await runCase(job))}\n`);
  }
  process.exit(0);
}
