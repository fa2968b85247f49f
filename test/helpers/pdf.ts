/**
 * A small PDF reader for the tests of PDF figures: it follows the cross-reference table (so a PDF
 * whose xref offsets are wrong fails), reads the pages' MediaBox, the embedded fonts' names, and
 * the text each page shows, decoded through the fonts' ToUnicode maps as a PDF viewer's search does.
 */
import assert from 'node:assert/strict';
import { inflateSync } from 'node:zlib';

interface PdfObject {
  dict: string;
  stream: Buffer | null;
}

export interface PdfPage {
  mediaBox: number[];
  /** The text of each BT ... ET text object, in drawing order. */
  texts: string[];
}

export interface ReadPdf {
  header: string;
  pages: PdfPage[];
  /** BaseFont names of the embedded (FontFile2) fonts. */
  embeddedFonts: string[];
}

export function readPdf(bytes: Buffer): ReadPdf {
  const text = bytes.toString('latin1');
  const header = text.slice(0, text.indexOf('\n'));
  assert.match(header, /^%PDF-1\.\d$/);
  assert.ok(text.trimEnd().endsWith('%%EOF'));
  const startxref = Number(/startxref\s+(\d+)\s+%%EOF\s*$/.exec(text)?.[1]);
  assert.equal(text.slice(startxref, startxref + 4), 'xref', 'startxref points at the xref table');
  const [, first, count] = /^xref\s+(\d+) (\d+)/.exec(text.slice(startxref))!.map(Number);
  const entries = text.slice(startxref).split('\n').slice(2, 2 + count);
  const objects = new Map<number, PdfObject>();
  entries.forEach((line, i) => {
    const [offset, , kind] = line.trim().split(' ');
    if (kind !== 'n') return;
    const id = first + i;
    const at = Number(offset);
    assert.ok(text.startsWith(`${id} 0 obj`, at), `xref entry ${id} points at its object`);
    const end = text.indexOf('endobj', at);
    const body = text.slice(at, end);
    const s = body.indexOf('stream\n');
    if (s < 0) return objects.set(id, { dict: body, stream: null });
    const raw = bytes.subarray(at + s + 7, at + body.lastIndexOf('endstream'));
    objects.set(id, { dict: body.slice(0, s), stream: /\/FlateDecode/.test(body.slice(0, s)) ? inflateSync(raw) : raw });
  });
  const trailer = text.slice(startxref);
  const root = objects.get(ref(trailer, 'Root'))!;
  const pagesNode = objects.get(ref(root.dict, 'Pages'))!;
  const kids = [...(/\/Kids \[([^\]]*)\]/.exec(pagesNode.dict)?.[1] ?? '').matchAll(/(\d+) 0 R/g)].map((m) => Number(m[1]));
  assert.equal(Number(/\/Count (\d+)/.exec(pagesNode.dict)?.[1]), kids.length);
  const pages = kids.map((id) => {
    const page = objects.get(id)!;
    const mediaBox = /\/MediaBox \[([^\]]*)\]/.exec(page.dict)![1].trim().split(/\s+/).map(Number);
    const resources = /\/Resources (\d+) 0 R/.exec(page.dict) ? objects.get(ref(page.dict, 'Resources'))!.dict : page.dict;
    const fontDict = /\/Font\s*<<([^>]*)>>/.exec(resources)?.[1] ?? '';
    const maps = new Map<string, Map<number, string>>();
    for (const [, name, fid] of fontDict.matchAll(/\/(\S+) (\d+) 0 R/g)) {
      const font = objects.get(Number(fid))!;
      maps.set(name, toUnicode(objects.get(ref(font.dict, 'ToUnicode'))!.stream!.toString('latin1')));
    }
    return { mediaBox, texts: pageTexts(objects.get(ref(page.dict, 'Contents'))!.stream!.toString('latin1'), maps) };
  });
  const embeddedFonts = [...objects.values()]
    .filter((o) => /\/FontDescriptor/.test(o.dict) && /\/FontFile2 \d+ 0 R/.test(o.dict))
    .map((o) => /\/FontName \/(\S+)/.exec(o.dict)![1]);
  return { header, pages, embeddedFonts };
}

function ref(dict: string, key: string): number {
  const m = new RegExp(`/${key} (\\d+) 0 R`).exec(dict);
  assert.ok(m, `/${key} reference`);
  return Number(m[1]);
}

/** A ToUnicode CMap's glyph codes to text (bfchar and bfrange, both forms). */
function toUnicode(cmap: string): Map<number, string> {
  const map = new Map<number, string>();
  const utf16 = (hex: string) => String.fromCharCode(...(hex.match(/.{4}/g) ?? []).map((h) => parseInt(h, 16)));
  for (const block of cmap.matchAll(/beginbfchar([\s\S]*?)endbfchar/g)) {
    for (const [, code, u] of block[1].matchAll(/<([0-9a-f]+)>\s*<([0-9a-f]+)>/gi)) map.set(parseInt(code, 16), utf16(u));
  }
  for (const block of cmap.matchAll(/beginbfrange([\s\S]*?)endbfrange/g)) {
    for (const [, lo, , list, start] of block[1].matchAll(/<([0-9a-f]+)>\s*<([0-9a-f]+)>\s*(?:\[([^\]]*)\]|<([0-9a-f]+)>)/gi)) {
      const from = parseInt(lo, 16);
      if (list !== undefined) [...list.matchAll(/<([0-9a-f]+)>/gi)].forEach((m, i) => map.set(from + i, utf16(m[1])));
      else map.set(from, utf16(start));
    }
  }
  return map;
}

/** Text objects of a content stream: the current font's (Tf) hex strings of Tj and TJ, decoded. */
function pageTexts(content: string, maps: Map<string, Map<number, string>>): string[] {
  const texts: string[] = [];
  for (const [, body] of content.matchAll(/\bBT\b([\s\S]*?)\bET\b/g)) {
    let font: Map<number, string> | undefined;
    let out = '';
    for (const [, name, hex] of body.matchAll(/\/(\S+) [\d.]+ Tf|<([0-9a-f]*)>/gi)) {
      if (name !== undefined) font = maps.get(name);
      else for (const code of hex.match(/.{4}/g) ?? []) out += font?.get(parseInt(code, 16)) ?? '\ufffd';
    }
    texts.push(out);
  }
  return texts;
}
