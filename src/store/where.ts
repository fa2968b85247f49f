/**
 * `dse query --where`: a filter expression over trials_view's columns, parsed here and compiled to
 * SQL, never pasted. Only columns, literals (bound as parameters), operators and a few scalar
 * functions exist in it, so a filter cannot reach another table, another sweep (the compiled clause
 * is one parenthesised node, ANDed with the sweep scope) or a second statement. `--sql` remains the
 * whole-database, read-only way to ask anything else.
 *
 * Grammar, loosest first (SQLite's precedence):
 *   or      := and (OR and)*
 *   and     := not (AND not)*
 *   not     := NOT not | compare
 *   compare := order ( (= | == | != | <>) order | IS [NOT] order | [NOT] IN '(' expr, ... ')'
 *                    | [NOT] BETWEEN order AND order | [NOT] LIKE order | [NOT] GLOB order )*
 *   order   := sum ((< | <= | > | >=) sum)*
 *   sum     := product ((+ | -) product)*
 *   product := concat ((* | / | %) concat)*
 *   concat  := unary ((|| | -> | ->>) unary)*
 *   unary   := (- | +) unary | primary
 *   primary := number | 'string' | NULL | TRUE | FALSE | column | "column" | function '(' args ')' | '(' or ')'
 */
import { suggest } from '../space/index.js';
import { UserError } from '../util/errors.js';

export interface CompiledWhere {
  /** Parenthesised SQL with `?` placeholders. */
  sql: string;
  params: unknown[];
}

/** Scalar functions a filter may call, with their argument counts. */
const FUNCTIONS: Record<string, { min: number; max: number }> = {
  abs: { min: 1, max: 1 },
  round: { min: 1, max: 2 },
  // one argument would make them the aggregates, which a WHERE cannot use
  min: { min: 2, max: Infinity },
  max: { min: 2, max: Infinity },
  length: { min: 1, max: 1 },
  lower: { min: 1, max: 1 },
  upper: { min: 1, max: 1 },
  coalesce: { min: 2, max: Infinity },
  ifnull: { min: 2, max: 2 },
  json_extract: { min: 2, max: Infinity },
  json_array_length: { min: 1, max: 2 },
  // better-sqlite3's SQLite is built with SQLITE_ENABLE_MATH_FUNCTIONS
  log: { min: 1, max: 2 },
  log2: { min: 1, max: 1 },
  log10: { min: 1, max: 1 },
  ln: { min: 1, max: 1 },
  exp: { min: 1, max: 1 },
  sqrt: { min: 1, max: 1 },
  pow: { min: 2, max: 2 },
  power: { min: 2, max: 2 },
  floor: { min: 1, max: 1 },
  ceil: { min: 1, max: 1 },
};

/** Words of SQL that are not part of a filter, named as such in the error. */
const SQL_KEYWORDS = new Set(
  ('select union all from where group by having order limit offset insert update delete drop create alter attach detach pragma ' +
    'join on using as case when then else end exists values with into table view index trigger replace vacuum begin commit rollback ' +
    'cast collate escape match regexp distinct except intersect natural left right inner outer cross window over')
    .split(' '),
);

const KEYWORDS = new Set(['and', 'or', 'not', 'is', 'null', 'in', 'between', 'like', 'glob', 'true', 'false']);

const OPERATORS = ['->>', '->', '||', '==', '!=', '<>', '<=', '>=', '=', '<', '>', '+', '-', '*', '/', '%', '(', ')', ','];

type Token =
  | { kind: 'number'; text: string; at: number }
  | { kind: 'string'; value: string; at: number }
  | { kind: 'word'; text: string; at: number } // a bare name: keyword, function or column
  | { kind: 'quoted'; text: string; at: number } // a "double-quoted" column
  | { kind: 'op'; text: string; at: number }
  | { kind: 'end'; at: number };

class FilterError extends Error {
  constructor(
    readonly what: string,
    readonly at: number,
    /** Inserted after the position (a suggestion). */
    readonly hint = '',
  ) {
    super(what);
  }
}

/** Compiles a filter expression over `columns`; every problem is a one-line UserError naming `flag`. */
export function compileWhere(expr: string, columns: readonly string[], flag = '--where'): CompiledWhere {
  try {
    const parser = new Parser(tokenize(expr), columns);
    const sql = parser.parse();
    return { sql: `(${sql})`, params: parser.params };
  } catch (e) {
    if (!(e instanceof FilterError)) throw e;
    throw new UserError(
      `${flag}: ${e.what} at column ${e.at} of "${expr}"${e.hint}; write a filter like "error < 0.3 AND flops > 1e8" (columns: ${columns.join(', ')})`,
    );
  }
}

