/**
 * Figures: vega-lite specs compiled to vega and rendered server-side (View.toSVG with renderer
 * 'none': no canvas, no browser), SVG to PNG with resvg and SVG to vector PDF with pdfkit and
 * svg-to-pdfkit. PNG and PDF text need font files, so they first make sure some exist and say how
 * to get them if not; the PDF embeds the font (a subset), so it shows its text anywhere.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { extname, join } from 'node:path';
import { createRequire } from 'node:module';
import type { TopLevelSpec } from 'vega-lite';
import { UserError } from '../util/errors.js';
import { STDOUT, writeOutputFile } from '../util/files.js';

/** The family figures ask for: present on most Linux systems (fonts-dejavu-core), with generic fallbacks. */
export const FONT_FAMILY = 'DejaVu Sans';

/** Explicit files tried first for PNG text, so the figure's own family is always the one used when present. */
export const PREFERRED_FONT_FILES = [
  '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf',
  '/usr/share/fonts/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/TTF/DejaVuSans.ttf',
  '/usr/local/share/fonts/DejaVuSans.ttf',
];

/** Where system fonts live (what resvg's loadSystemFonts scans on Linux and macOS). */
export const SYSTEM_FONT_DIRS = ['/usr/share/fonts', '/usr/local/share/fonts', join(homedir(), '.fonts'), join(homedir(), '.local/share/fonts'), '/Library/Fonts', '/System/Library/Fonts'];

// vega, vega-lite and resvg are loaded on first use: they take most of a second to load, and every
// dse command (not only those that draw) would pay for it at start-up.
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const [{ parse, View }, { compile }] = await Promise.all([import('vega'), import('vega-lite')]);
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

export interface FontSources {
  files?: readonly string[];
  dirs?: readonly string[];
}

/** Font files found among the given files and (recursively) directories. */
export function findFontFiles(sources: FontSources = {}): string[] {
  const files = (sources.files ?? PREFERRED_FONT_FILES).filter((f) => existsSync(f));
  const found = new Set(files);
  const visit = (dir: string, depth: number) => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names) {
      const path = join(dir, name);
      if (/\.(ttf|otf|ttc)$/i.test(name)) found.add(path);
      else if (depth < 4) {
        try {
          if (statSync(path).isDirectory()) visit(path, depth + 1);
        } catch {
          // unreadable entries are skipped
        }
      }
    }
  };
  for (const dir of sources.dirs ?? SYSTEM_FONT_DIRS) visit(dir, 0);
  return [...found];
}

/**
 * Renders SVG to PNG at `scale` (2 = twice the SVG's pixel size). Fonts: the system's (resvg's
 * loadSystemFonts) plus the explicit DejaVu files; `fonts` replaces both (tests use it).
 */
export function renderPng(svg: string, opts: { scale?: number; fonts?: FontSources } = {}): Buffer {
  const found = findFontFiles(opts.fonts);
  if (found.length === 0) throw new UserError(`no fonts found for PNG text: ${NO_FONTS}`);
  const systemFonts = opts.fonts === undefined;
  const explicit = systemFonts ? PREFERRED_FONT_FILES.filter((f) => existsSync(f)) : found;
  const { Resvg } = createRequire(import.meta.url)('@resvg/resvg-js') as typeof import('@resvg/resvg-js');
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: opts.scale ?? 2 },
    background: 'white',
    font: {
      loadSystemFonts: systemFonts,
      fontFiles: explicit,
      ...(found.some((f) => f.endsWith('DejaVuSans.ttf')) ? { defaultFontFamily: FONT_FAMILY, sansSerifFamily: FONT_FAMILY } : {}),
    },
    logLevel: 'off',
  });
  return resvg.render().asPng();
}

const NO_FONTS = 'install fonts-dejavu-core (apt-get install fonts-dejavu-core) or write SVG';

/** A PDFKit document, as far as the PDF renderer uses it (svg-to-pdfkit ships no types). */
type PdfDocument = InstanceType<typeof import('pdfkit')>;
type SvgToPdf = (doc: PdfDocument, svg: string, x: number, y: number, opts: Record<string, unknown>) => void;

/** The regular and bold faces a PDF embeds: DejaVu Sans when present (the figures' family), else the first TrueType font found. */
function pdfFonts(fonts?: FontSources): { regular: string; bold: string } {
  const found = findFontFiles(fonts).filter((f) => /\.(ttf|otf)$/i.test(f));
  const regular = found.find((f) => f.endsWith('/DejaVuSans.ttf')) ?? found[0];
  if (!regular) throw new UserError(`no fonts found for PDF text: ${NO_FONTS}`);
  return { regular, bold: found.find((f) => f.endsWith('/DejaVuSans-Bold.ttf')) ?? regular };
}

