/**
 * Turns YAML syntax errors and zod issues into one line: `file:line:col: key.path: what was expected,
 * got <what the file says>`. Zod paths are walked down the parsed YAML document to the node that
 * holds the offending value (or key, for unknown keys), whose offset the LineCounter turns into a
 * line and column.
 */
import { type Document, type LineCounter, type Node, isMap, isScalar, isSeq, isPair, isNode } from 'yaml';
import type { z } from 'zod';

export type PathSegment = string | number;

export interface Located {
  line: number;
  col: number;
}

/** Where a zod path points in the document; `found` is false when a key is missing (the position is then its parent's). */
export interface Target {
  node: Node | null;
  keyNode: Node | null;
  found: boolean;
}

export function findNode(doc: Document, path: readonly PathSegment[]): Target {
  let node = doc.contents as Node | null;
  let keyNode: Node | null = null;
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && keyText(p.key) === String(seg));
      if (!pair) return { node, keyNode: null, found: false };
      keyNode = isNode(pair.key) ? pair.key : null;
      node = isNode(pair.value) ? pair.value : keyNode;
    } else if (isSeq(node) && typeof seg === 'number' && seg < node.items.length) {
      const item = node.items[seg];
      keyNode = null;
      node = isNode(item) ? item : node;
    } else {
      return { node, keyNode: null, found: false };
    }
  }
  return { node, keyNode, found: true };
}

function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  return typeof key === 'string' ? key : undefined;
}

export function positionOf(node: Node | null, lines: LineCounter): Located {
  const offset = node?.range?.[0] ?? 0;
  return lines.linePos(offset);
}

/** What the file says at a node, for "got ...": the source text of a scalar, or the kind of collection. */
export function describeNode(node: Node | null, source: string): string {
  if (!node) return 'nothing';
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return `a list of ${node.items.length}`;
  if (isScalar(node) && node.value === null) return 'null';
  const [start, end] = node.range ?? [0, 0];
  const text = source.slice(start, end).trim();
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const seg of path) out += typeof seg === 'number' ? `[${seg}]` : out ? `.${seg}` : seg;
  return out;
}

/** The issue to report for a union failure: the branch whose type matched and that got furthest. */
export function innermostIssue(issue: z.core.$ZodIssue): z.core.$ZodIssue {
  if (issue.code === 'custom') return unknownKeysIssue(issue) ?? issue;
  if (issue.code !== 'invalid_union' || !issue.errors?.length) return issue;
  const typeMismatch = (branch: z.core.$ZodIssue[]) => branch.every((i) => i.code === 'invalid_type' && i.path.length === 0);
  const candidates = issue.errors.filter((b) => b.length > 0 && !typeMismatch(b));
  if (candidates.length === 0) return issue;
  const best = candidates.reduce((a, b) => (depth(b) > depth(a) ? b : a));
  const inner = innermostIssue(best[0]);
  return { ...inner, path: [...issue.path, ...inner.path] } as z.core.$ZodIssue;
}

/**
 * Schemas that parse a section inside a transform (src/sampler/schema.ts) forward zod's unknown-key
 * issues as custom issues with zod's message; this recovers the keys so they are located precisely.
 */
function unknownKeysIssue(issue: z.core.$ZodIssue): z.core.$ZodIssue | null {
  const m = /^Unrecognized keys?: (.+)$/.exec(issue.message);
  if (!m) return null;
  const keys = [...m[1].matchAll(/"([^"]*)"/g)].map((k) => k[1]);
  if (keys.length === 0) return null;
  return { code: 'unrecognized_keys', keys, path: issue.path, message: issue.message, input: undefined } as z.core.$ZodIssue;
}

function depth(branch: z.core.$ZodIssue[]): number {
  return Math.max(...branch.map((i) => i.path.length));
}

/** The closest known key within two edits, for "did you mean". */
export function closest(word: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  // A short word is one edit from a great many others: only a close miss is a suggestion.
  let bestDistance = word.length <= 3 ? 2 : 3;
  for (const c of candidates) {
    const dist = editDistance(word.toLowerCase(), c.toLowerCase());
    if (dist < bestDistance) [best, bestDistance] = [c, dist];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length];
}

/** "expected ..." for a zod issue, in the words of the schema's own message where it has one. */
export function expectation(issue: z.core.$ZodIssue): string {
  const msg = issue.message;
  if (/^expected /.test(msg) || issue.code === 'custom') return msg;
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${article(issue.expected)}`;
    case 'invalid_value':
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'too_small':
      return issue.origin === 'array' ? `expected at least ${issue.minimum} entries` : `expected a value ${issue.inclusive ? '>=' : '>'} ${issue.minimum}`;
    case 'too_big':
      return issue.origin === 'array' ? `expected at most ${issue.maximum} entries` : `expected a value ${issue.inclusive ? '<=' : '<'} ${issue.maximum}`;
    case 'invalid_format':
      return `expected a string matching ${issue.format}`;
    case 'not_multiple_of':
      return `expected a multiple of ${issue.divisor}`;
    case 'invalid_union':
      if ('discriminator' in issue && Array.isArray((issue as { options?: unknown[] }).options)) return `expected one of ${((issue as { options: unknown[] }).options).join(', ')}`;
      return 'expected one of the accepted forms';
    default:
      return msg.replace(/^Invalid input: /, '');
  }
}

function article(type: string): string {
  const names: Record<string, string> = { object: 'a mapping', array: 'a list', number: 'a number', string: 'a string', boolean: 'true or false', int: 'an integer' };
  return names[type] ?? type;
}