function tokenize(expr: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < expr.length) {
    const c = expr[i];
    const at = i + 1;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (expr.startsWith('--', i) || expr.startsWith('/*', i)) throw new FilterError(`a comment ("${expr.slice(i, i + 2)}") is not allowed`, at);
    if (c === ';') throw new FilterError('";" is not allowed (a filter is one expression, not statements)', at);
    const number = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/.exec(expr.slice(i));
    if (number) {
      const end = i + number[0].length;
      if (end < expr.length && /[A-Za-z_]/.test(expr[end])) throw new FilterError(`bad number "${expr.slice(i, end + 1)}"`, at);
      tokens.push({ kind: 'number', text: number[0], at });
      i = end;
      continue;
    }
    if (c === "'" || c === '"') {
      let j = i + 1;
      let text = '';
      for (;;) {
        if (j >= expr.length) throw new FilterError(c === "'" ? 'unterminated string' : 'unterminated quoted column name', at);
        if (expr[j] === c) {
          if (expr[j + 1] === c) {
            text += c;
            j += 2;
            continue;
          }
          break;
        }
        text += expr[j++];
      }
      tokens.push(c === "'" ? { kind: 'string', value: text, at } : { kind: 'quoted', text, at });
      i = j + 1;
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(expr.slice(i));
    if (word) {
      tokens.push({ kind: 'word', text: word[0], at });
      i += word[0].length;
      continue;
    }
    const op = OPERATORS.find((o) => expr.startsWith(o, i));
    if (!op) throw new FilterError(`"${c}" is not allowed`, at);
    tokens.push({ kind: 'op', text: op, at });
    i += op.length;
  }
  tokens.push({ kind: 'end', at: expr.length + 1 });
  return tokens;
}

