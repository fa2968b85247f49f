/**
 * The bad-input corpus (test/helpers/badInputs.ts) through the CLI's main() (in one runner process
 * per core, checked against spawned `dse` processes for a sample): every case must end with
 * exit 2 and exactly one line on stderr, `dse: ...`, holding the case's words -- no stack trace, no
 * internal error, no hang -- and leave every file in its folder (the dataset cache included) as it
 * was: nothing created, changed or switched to WAL.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, copyFileSync, ftruncateSync, lstatSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { loadExperiment } from '../src/experiment/load.js';
import { openSweep } from '../src/sweep/open.js';
import { packageRoot } from '../src/util/paths.js';
import { runDse } from './helpers/cli.js';
import { BAD_INPUTS, BASE_EXPERIMENT, type BadInputCase, type FileContent } from './helpers/badInputs.js';
import type { CorpusJob, CorpusOutcome } from './helpers/corpusRunner.js';

const ROOT = mkdtempSync(join(tmpdir(), 'dse-bad-inputs-'));
const DBS = { dse: join(ROOT, 'dse.sqlite'), foreign: join(ROOT, 'foreign.sqlite'), newer: join(ROOT, 'newer.sqlite') };

before(() => {
  const exp = join(ROOT, 'exp.yaml');
  writeFileSync(exp, BASE_EXPERIMENT);
  openSweep(loadExperiment(exp), DBS.dse).store.close();
  const foreign = new Database(DBS.foreign);
  foreign.exec("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES ('another app')");
  foreign.close();
  copyFileSync(DBS.dse, DBS.newer);
  const newer = new Database(DBS.newer);
  newer.pragma(`user_version = ${(newer.pragma('user_version', { simple: true }) as number) + 5}`);
  newer.pragma('journal_mode = DELETE');
  newer.close();
});

after(() => rmSync(ROOT, { recursive: true, force: true }));

function materialize(dir: string, files: Record<string, FileContent>): void {
  for (const [name, content] of Object.entries(files)) {
    const path = join(dir, name);
    mkdirSync(dirname(path), { recursive: true });
    if (typeof content === 'string' || Buffer.isBuffer(content)) writeFileSync(path, content);
    else if ('fifo' in content) execFileSync('mkfifo', [path]);
    else if ('dir' in content) mkdirSync(path, { recursive: true });
    else if ('sparse' in content) {
      const fd = openSync(path, 'w');
      ftruncateSync(fd, content.sparse);
      closeSync(fd);
    } else copyFileSync(DBS[content.db], path);
  }
}

/** Every entry under dir: its kind and, for files, a hash of its bytes. */
function snapshot(dir: string, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const name of readdirSync(dir).sort()) {
    const rel = join(prefix, name);
    const path = join(dir, name);
    const st = lstatSync(path);
    if (st.isDirectory()) {
      out.set(rel, 'dir');
      for (const [k, v] of snapshot(path, rel)) out.set(k, v);
    } else if (st.isFile()) {
      out.set(rel, st.size > 16 * 2 ** 20 ? `sparse ${st.size}` : createHash('sha1').update(readFileSync(path)).digest('hex'));
    } else {
      out.set(rel, st.isFIFO() ? 'fifo' : 'other');
    }
  }
  return out;
}

const EMPTY_SHA1 = createHash('sha1').digest('hex');
const RUNNER = join(packageRoot(), 'dist', 'test', 'helpers', 'corpusRunner.js');
/** A case that writes no outcome for this long has hung. */
const HANG_MS = 60_000;

/**
 * Runs jobs through one corpus runner process; a case that hangs (or kills the runner) gets no
 * outcome, is reported as such, and the runner starts again after it.
 */
