import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import type { TopLevelSpec } from 'vega-lite';
import { edfChart } from '../src/analysis/charts/edf.js';
import { figureFormat, findFontFiles, renderPng, renderSvg } from '../src/analysis/render.js';

/** Decodes an 8-bit RGBA, non-interlaced PNG (what resvg writes) into its pixels. */
function decodePng(png: Buffer): { width: number; height: number; pixels: Uint8Array } {
  assert.deepEqual([...png.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10], 'PNG signature');
  let offset = 8;
  let width = 0, height = 0;
  const idat: Buffer[] = [];
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('latin1', offset + 4, offset + 8);
    const data = png.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      assert.deepEqual([data[8], data[9], data[12]], [8, 6, 0], 'RGBA, 8 bits, not interlaced');
    } else if (type === 'IDAT') idat.push(data);
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * 4;
  const pixels = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    for (let x = 0; x < stride; x++) {
      const v = raw[y * (stride + 1) + 1 + x];
      const a = x >= 4 ? pixels[y * stride + x - 4] : 0;
      const b = y > 0 ? pixels[(y - 1) * stride + x] : 0;
      const c = x >= 4 && y > 0 ? pixels[(y - 1) * stride + x - 4] : 0;
      let pred = 0;
      if (filter === 1) pred = a;
      else if (filter === 2) pred = b;
      else if (filter === 3) pred = (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
        pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      pixels[y * stride + x] = (v + pred) & 255;
    }
  }
  return { width, height, pixels };
}

function darkPixels(img: { width: number; pixels: Uint8Array }, rows: [number, number]): number {
  let n = 0;
  for (let y = rows[0]; y < rows[1]; y++) {
    for (let x = 0; x < img.width; x++) {
      const i = (y * img.width + x) * 4;
      if (img.pixels[i] + img.pixels[i + 1] + img.pixels[i + 2] < 300) n++;
    }
  }
  return n;
}

function chart(titleColor: string): TopLevelSpec {
  const spec = edfChart([{ name: 'a', errors: [5, 6, 7, 8, 9] }], { title: 'Error EDF of sweep a', errorLabel: 'error' }) as Record<string, any>;
  return { ...spec, config: { ...spec.config, title: { ...spec.config.title, color: titleColor } } } as TopLevelSpec;
}

test('PNG output draws its text: the title row is dark with a black title and blank with a white one', { skip: findFontFiles().length === 0 && 'no font files on this machine' }, async () => {
  const withTitle = decodePng(renderPng(await renderSvg(chart('black'))));
  const blank = decodePng(renderPng(await renderSvg(chart('white'))));
  assert.equal(withTitle.width, blank.width);
  assert.equal(withTitle.height, blank.height);
  // The title sits in the top 20 px of the SVG (the plot frame starts below), rendered at scale 2.
  const inked = darkPixels(withTitle, [0, 40]);
  assert.ok(inked > 300, `only ${inked} dark pixels in the title area`);
  assert.equal(darkPixels(blank, [0, 40]), 0);
  // Axis labels are text too: the bottom rows hold the x axis title.
  assert.ok(darkPixels(blank, [blank.height - 60, blank.height]) > 100);
});

test('PNG output without fonts fails with a line saying how to get them', async () => {
  const svg = await renderSvg(chart('black'));
  const empty = mkdtempSync(join(tmpdir(), 'dse-nofonts-'));
  assert.throws(() => renderPng(svg, { fonts: { files: [], dirs: [empty] } }), {
    name: 'UserError',
    message: 'no fonts found for PNG text: install fonts-dejavu-core (apt-get install fonts-dejavu-core) or write SVG',
  });
});

test('figure formats come from the output extension', () => {
  assert.equal(figureFormat('a/b.SVG'), 'svg');
  assert.equal(figureFormat('x.png'), 'png');
  assert.throws(() => figureFormat('x.jpg'), { name: 'UserError', message: '-o: expected a file name ending in .svg, .png, .pdf or - (stdout), got "x.jpg"' });
});