/**
 * Renders SVG to a one-page vector PDF of the SVG's size (1 SVG pixel = 1 PDF point), its text in
 * an embedded font. The creation date is fixed, so the same figure gives the same bytes.
 */
export async function renderPdf(svg: string, opts: { fonts?: FontSources } = {}): Promise<Buffer> {
  const size = /<svg[^>]*\swidth="([\d.]+)"[^>]*\sheight="([\d.]+)"/.exec(svg);
  if (!size) throw new Error('renderPdf: the SVG has no width and height');
  const [width, height] = [Number(size[1]), Number(size[2])];
  const faces = pdfFonts(opts.fonts);
  const require = createRequire(import.meta.url);
  const PDFDocument = require('pdfkit') as typeof import('pdfkit');
  const svgToPdf = require('svg-to-pdfkit') as SvgToPdf;
  const doc = new PDFDocument({ size: [width, height], margin: 0, info: { Creator: 'dse', Producer: 'dse', CreationDate: new Date(0) } });
  doc.registerFont(FONT_FAMILY, faces.regular);
  doc.registerFont(`${FONT_FAMILY}-Bold`, faces.bold);
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const ended = new Promise<void>((resolve) => doc.on('end', () => resolve()));
  svgToPdf(doc, solidDashes(svg), 0, 0, {
    width,
    height,
    assumePt: true,
    fontCallback: (_family: string, bold: boolean) => (bold ? `${FONT_FAMILY}-Bold` : FONT_FAMILY),
    warningCallback: () => {}, // unsupported SVG details are dropped, as a viewer would
  });
  doc.end();
  await ended;
  return Buffer.concat(chunks);
}

/**
 * Dash patterns with a zero-length entry (vega draws solid legend lines as "1,0") made valid for
 * PDF, which refuses zero lengths: a pattern whose gaps are all 0 is dropped (solid), other zeros
 * become tiny. (An odd-length pattern repeats, so each entry is a dash once and a gap once.)
 */
function solidDashes(svg: string): string {
  return svg.replace(/ stroke-dasharray="([^"]*)"/g, (whole, pattern: string) => {
    const lengths = pattern.split(/[\s,]+/).map(Number);
    if (lengths.length % 2 === 0 && lengths.every((l, i) => i % 2 === 0 || l === 0)) return '';
    return ` stroke-dasharray="${lengths.map((l) => (l === 0 ? 0.001 : l)).join(',')}"`;
  });
}

export const FIGURE_FORMATS = ['svg', 'png', 'pdf'] as const;
export type FigureFormat = (typeof FIGURE_FORMATS)[number];
/** What `-o -` writes when no figure format is given (and the default file's format). */
export const DEFAULT_STDOUT_FORMAT: FigureFormat = 'svg';
export const FIGURE_FORMAT_FLAG = '--figure-format';

/**
 * The format of a figure output: by the path's extension, or for `-o -` (stdout) the explicit
 * format (default SVG). A UserError naming the flag otherwise, or when the two disagree.
 */
export function figureFormat(path: string, flag = '-o', explicit?: string): FigureFormat {
  if (explicit !== undefined && !(FIGURE_FORMATS as readonly string[]).includes(explicit)) {
    throw new UserError(`${FIGURE_FORMAT_FLAG}: expected ${FIGURE_FORMATS.join(', ')}, got "${explicit}"`);
  }
  if (path === STDOUT) return (explicit as FigureFormat | undefined) ?? DEFAULT_STDOUT_FORMAT;
  const ext = extname(path).toLowerCase().slice(1);
  const byName = (FIGURE_FORMATS as readonly string[]).includes(ext) ? (ext as FigureFormat) : null;
  if (!byName) throw new UserError(`${flag}: expected a file name ending in ${FIGURE_FORMATS.map((f) => `.${f}`).join(', ')} or - (stdout), got "${path}"`);
  if (explicit !== undefined && explicit !== byName) throw new UserError(`${FIGURE_FORMAT_FLAG} ${explicit}: ${flag} ${path} is a .${byName} file; the format is given by the file name (${FIGURE_FORMAT_FLAG} is for ${flag} -)`);
  return byName;
}

/** The figure's bytes in a format. */
export async function figureBytes(spec: TopLevelSpec, format: FigureFormat): Promise<string | Buffer> {
  const svg = await renderSvg(spec);
  if (format === 'svg') return svg;
  return format === 'png' ? renderPng(svg) : renderPdf(svg);
}

/** Renders a spec and writes it as SVG, PNG or PDF (by the path's extension, or `format` for `-` = stdout). */
export async function writeFigure(path: string, spec: TopLevelSpec, flag = '-o', format?: string): Promise<void> {
  const resolved = figureFormat(path, flag, format);
  writeOutputFile(path, await figureBytes(spec, resolved), flag);
}

