/**
 * `dse query --where`: the filter grammar (src/store/where.ts), that a filter stays inside its sweep
 * and cannot reach other tables, and its one-line error messages.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type Store } from '../src/store/index.js';
import { queryTrials } from '../src/store/query.js';
import { compileWhere } from '../src/store/where.js';
import type { NewTrial } from '../src/store/types.js';
import { buildAnyNetSpec } from '../src/space/build.js';
import { complexity } from '../src/space/index.js';
import { packageRoot } from '../src/util/paths.js';

const ROOT = mkdtempSync(join(tmpdir(), 'dse-where-'));
const DB = join(ROOT, 'w.sqlite');
const CLI = join(packageRoot(), 'dist', 'src', 'cli', 'index.js');
let store: Store;

function makeTrials(n: number, act: string): NewTrial[] {
  return Array.from({ length: n }, (_, i) => {
    const ws = [16 + 8 * i, 32 + 8 * i];
    const spec = buildAnyNetSpec(
      { depths: [1, 2], widths: ws, strides: [1, 2], params: { group_w: [8, 8], bot_mul: [1, 1] } },
      { stem: 'res_stem_cifar', stemW: 16, blockType: 'res_bottleneck_block', resolution: 8, numClasses: 10 },
    );
    return { index: i, params: { depth: 3, w0: ws[0], wa: 8.5 + i, wm: 2.0, act, ws, ds: [1, 2] }, spec, cx: complexity(spec) };
  });
}

before(() => {
  const writer = openStore(DB, { create: true });
  for (const [name, act] of [['tiny', 'relu'], ['other', 'silu']]) {
    writer.createSweep({ name, config: { name, n: 4 }, config_hash: 'h', seed: 1, n: 4, space: 'regnetx' }, makeTrials(4, act));
  }
  writer.close();
  store = openStore(DB, { readonly: true });
});
after(() => {
  store.close();
  rmSync(ROOT, { recursive: true, force: true });
});

/** The idx of the sweep's rows the filter selects. */
function idx(where: string, sweep: string | null = 'tiny'): number[] {
  return queryTrials(store, { sweep: sweep ?? undefined, where, columns: ['idx'] }).rows.map((r) => r.idx as number);
}

test('comparisons, arithmetic, AND/OR/NOT and parentheses follow SQLite precedence', () => {
  assert.deepEqual(idx('w0 >= 32'), [2, 3]);
  assert.deepEqual(idx('w0 = 16 OR w0 == 40'), [0, 3]);
  assert.deepEqual(idx('w0 != 16 AND w0 <> 40'), [1, 2]);
  assert.deepEqual(idx('NOT w0 > 16'), [0]);
  assert.deepEqual(idx('w0 = 16 OR w0 = 24 AND idx = 0'), [0]); // AND binds tighter
  assert.deepEqual(idx('(w0 = 16 OR w0 = 24) AND idx = 1'), [1]);
  assert.deepEqual(idx('w0 + 8 * 2 = 40'), [1]); // * before +
  assert.deepEqual(idx('-w0 < -30 AND w0 % 16 = 0'), [2]);
  assert.deepEqual(idx('idx / 2 = 1'), [2, 3]); // integer literals stay integers: 3 / 2 = 1
  assert.deepEqual(idx('wa > 9.5e0 AND wa < .1e3'), [2, 3]);
  assert.deepEqual(idx('"w0" < 20'), [0]);
  assert.deepEqual(idx("act || '-' || idx = 'relu-2'"), [2]);
});

test('IS [NOT] NULL, [NOT] IN, [NOT] BETWEEN, [NOT] LIKE / GLOB, TRUE / FALSE', () => {
  assert.deepEqual(idx('error IS NULL AND best_error is null'), [0, 1, 2, 3]);
  assert.deepEqual(idx('flops IS NOT NULL AND idx < 1'), [0]);
  assert.deepEqual(idx('idx IN (1, 3)'), [1, 3]);
  assert.deepEqual(idx('idx NOT IN (1, 3)'), [0, 2]);
  assert.deepEqual(idx('w0 BETWEEN 20 AND 32'), [1, 2]);
  assert.deepEqual(idx('w0 NOT BETWEEN 20 AND 32 AND idx > 0'), [3]);
  assert.deepEqual(idx("status LIKE 'PEND%' AND act NOT LIKE 's%' AND idx = 0"), [0]);
  assert.deepEqual(idx("act GLOB 'r*' AND NOT act GLOB 'x*' AND idx = 1"), [1]);
  assert.deepEqual(idx('TRUE AND idx = 2'), [2]);
  assert.deepEqual(idx('FALSE OR idx = 3'), [3]);
});

test('whitelisted functions and the JSON operators work on the per-stage lists', () => {
  assert.deepEqual(idx('ws ->> 1 = 48'), [2]);
  assert.deepEqual(idx("json_extract(ws, '$[0]') = 24 OR json_array_length(ds) = 3"), [1]);
  assert.deepEqual(idx('abs(-w0) = 16 AND round(wa) = 9 AND length(act) = 4 AND upper(act) = \'RELU\''), [0]);
  assert.deepEqual(idx('max(w0, 30) = 30 AND min(w0, 20) = 20'), [1]);
  assert.deepEqual(idx('coalesce(error, 99) = 99 AND ifnull(error, w0) = 40'), [3]);
  assert.deepEqual(idx('sqrt(w0) = 4 OR pow(2, 5) = w0 AND log2(w0) = 5 OR ln(exp(1)) > 2'), [0, 2]);
});

