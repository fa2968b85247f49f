/** `downloadCifar10`: a refused connection, an MD5 mismatch, and a good archive served locally. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DatasetError, downloadCifar10, loadRawDataset } from '../src/models/data/index.js';

const root = mkdtempSync(join(tmpdir(), 'dse-download-test-'));
let archive: Buffer;
let server: Server;
let url: string;

before(async () => {
  // A miniature archive with the official layout: two records per batch, made by the system tar.
  const src = join(root, 'src', 'cifar-10-batches-bin');
  mkdirSync(src, { recursive: true });
  const record = (label: number) => Buffer.concat([Buffer.from([label]), Buffer.alloc(3072, label * 20)]);
  for (let b = 1; b <= 5; b++) writeFileSync(join(src, `data_batch_${b}.bin`), Buffer.concat([record(b), record(b + 1)]));
  writeFileSync(join(src, 'test_batch.bin'), Buffer.concat([record(0), record(9)]));
  writeFileSync(join(src, 'batches.meta.txt'), 'airplane\n');
  const tarPath = join(root, 'cifar.tar.gz');
  const r = spawnSync('tar', ['-czf', tarPath, '-C', join(root, 'src'), 'cifar-10-batches-bin']);
  assert.equal(r.status, 0, String(r.stderr));
  archive = readFileSync(tarPath);
  server = createServer((req, res) => {
    if (req.url === '/cifar.tar.gz') res.end(archive);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => {
  server?.close();
  rmSync(root, { recursive: true, force: true });
});

async function rejectsWith(p: Promise<unknown>, ...parts: string[]): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof DatasetError, String(e));
    assert.doesNotMatch(e.message, /\n/);
    for (const part of parts) assert.ok(e.message.includes(part), `"${e.message}" lacks "${part}"`);
    return true;
  });
}

describe('dse data download cifar10', () => {
  test('no connection: one clear line naming the URL and the offline way', async () => {
    const dir = join(root, 'offline');
    await rejectsWith(downloadCifar10(dir, { url: 'http://127.0.0.1:9/x' }), 'cifar10: cannot download http://127.0.0.1:9/x', '--archive');
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await rejectsWith(downloadCifar10(dir, { url: `http://127.0.0.1:${port}/x` }), 'ECONNREFUSED', '--archive');
    assert.deepEqual(readdirSync(dir), [], 'nothing half-written is left behind');
  });

  test('an HTTP error is reported', async () => {
    await rejectsWith(downloadCifar10(join(root, 'http404'), { url: `${url}/missing` }), 'HTTP 404');
  });

  test('a wrong MD5 is refused and nothing is unpacked', async () => {
    const dir = join(root, 'badmd5');
    await rejectsWith(downloadCifar10(dir, { url: `${url}/cifar.tar.gz` }), 'MD5', 'c32a1d4ab5d03f1284b67883e8d87530');
    assert.equal(existsSync(join(dir, 'cifar-10-batches-bin')), false);
  });

  test('a good archive is checked, unpacked, and loads', async () => {
    const dir = join(root, 'good');
    const md5 = createHash('md5').update(archive).digest('hex');
    const batchDir = await downloadCifar10(dir, { url: `${url}/cifar.tar.gz`, md5 });
    assert.equal(batchDir, join(dir, 'cifar-10-batches-bin'));
    const ds = loadRawDataset({ name: 'cifar10', data_dir: dir, seed: 0 });
    assert.deepEqual([ds.train.n, ds.test.n], [10, 2]);
    assert.deepEqual(Array.from(ds.train.y), [1, 2, 2, 3, 3, 4, 4, 5, 5, 6]);
    assert.equal(ds.test.x[3072 + 5], 180);
    assert.deepEqual(readdirSync(dir), ['cifar-10-batches-bin']);
  });

  test('a local archive can be unpacked without internet; a corrupt one is refused', async () => {
    const md5 = createHash('md5').update(archive).digest('hex');
    const dir = join(root, 'local');
    const path = join(root, 'cifar.tar.gz');
    await downloadCifar10(dir, { archive: path, md5 });
    assert.equal(loadRawDataset({ name: 'cifar10', data_dir: dir, seed: 0 }).train.n, 10);
    const broken = join(root, 'broken.tar.gz');
    writeFileSync(broken, archive.subarray(0, archive.length - 200));
    const brokenMd5 = createHash('md5').update(readFileSync(broken)).digest('hex');
    await rejectsWith(downloadCifar10(join(root, 'broken'), { archive: broken, md5: brokenMd5 }), 'not a valid .tar.gz');
  });
});
