/**
 * `dse presets [--family F] [--resolution R] [--json]`: the published networks dse reproduces, with
 * their exact complexity at their native resolution (or at --resolution) and the implementation
 * each reproduces.
 */
import type { Command } from 'commander';
import { complexity, markdownTable, presetSpec, presets, renderTable, shortCount, suggest } from '../../space/index.js';
import { UserError } from '../../util/errors.js';
import { parseNumber } from '../modelOptions.js';

export function registerPresets(program: Command): void {
  program
    .command('presets')
    .description('list the presets (published networks) with their exact flops, params and acts, and the implementation each reproduces')
    .option('--family <name>', 'only this family (e.g. efficientnet, mobilenetv3, fbnetv3)')
    .option('--resolution <px>', 'count at this resolution instead of each preset\'s native one')
    .option('--json', 'print JSON')
    .option('--markdown', 'print a Markdown table (as in the README)')
    .action((flags: { family?: string; resolution?: string; json?: boolean; markdown?: boolean }) => {
      const families = [...new Set(presets().map((p) => p.family))];
      if (flags.family !== undefined && !families.includes(flags.family)) {
        throw new UserError(`--family: unknown family "${flags.family}"${suggest(flags.family, families)} (families: ${families.join(', ')})`);
      }
      const resolution = flags.resolution === undefined ? undefined : parseNumber(flags.resolution, '--resolution', 'positiveInt');
      const rows = presets(flags.family).map((p) => {
        const res = resolution ?? p.resolution;
        return { name: p.name, family: p.family, resolution: res, ...complexity(presetSpec(p.name, { resolution: res })), source: p.source };
      });
      if (flags.json) return void process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      if (flags.markdown) return void process.stdout.write(presetsMarkdown(rows));
      const lines = renderTable(
        ['preset', 'family', 'res', 'flops', 'params', 'acts'],
        rows.map((r) => [r.name, r.family, String(r.resolution), `${shortCount(r.flops)}F`, shortCount(r.params), shortCount(r.acts)]),
      );
      process.stdout.write(`${lines.join('\n')}\n${rows.length} presets; \`dse cx --preset NAME\` for one, with its exact counts and source\n`);
    });
}

const groupDigits = (v: number) => v.toLocaleString('en-US');

/** The presets as a Markdown table: exact counts, and the implementation each reproduces. */
export function presetsMarkdown(rows: { name: string; family: string; resolution: number; flops: number; params: number; acts: number; source: string }[]): string {
  const lines = markdownTable(
    ['preset', 'family', 'res', 'flops', 'params', 'acts', 'reproduces'],
    rows.map((r) => [`\`${r.name}\``, r.family, String(r.resolution), groupDigits(r.flops), groupDigits(r.params), groupDigits(r.acts), r.source]),
    ['left', 'left', 'right', 'right', 'right', 'right', 'left'],
  );
  return `${lines.join('\n')}\n`;
}