test('string and number literals are bound as parameters, never pasted into the SQL', () => {
  const c = compileWhere("act = 'x'' OR ''1''=''1' AND w0 > 1e8", ['act', 'w0']);
  assert.equal(c.sql, '((("act" = ?) AND ("w0" > ?)))');
  assert.deepEqual(c.params, ["x' OR '1'='1", 1e8]);
  assert.deepEqual(idx("act = 'relu'' OR ''1''=''1'"), []);
});

test('a filter stays inside its sweep: OR is one node, and the two exploits are errors', () => {
  assert.deepEqual(idx('idx = 0 OR idx = 1'), [0, 1]);
  assert.deepEqual(idx('1 = 1 OR 1 = 1'), [0, 1, 2, 3]); // only tiny's rows, none of other's
  assert.deepEqual(idx('1 = 1', null).length, 8);
  assert.throws(() => idx('1=1) OR (1=1'), {
    name: 'UserError',
    message: /^--where: "\)" without a matching "\(" at column 4 of "1=1\) OR \(1=1"; write a filter like "error < 0.3 AND flops > 1e8" \(columns: id, sweep, /,
  });
  assert.throws(() => idx('0) UNION SELECT name, sql FROM sqlite_master --'), { name: 'UserError', message: /^--where: .* at column \d+ of "0\) UNION/ });
  assert.throws(() => idx('0 UNION SELECT name FROM sqlite_master'), { name: 'UserError', message: /^--where: unexpected UNION .* at column 3 of/ });
  assert.throws(() => idx('idx IN (SELECT id FROM trials)'), { name: 'UserError', message: /^--where: SQL keyword SELECT is not allowed in a filter \(use --sql for whole statements\) at column 9 / });
});

test('every other construct is a one-line error naming what and where', () => {
  const cases: [string, RegExp][] = [
    ['idx = 1; DROP TABLE trials', /^--where: ";" is not allowed \(a filter is one expression, not statements\) at column 8 of /],
    ['idx = 1 -- comment', /^--where: a comment \("--"\) is not allowed at column 9 /],
    ['idx /* c */ = 1', /^--where: a comment \("\/\*"\) is not allowed at column 5 /],
    ['(idx = 1', /^--where: "\(" without a matching "\)" at column 1 /],
    ['idx IN (1, 2', /^--where: missing "\)" to close the IN list at column 13 /],
    ['idx = ', /^--where: the filter ends where a column, a number or a 'string' was expected at column 7 /],
    ["act = 'relu", /^--where: unterminated string at column 7 /],
    ['w00 > 1', /^--where: no such column: w00 at column 1 of "w00 > 1" \(did you mean w0\?\); write a filter like /],
    ['"no such" > 1', /^--where: no such column: no such at column 1 /],
    ['hex(act) = 1', /^--where: unknown function hex\(\) at column 1 of "hex\(act\) = 1" \(functions: abs, round, /],
    ['max(error) > 1', /^--where: max\(\) takes 2 or more arguments, got 1 at column 1 /],
    ['w0 BETWEEN 1 OR 2', /^--where: expected AND in BETWEEN \.\.\. AND \.\.\., got OR at column 14 /],
    ['w0 > 1 w0 < 2', /^--where: unexpected w0 \(an operator such as AND, OR or = was expected\) at column 8 /],
    ['idx = 1e', /^--where: bad number "1e" at column 7 /],
    ['idx @ 1', /^--where: "@" is not allowed at column 5 /],
    ['  ', /^--where: empty filter/],
  ];
  for (const [where, message] of cases) {
    assert.throws(() => compileWhere(where, ['idx', 'w0', 'act', 'error']), { name: 'UserError', message }, where);
    assert.throws(() => compileWhere(where, ['idx', 'w0', 'act', 'error']), (e: Error) => !e.message.includes('\n'), where);
  }
});

test('dse query --where: the exploits exit 2 with one line, a valid OR stays in the sweep', () => {
  const query = (where: string) => spawnSync(process.execPath, [CLI, 'query', '--db', DB, '--sweep', 'tiny', '--format', 'json', '--columns', 'sweep,idx', '--where', where], { encoding: 'utf8' });
  for (const exploit of ['1=1) OR (1=1', '0) UNION SELECT name, sql FROM sqlite_master --']) {
    const r = query(exploit);
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^dse: --where: [^\n]+ at column \d+ of "[^\n]+"; write a filter like "error < 0.3 AND flops > 1e8" \(columns: [^\n]+\)\n$/);
  }
  const ok = query('idx = 0 OR 1 = 1');
  assert.equal(ok.status, 0, ok.stderr);
  const rows = JSON.parse(ok.stdout) as { sweep: string }[];
  assert.equal(rows.length, 4);
  assert.ok(rows.every((r) => r.sweep === 'tiny'));
});