async function runJobs(jobs: CorpusJob[], tag: string): Promise<Map<number, CorpusOutcome | 'hung' | 'crashed'>> {
  const out = new Map<number, CorpusOutcome | 'hung' | 'crashed'>();
  let left = jobs;
  let round = 0;
  while (left.length) {
    const jobsFile = join(ROOT, `jobs-${tag}-${round}.json`);
    const resultsFile = join(ROOT, `results-${tag}-${round++}.jsonl`);
    writeFileSync(jobsFile, JSON.stringify(left));
    writeFileSync(resultsFile, '');
    const env = { ...process.env, DSE_TEST_FAULT: '', DSE_DEBUG: '' };
    const child = spawn(process.execPath, [RUNNER, jobsFile, resultsFile], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let hung = false;
    let lastSize = 0;
    let lastChange = Date.now();
    const watchdog = setInterval(() => {
      const size = statSync(resultsFile).size;
      if (size !== lastSize) [lastSize, lastChange] = [size, Date.now()];
      else if (Date.now() - lastChange > HANG_MS) {
        hung = true;
        child.kill('SIGKILL');
      }
    }, 1000);
    await new Promise((resolve) => child.on('close', resolve));
    clearInterval(watchdog);
    const done = readFileSync(resultsFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as CorpusOutcome);
    for (const o of done) out.set(o.index, o);
    if (done.length < left.length) out.set(left[done.length].index, hung ? 'hung' : 'crashed');
    left = left.slice(done.length + 1);
  }
  return out;
}

/** What is wrong with a case's outcome, or null. */
function problemsOf(c: BadInputCase, outcome: CorpusOutcome | 'hung' | 'crashed', dir: string, beforeFiles: Map<string, string>): string | null {
  const problems: string[] = [];
  let message = '';
  if (outcome === 'hung' || outcome === 'crashed') {
    problems.push(outcome === 'hung' ? `hung (no outcome after ${HANG_MS / 1000} s)` : 'crashed the process');
  } else {
    if (outcome.code !== 2) problems.push(`exit ${outcome.code}, expected 2`);
    const lines = outcome.stderr.split('\n').filter((l) => l !== '');
    if (lines.length !== 1) problems.push(`${lines.length} lines on stderr, expected 1`);
    message = lines[0] ?? '';
    if (!message.startsWith('dse: ')) problems.push('the message does not start with "dse: "');
    if (/internal error|\n\s+at |Error:/.test(outcome.stderr)) problems.push('an internal error or stack trace');
    for (const w of c.words) {
      if (typeof w === 'string' ? !message.includes(w) : !w.test(message)) problems.push(`missing ${w}`);
    }
    if (outcome.stdout !== '') problems.push(`wrote to stdout: ${JSON.stringify(outcome.stdout.slice(0, 80))}`);
  }
  const afterFiles = snapshot(dir);
  for (const [k, v] of afterFiles) {
    // Any connection to a WAL database, a reader's too, makes SQLite's shared-memory index and an
    // empty log beside it: bookkeeping, not data, and what every reader of a running sweep does.
    if (!beforeFiles.has(k) && (k.endsWith('-shm') || (k.endsWith('-wal') && v === EMPTY_SHA1)) && beforeFiles.has(k.slice(0, -4))) continue;
    if (beforeFiles.get(k) !== v) problems.push(`${beforeFiles.has(k) ? 'changed' : 'created'} ${k}`);
  }
  for (const k of beforeFiles.keys()) if (!afterFiles.has(k)) problems.push(`removed ${k}`);
  return problems.length ? `${c.name} (dse ${c.args.join(' ').slice(0, 120)}): ${problems.join('; ')}\n    message: ${message.slice(0, 300)}` : null;
}

test('the corpus holds at least 192 distinct cases', () => {
  assert.ok(BAD_INPUTS.length >= 192, `${BAD_INPUTS.length} cases`);
  const names = new Set(BAD_INPUTS.map((c) => c.name));
  assert.equal(names.size, BAD_INPUTS.length, 'case names are unique');
  for (const c of BAD_INPUTS) assert.ok(c.words.length > 0, `${c.name} expects some words`);
});

test('every bad input is one line, exit 2, and writes nothing', async () => {
  const dirs = BAD_INPUTS.map((c, i) => {
    const dir = join(ROOT, `case-${i}`);
    mkdirSync(join(dir, '.cache'), { recursive: true });
    materialize(dir, c.files ?? {});
    return dir;
  });
  const before = dirs.map((d) => snapshot(d));
  const jobs: CorpusJob[] = BAD_INPUTS.map((c, i) => ({ index: i, dir: dirs[i], args: c.args }));
  // Two runners side by side keep a 2-core machine busy.
  const halves = [jobs.filter((_, i) => i % 2 === 0), jobs.filter((_, i) => i % 2 === 1)];
  const outcomes = new Map([...(await Promise.all(halves.map((h, i) => runJobs(h, String(i))))).flatMap((m) => [...m])]);
  const failures = BAD_INPUTS.flatMap((c, i) => problemsOf(c, outcomes.get(i) ?? 'crashed', dirs[i], before[i]) ?? []);
  assert.equal(failures.length, 0, `${failures.length} of ${BAD_INPUTS.length} cases failed:\n  ${failures.join('\n  ')}`);
});

test('the corpus runner reports what the real command line does', async () => {
  // The in-process runner must agree with a spawned `dse`: the same exit code and message.
  const sample = [0, BAD_INPUTS.findIndex((c) => c.args[0] === 'cx'), BAD_INPUTS.findIndex((c) => c.name.includes('FIFO'))];
  for (const i of sample) {
    const c = BAD_INPUTS[i];
    const dir = join(ROOT, `spawned-${i}`);
    mkdirSync(join(dir, '.cache'), { recursive: true });
    materialize(dir, c.files ?? {});
    const [inProcess] = [...(await runJobs([{ index: i, dir, args: c.args }], `spawned-${i}`)).values()];
    const spawned = await runDse(c.args, dir, { DSE_CACHE_DIR: join(dir, '.cache'), DSE_DATA_DIR: join(dir, '.data'), DSE_DEBUG: '' });
    assert.ok(typeof inProcess === 'object', c.name);
    assert.equal(spawned.code, inProcess.code, c.name);
    assert.equal(spawned.stderr, inProcess.stderr, c.name);
  }
});
