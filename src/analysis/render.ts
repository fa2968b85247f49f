/**
 * Figures: vega-lite specs compiled to vega and rendered server-side (View.toSVG with renderer
 * 'none': no canvas, no browser), and SVG to PNG with resvg. PNG text needs font files, so PNG
 * output first makes sure some exist and says how to get them if not.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { extname, join } from 'node:path';
import { createRequire } from 'node:module';
import type { TopLevelSpec } from 'vega-lite';
import { UserError } from '../util/errors.js';
import { writeOutputFile } from '../util/files.js';

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
  if (found.length === 0) throw new UserError('no fonts found for PNG text: install fonts-dejavu-core (apt-get install fonts-dejavu-core) or write SVG');
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

export type FigureFormat = 'svg' | 'png';

/** The format an output path asks for, by extension; a UserError naming the flag otherwise. */
export function figureFormat(path: string, flag = '-o'): FigureFormat {
  const ext = extname(path).toLowerCase();
  if (ext === '.svg') return 'svg';
  if (ext === '.png') return 'png';
  throw new UserError(`${flag}: expected a file name ending in .svg or .png, got "${path}"`);
}

/** Renders a spec and writes it as SVG or PNG (by the path's extension). */
export async function writeFigure(path: string, spec: TopLevelSpec, flag = '-o'): Promise<void> {
  const format = figureFormat(path, flag);
  const svg = await renderSvg(spec);
  writeOutputFile(path, format === 'svg' ? svg : renderPng(svg), flag);
}