class Parser {
  readonly params: unknown[] = [];
  private pos = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly columns: readonly string[],
  ) {}

  parse(): string {
    if (this.peek().kind === 'end') throw new FilterError('empty filter', 1);
    const sql = this.or();
    const rest = this.peek();
    if (rest.kind !== 'end') {
      if (isOp(rest, ')')) throw new FilterError('")" without a matching "("', rest.at);
      throw new FilterError(`unexpected ${describe(rest)} (an operator such as AND, OR or = was expected)`, rest.at);
    }
    return sql;
  }

  private or(): string {
    let sql = this.and();
    while (this.keyword('or')) sql = `(${sql} OR ${this.and()})`;
    return sql;
  }

  private and(): string {
    let sql = this.not();
    while (this.keyword('and')) sql = `(${sql} AND ${this.not()})`;
    return sql;
  }

  private not(): string {
    if (this.keyword('not')) return `(NOT ${this.not()})`;
    return this.compare();
  }

  private compare(): string {
    let sql = this.order();
    for (;;) {
      const t = this.peek();
      const op = t.kind === 'op' && ['=', '==', '!=', '<>'].includes(t.text) ? t.text : null;
      if (op) {
        this.pos++;
        sql = `(${sql} ${op} ${this.order()})`;
      } else if (this.keyword('is')) {
        const not = this.keyword('not') ? ' NOT' : '';
        sql = `(${sql} IS${not} ${this.order()})`;
      } else if (this.isKeyword(this.peek(), 'not') && ['in', 'between', 'like', 'glob'].some((k) => this.isKeyword(this.peek(1), k))) {
        this.pos++;
        sql = this.negatable(sql, ' NOT');
      } else if (['in', 'between', 'like', 'glob'].some((k) => this.isKeyword(t, k))) {
        sql = this.negatable(sql, '');
      } else {
        return sql;
      }
    }
  }

  /** IN, BETWEEN, LIKE or GLOB after `left` (and NOT, if `not`). */
  private negatable(left: string, not: string): string {
    const t = this.next() as Token & { text: string };
    const word = t.text.toLowerCase();
    if (word === 'in') {
      this.expectOp('(', 'after IN');
      const items = [this.or()];
      while (this.acceptOp(',')) items.push(this.or());
      this.expectOp(')', 'to close the IN list');
      return `(${left}${not} IN (${items.join(', ')}))`;
    }
    if (word === 'between') {
      const low = this.order();
      if (!this.keyword('and')) throw new FilterError(`expected AND in BETWEEN ... AND ..., got ${describe(this.peek())}`, this.peek().at);
      return `(${left}${not} BETWEEN ${low} AND ${this.order()})`;
    }
    return `(${left}${not} ${word.toUpperCase()} ${this.order()})`;
  }

  private order(): string {
    return this.binary(['<', '<=', '>', '>='], () => this.sum());
  }

  private sum(): string {
    return this.binary(['+', '-'], () => this.product());
  }

  private product(): string {
    return this.binary(['*', '/', '%'], () => this.concat());
  }

  private concat(): string {
    return this.binary(['||', '->', '->>'], () => this.unary());
  }

  private binary(ops: string[], operand: () => string): string {
    let sql = operand();
    for (;;) {
      const t = this.peek();
      if (t.kind !== 'op' || !ops.includes(t.text)) return sql;
      this.pos++;
      sql = `(${sql} ${t.text} ${operand()})`;
    }
  }

  private unary(): string {
    const t = this.peek();
    if (isOp(t, '-') || isOp(t, '+')) {
      this.pos++;
      return `(${isOp(t, '-') ? '-' : '+'}${this.unary()})`;
    }
    return this.primary();
  }

  private primary(): string {
    const t = this.next();
    switch (t.kind) {
      case 'number':
        this.params.push(numberValue(t.text));
        return '?';
      case 'string':
        this.params.push(t.value);
        return '?';
      case 'quoted':
        return this.column(t.text, t.at);
      case 'op':
        if (t.text === '(') {
          const sql = this.or();
          if (this.peek().kind === 'end') throw new FilterError('"(" without a matching ")"', t.at);
          this.expectOp(')', `to close the "(" at column ${t.at}`);
          return `(${sql})`;
        }
        throw new FilterError(`expected a column, a number or a 'string', got ${describe(t)}`, t.at);
      case 'end':
        throw new FilterError('the filter ends where a column, a number or a \'string\' was expected', t.at);
      case 'word': {
        const word = t.text.toLowerCase();
        if (word === 'null') return 'NULL';
        if (word === 'true') return '1';
        if (word === 'false') return '0';
        if (KEYWORDS.has(word)) throw new FilterError(`expected a column, a number or a 'string', got ${t.text.toUpperCase()}`, t.at);
        if (isOp(this.peek(), '(') && !this.columns.includes(t.text)) return this.call(t.text, t.at);
        if (!this.columns.includes(t.text) && SQL_KEYWORDS.has(word)) throw new FilterError(`SQL keyword ${t.text.toUpperCase()} is not allowed in a filter (use --sql for whole statements)`, t.at);
        return this.column(t.text, t.at);
      }
    }
  }

  private call(name: string, at: number): string {
    const fn = FUNCTIONS[name.toLowerCase()];
    if (!fn) throw new FilterError(`unknown function ${name}()`, at, ` (functions: ${Object.keys(FUNCTIONS).join(', ')})`);
    this.expectOp('(', `after ${name}`);
    const args: string[] = [];
    if (!isOp(this.peek(), ')')) {
      args.push(this.or());
      while (this.acceptOp(',')) args.push(this.or());
    }
    this.expectOp(')', `to close ${name}(`);
    if (args.length < fn.min || args.length > fn.max) {
      const want = fn.min === fn.max ? `${fn.min}` : fn.max === Infinity ? `${fn.min} or more` : `${fn.min} to ${fn.max}`;
      throw new FilterError(`${name}() takes ${want} argument${want === '1' ? '' : 's'}, got ${args.length}`, at);
    }
    return `${name.toLowerCase()}(${args.join(', ')})`;
  }

  private column(name: string, at: number): string {
    if (!this.columns.includes(name)) throw new FilterError(`no such column: ${name}`, at, suggest(name, this.columns));
    return `"${name.replace(/"/g, '""')}"`;
  }

  private peek(ahead = 0): Token {
    return this.tokens[Math.min(this.pos + ahead, this.tokens.length - 1)];
  }

  private next(): Token {
    const t = this.peek();
    if (t.kind !== 'end') this.pos++;
    return t;
  }

  private isKeyword(t: Token, word: string): boolean {
    return t.kind === 'word' && t.text.toLowerCase() === word;
  }

  private keyword(word: string): boolean {
    if (!this.isKeyword(this.peek(), word)) return false;
    this.pos++;
    return true;
  }

  private acceptOp(op: string): boolean {
    if (!isOp(this.peek(), op)) return false;
    this.pos++;
    return true;
  }

  private expectOp(op: string, why: string): void {
    const t = this.peek();
    if (isOp(t, op)) {
      this.pos++;
      return;
    }
    if (t.kind === 'end') throw new FilterError(`missing "${op}" ${why}`, t.at);
    throw new FilterError(`expected "${op}" ${why}, got ${describe(t)}`, t.at);
  }
}

function isOp(t: Token, op: string): boolean {
  return t.kind === 'op' && t.text === op;
}

function describe(t: Token): string {
  switch (t.kind) {
    case 'number':
      return t.text;
    case 'string':
      return `'${t.value}'`;
    case 'quoted':
      return `"${t.text}"`;
    case 'word':
      return KEYWORDS.has(t.text.toLowerCase()) || SQL_KEYWORDS.has(t.text.toLowerCase()) ? t.text.toUpperCase() : t.text;
    case 'op':
      return `"${t.text}"`;
    case 'end':
      return 'the end';
  }
}

/** Integers bind as SQLite INTEGERs (so 7 / 2 stays integer division and `ws ->> 1` an array index). */
function numberValue(text: string): number | bigint {
  if (/^\d+$/.test(text)) {
    const n = BigInt(text);
    if (n <= 9223372036854775807n) return n;
  }
  return Number(text);
}
