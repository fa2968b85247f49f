/**
 * Reads and validates an experiment file. Everything wrong with it -- YAML syntax, unknown keys,
 * wrong types, out-of-range values, an unknown space -- becomes a UserError of one line,
 * `file:line:col: key.path: expected ..., got ...`, before anything else happens.
 */
import { LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { UserError } from '../util/errors.js';
import { readUserText } from '../util/files.js';
import { knownKeys } from '../util/schemaKeys.js';
import { DATASET_DEFAULTS, ExperimentSchema, type ExperimentConfig } from './schema.js';
import { closest, describeNode, expectation, findNode, formatPath, innermostIssue, positionOf, type PathSegment } from './locate.js';

export interface NetworkInput {
  channels: number;
  resolution: number;
  num_classes: number;
}

/** A validated experiment: the file's settings with defaults filled in, plus what follows from them. */
export interface Experiment extends ExperimentConfig {
  /** The file it was read from, as given. */
  file: string;
  /** The input the sampled networks take, from the dataset section. */
  input: NetworkInput;
}

export function loadExperiment(path: string): Experiment {
  return parseExperiment(readUserText(path, 'experiment file'), path);
}

/** Validates experiment YAML text; `file` is used in messages. */
export function parseExperiment(text: string, file: string): Experiment {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const err = doc.errors[0];
    const { line, col } = lines.linePos(err.pos[0]);
    if (err.code === 'DUPLICATE_KEY') {
      const key = /^("[^"\n]*"|'[^'\n]*'|[^:\n]*)/.exec(text.slice(err.pos[0]))![1].trim().replace(/^["']|["']$/g, '');
      throw new UserError(`${file}:${line}:${col}: duplicate key "${key}" (a key may appear once in a mapping; remove or merge one of them)`);
    }
    throw new UserError(`${file}:${line}:${col}: YAML syntax error: ${firstLine(err.message)}`);
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    throw new UserError(`${file}: ${(e as Error).message}`); // e.g. an alias bomb
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    const { line, col } = positionOf(doc.contents, lines);
    throw new UserError(`${file}:${line}:${col}: expected a mapping of experiment settings (name, n, space, network, dataset, ...), got ${describeNode(doc.contents, text)}`);
  }
  const parsed = ExperimentSchema.safeParse(raw);
  if (!parsed.success) throw new UserError(describeIssue(parsed.error.issues, doc, lines, text, file));
  const config = parsed.data;

  const defaults = DATASET_DEFAULTS[config.dataset.name];
  return {
    ...config,
    file,
    input: {
      channels: config.dataset.channels ?? defaults.channels,
      resolution: config.dataset.resolution ?? defaults.resolution,
      num_classes: config.dataset.num_classes ?? defaults.num_classes,
    },
  };
}

/** The settings as stored with a sweep (no file name or derived fields). */
export function experimentConfig(exp: Experiment): ExperimentConfig {
  const { file: _file, input: _input, ...config } = exp;
  return config;
}

function firstLine(message: string): string {
  return message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
}

/** The first problem in file order, as one line. */
function describeIssue(issues: z.core.$ZodIssue[], doc: Document, lines: LineCounter, source: string, file: string): string {
  const located = issues.map((issue) => {
    const inner = innermostIssue(issue);
    const target = findNode(doc, inner.path as PathSegment[]);
    const at = inner.code === 'unrecognized_keys' ? findNode(doc, [...(inner.path as PathSegment[]), inner.keys[0]]).keyNode : target.node;
    return { issue: inner, target, offset: at?.range?.[0] ?? 0 };
  });
  // A misspelt key also leaves the key it was meant to be missing: the unknown key is the news.
  const misspelt = new Set(located.filter((l) => l.issue.code === 'unrecognized_keys').map((l) => formatPath(l.issue.path as PathSegment[])));
  const relevant = located.filter((l) => l.target.found || !misspelt.has(formatPath((l.issue.path as PathSegment[]).slice(0, -1))));
  relevant.sort((a, b) => a.offset - b.offset);
  const { issue, target } = relevant[0];
  const path = issue.path as PathSegment[];

  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0];
    const keyTarget = findNode(doc, [...path, key]);
    const { line, col } = positionOf(keyTarget.keyNode ?? keyTarget.node, lines);
    const known = (issue as { known?: string[] }).known ?? knownKeys(ExperimentSchema, path);
    const guess = closest(key, known);
    const hint = guess ? `did you mean ${guess}?` : known.length ? `expected one of: ${known.join(', ')}` : 'remove it';
    return `${file}:${line}:${col}: ${formatPath([...path, key])}: unknown key (${hint})`;
  }
  const { line, col } = positionOf(target.node, lines);
  const where = formatPath(path) || '(top level)';
  if (!target.found) {
    return `${file}:${line}:${col}: ${where}: missing (${expectation(issue)})`;
  }
  const expected = expectation(issue);
  const got = expected.startsWith('expected ') ? `, got ${describeNode(target.node, source)}` : '';
  return `${file}:${line}:${col}: ${where}: ${expected}${got}`;
}
