/**
 * `dse spaces [NAME] [--json|--markdown]`: the built-in design spaces and the family generators a
 * `kind: family` space samples, with their knobs; with a name, that space's full definition as the
 * YAML an experiment's `space:` section takes (a starting point to edit), or a family's knobs.
 */
import type { Command } from 'commander';
import { Document, isScalar, isSeq, visit } from 'yaml';
import { describeDomain, families, markdownTable, renderTable, suggest } from '../../space/index.js';
import { BUILTIN_SPACES, type SpaceDefinition } from '../../sampler/index.js';
import { UserError } from '../../util/errors.js';

interface SpacesFlags {
  json?: boolean;
  markdown?: boolean;
}

export function registerSpaces(program: Command): void {
  program
    .command('spaces')
    .description('list the built-in design spaces and the family generators; with a name, print its definition')
    .argument('[name]', 'a built-in space (its definition as YAML) or a family (its knobs)')
    .option('--json', 'print JSON')
    .option('--markdown', 'print the lists as Markdown tables (as in the README)')
    .action((name: string | undefined, flags: SpacesFlags) => {
      if (name === undefined) return void process.stdout.write(flags.json ? `${JSON.stringify({ spaces: BUILTIN_SPACES, families: familyRows() }, null, 2)}\n` : listing(flags.markdown ?? false));
      const space = BUILTIN_SPACES[name];
      const fam = familyRows().find((f) => f.name === name);
      if (flags.json && (space || fam)) return void process.stdout.write(`${JSON.stringify(space ? { space, ...(fam ? { family: fam } : {}) } : { family: fam }, null, 2)}\n`);
      // A family space shares its family's name: the definition, then the knobs it samples from.
      if (space || fam) return void process.stdout.write([space ? spaceYaml(space) : '', fam ? familyText(fam) : ''].filter(Boolean).join('\n'));
      const known = [...Object.keys(BUILTIN_SPACES), ...families().map((f) => f.name)];
      throw new UserError(`unknown space or family "${name}"${suggest(name, known)} (spaces: ${Object.keys(BUILTIN_SPACES).join(', ')}; families: ${families().map((f) => f.name).join(', ')})`);
    });
}

interface FamilyRow {
  name: string;
  doc: string;
  source: string;
  params: { name: string; domain: string; default: unknown; perUnit: boolean; doc: string }[];
  units: number | null;
}

function familyRows(): FamilyRow[] {
  return families().map((f) => ({
    name: f.name,
    doc: f.doc,
    source: f.source,
    units: f.units?.count ?? null,
    params: Object.entries(f.params).map(([k, d]) => ({ name: k, domain: describeDomain(d), default: d.default ?? null, perUnit: f.units?.params.includes(k) ?? false, doc: d.doc })),
  }));
}

/** A family's knobs as "width_mult, depth_mult, k[13], se[13], cifar". */
function knobs(f: FamilyRow): string {
  return f.params.map((p) => (p.perUnit ? `${p.name}[${f.units}]` : p.name)).join(', ');
}

function table(header: string[], rows: string[][], markdown: boolean): string[] {
  const left = header.map((): 'left' => 'left');
  return markdown ? markdownTable(header, rows, left) : renderTable(header, rows, left);
}

/** The built-in spaces, then the families (the README's two tables with --markdown). */
export function listing(markdown: boolean): string {
  const code = (s: string) => (markdown ? `\`${s}\`` : s);
  const spaces = table(
    ['space', 'kind', 'what'],
    Object.values(BUILTIN_SPACES).map((s) => [code(s.name), s.kind === 'family' ? `family ${code(s.family!)}` : s.kind, s.description ?? '']),
    markdown,
  );
  const fams = table(
    ['family', 'knobs', 'generator'],
    familyRows().map((f) => [code(f.name), knobs(f), f.source]),
    markdown,
  );
  const hint = markdown ? [] : ['', '`dse spaces NAME` prints a space\'s definition (YAML for an experiment\'s space: section) or a family\'s knobs'];
  return `${[...spaces, '', ...fams, ...hint].join('\n')}\n`;
}

/** The definition as an experiment's space: section, each parameter's sampler on one line. */
function spaceYaml(space: SpaceDefinition): string {
  const doc = new Document({ space });
  visit(doc, {
    Map(_, node) {
      if (node.items.every((p) => isScalar(p.value) || (isSeq(p.value) && p.value.items.every(isScalar)))) node.flow = true;
    },
    Seq(_, node) {
      if (node.items.every(isScalar)) node.flow = true;
    },
  });
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}

function familyText(f: FamilyRow): string {
  const rows = f.params.map((p) => [p.perUnit ? `${p.name}[${f.units}]` : p.name, p.domain, p.default === null ? '-' : JSON.stringify(p.default), p.doc]);
  return `${[`family ${f.name}: ${f.doc}`, `generator: ${f.source}`, '', ...table(['knob', 'values', 'default', 'what'], rows, false), '', `sample it with space: {kind: family, family: ${f.name}, params: {...}, fixed: {...}}; every family also takes resolution, or res_mult (a multiple of the dataset's)`].join('\n')}\n`;
}
