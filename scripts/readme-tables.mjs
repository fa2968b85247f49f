#!/usr/bin/env node
// Regenerates the README's generated blocks: each `<!-- dse ARGS -->` ... `<!-- /dse -->` holds the
// output of `dse ARGS` (e.g. `presets --markdown`), so the tables follow the registry. `--check`
// only reports the blocks that are out of date (test/readme.test.ts runs it).
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const readmePath = join(root, 'README.md');
const cli = join(root, 'dist', 'src', 'cli', 'index.js');
const BLOCK = /(<!-- dse ([^>]+?) -->\n)([\s\S]*?)(<!-- \/dse -->)/g;

const text = readFileSync(readmePath, 'utf8');
const stale = [];
const updated = text.replace(BLOCK, (_, open, args, body, close) => {
  const out = execFileSync(process.execPath, [cli, ...args.trim().split(/\s+/)], { encoding: 'utf8' });
  if (out !== body) stale.push(args.trim());
  return `${open}${out}${close}`;
});
if (process.argv.includes('--check')) {
  if (stale.length) {
    console.error(`README.md: out of date: ${stale.map((a) => `dse ${a}`).join(', ')} (run: node scripts/readme-tables.mjs)`);
    process.exit(1);
  }
} else if (updated !== text) {
  writeFileSync(readmePath, updated);
  console.log(`README.md: regenerated ${stale.map((a) => `dse ${a}`).join(', ')}`);
}
