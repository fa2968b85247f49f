/**
 * Opening a database: a foreign or newer file is refused with nothing changed; bad --db paths and
 * corrupt files are one line with advice; a killed creation's leftovers are removed; a WAL database
 * in a read-only folder or file is still readable (as an unprivileged user, since root ignores modes).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openStore } from '../src/store/index.js';
import { packageRoot } from '../src/util/paths.js';

const ROOT = mkdtempSync(join(tmpdir(), 'dse-store-open-'));
chmodSync(ROOT, 0o755); // the unprivileged reader below must reach into it
after(() => rmSync(ROOT, { recursive: true, force: true }));
const CLI = join(packageRoot(), 'dist', 'src', 'cli', 'index.js');
const FIXTURE = join(packageRoot(), 'test', 'fixtures', 'experiments', 'tiny-test.yaml');

function tempDir(): string {
  const dir = mkdtempSync(join(ROOT, 'd-'));
  chmodSync(dir, 0o755);
  return dir;
}

function dse(args: string[], opts: { cwd?: string; uid?: number } = {}) {
  const argv = opts.uid === undefined ? [process.execPath, CLI, ...args] : ['setpriv', `--reuid=${opts.uid}`, `--regid=${opts.uid}`, '--clear-groups', process.execPath, CLI, ...args];
  const r = spawnSync(argv[0], argv.slice(1), { cwd: opts.cwd ?? ROOT, encoding: 'utf8', env: { ...process.env, DSE_CACHE_DIR: join(ROOT, 'cache') } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A one-line `dse: ...` error with exit status 2. */
function assertOneLine(r: { code: number | null; stderr: string }, message: RegExp): void {
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /^dse: [^\n]+\n$/);
  assert.match(r.stderr, message);
}

function sideFiles(path: string): string[] {
  return ['-wal', '-shm', '-journal'].filter((s) => existsSync(path + s));
}

test("another app's database, or a newer dse's, is refused with not a byte changed and no -wal/-shm left", () => {
  const foreign = join(tempDir(), 'app.sqlite');
  const app = new Database(foreign);
  app.exec("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('keep me')");
  app.close();
  const newer = join(tempDir(), 'newer.sqlite');
  openStore(newer, { create: true }).close();
  const raw = new Database(newer);
  raw.pragma('journal_mode = DELETE');
  raw.pragma('user_version = 99');
  raw.close();
  for (const [path, message] of [
    [foreign, /not a dse database/],
    [newer, /written by a newer dse \(schema version 99/],
  ] as const) {
    const before = readFileSync(path);
    assert.throws(() => openStore(path), { name: 'UserError', message });
    assertOneLine(dse(['run', FIXTURE, '--db', path, '--quiet']), message);
    assert.ok(before.equals(readFileSync(path)), `${path} changed`);
    assert.deepEqual(sideFiles(path), []);
    const check = new Database(path, { readonly: true });
    assert.equal(check.pragma('journal_mode', { simple: true }), 'delete');
    check.close();
  }
});

test('a --db that is a folder, goes through a file, or is too long is one line with advice', () => {
  const dir = tempDir();
  const file = join(dir, 'afile');
  writeFileSync(file, 'x');
  const long = join(dir, 'x'.repeat(100_000) + '.sqlite');
  const cases: [string, RegExp][] = [
    [dir, new RegExp(`^dse: ${dir}: is a folder, not a database file; pass a file, e.g. --db ${dir}/sweeps.sqlite\n$`)],
    [join(file, 'x.sqlite'), new RegExp(`^dse: ${file}/x.sqlite: ${file} is a file, not a folder; check the --db path\n$`)],
    [long, /^dse: \/[^\n]{20,70}\.\.\.\(100\d{3} characters\): the path or one of its names is too long for the file system; use a shorter --db path\n$/],
  ];
  for (const [db, message] of cases) assertOneLine(dse(['run', FIXTURE, '--db', db, '--quiet']), message);
  assertOneLine(dse(['ls', '--db', dir]), cases[0][1]);
  assert.deepEqual(readdirSync(dir).sort(), ['afile']); // nothing created
});

test('a corrupt file is "not an SQLite database" with advice, for writers and readers', () => {
  const path = join(tempDir(), 'junk.sqlite');
  writeFileSync(path, 'this is not a database at all, just some text that is long enough'.repeat(100));
  const message = new RegExp(`^${path}: not an SQLite database \\(file is not a database\\); check the --db path, or restore the file from a backup$`);
  assert.throws(() => openStore(path), { name: 'UserError', message });
  assert.throws(() => openStore(path, { readonly: true }), { name: 'UserError', message });
  assertOneLine(dse(['query', '--db', path]), /^dse: [^\n]+: not an SQLite database/);
  assertOneLine(dse(['run', FIXTURE, '--db', path, '--quiet']), /^dse: [^\n]+: not an SQLite database/);
});

test("a killed creation's x.sqlite.creating-<pid> files are removed once their process is gone", async () => {
  const dir = tempDir();
  const path = join(dir, 'x.sqlite');
  const child = spawn(process.execPath, ['-e', '']);
  const dead = await new Promise<number>((resolve) => child.on('exit', () => resolve(child.pid!)));
  const live = process.ppid; // the test runner: alive
  for (const name of [`x.sqlite.creating-${dead}`, `x.sqlite.creating-${dead}-wal`, `x.sqlite.creating-${live}`, 'y.sqlite.creating-1']) writeFileSync(join(dir, name), '');
  openStore(path, { create: true }).close();
  assert.deepEqual(readdirSync(dir).sort(), ['x.sqlite', `x.sqlite.creating-${live}`, 'y.sqlite.creating-1']);
  rmSync(join(dir, `x.sqlite.creating-${dead}`), { force: true });
  writeFileSync(join(dir, `x.sqlite.creating-${dead}`), '');
  openStore(path).close(); // also on opening an existing database for writing
  assert.deepEqual(readdirSync(dir).sort(), ['x.sqlite', `x.sqlite.creating-${live}`, 'y.sqlite.creating-1']);
});

const unprivileged = process.getuid?.() === 0 && spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'true']).status === 0;

test('a WAL database in a read-only folder, or a read-only file, is still queryable', { skip: !unprivileged && 'needs root and setpriv to read as an unprivileged user' }, () => {
  const dir = tempDir();
  const path = join(dir, 'ro.sqlite');
  const store = openStore(path, { create: true });
  store.createSweep({ name: 'ro', config: { name: 'ro', n: 0 }, config_hash: 'h', seed: 1, n: 0, space: 'regnetx' }, []);
  assert.equal(store.db.pragma('journal_mode', { simple: true }), 'wal');
  store.close();
  chmodSync(path, 0o444);
  chmodSync(dir, 0o555);
  try {
    const ls = dse(['ls', '--db', path], { uid: 65534 });
    assert.equal(ls.code, 0, ls.stderr);
    assert.match(ls.stdout, /\bro\b/);
    const q = dse(['query', '--db', path, '--sql', 'SELECT name FROM sweeps', '--format', 'json'], { uid: 65534 });
    assert.equal(q.code, 0, q.stderr);
    assert.deepEqual(JSON.parse(q.stdout), [{ name: 'ro' }]);
    assert.equal(q.stderr, '');
    assert.deepEqual(sideFiles(path), []);
  } finally {
    chmodSync(dir, 0o777);
  }
  // a read-only file in a folder the reader may write: SQLite's own read-only WAL access
  const ls = dse(['ls', '--db', path], { uid: 65534 });
  assert.equal(ls.code, 0, ls.stderr);
  assert.match(ls.stdout, /\bro\b/);
});
