/**
 * A UserError is a problem with the user's input or environment (a bad flag, a bad YAML value, a
 * missing dataset or python). The CLI prints its message as one line, without a stack trace, and
 * exits with status 2. Messages say where (file:line:col or the flag), what was wrong and what to do.
 */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}

export function isUserError(e: unknown): e is Error {
  return e instanceof Error && (e.name === 'UserError' || e instanceof UserError);
}
