/**
 * The user's files: inputs are checked (exists, a regular file, not huge, valid UTF-8) before they
 * are parsed, and outputs (exists as a folder, not a directory, a name the file system takes)
 * before any work is done for them. Each problem is a UserError of one line naming the flag or file.
 */
import { accessSync, constants, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { UserError } from './errors.js';

/** Text inputs (experiment YAML, spec JSON) larger than this are refused unread. */
export const MAX_TEXT_INPUT_BYTES = 64 * 1024 * 1024;
/** The longest file name (one path component) Linux file systems take. */
const MAX_NAME_BYTES = 255;

/**
 * Reads a text file the user named. `what` says what it should be ("experiment file"), `label`
 * how messages start (the path, or "--spec: model.json").
 */
export function readUserText(path: string, what: string, label = path): string {
  let kind: string;
  try {
    const st = statSync(path);
    kind = st.isFile() ? 'file' : st.isDirectory() ? 'directory' : st.isFIFO() ? 'named pipe (FIFO)' : st.isSocket() ? 'socket' : 'device or special file';
    if (kind === 'file' && st.size > MAX_TEXT_INPUT_BYTES) {
      throw new UserError(`${label}: is ${(st.size / 2 ** 20).toFixed(0)} MiB; an ${what} is text of at most ${MAX_TEXT_INPUT_BYTES / 2 ** 20} MiB`);
    }
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(`${label}: ${fileProblem(e, what)}`);
  }
  // Reading a FIFO would wait for a writer forever; a directory has no text.
  if (kind !== 'file') throw new UserError(`${label}: is a ${kind}, not a regular file; give the path of an ${what}`);
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new UserError(`${label}: ${fileProblem(e, what)}`);
  }
  return decodeUtf8(bytes, label);
}

/** UTF-8 text, or a UserError at the first invalid byte's line and column. */
export function decodeUtf8(bytes: Buffer, label: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/^\uFEFF/, '');
  } catch {
    const at = firstInvalidUtf8(bytes);
    const before = new TextDecoder('utf-8').decode(bytes.subarray(0, at));
    const lines = before.split('\n');
    throw new UserError(`${label}:${lines.length}:${lines[lines.length - 1].length + 1}: invalid UTF-8 (byte 0x${bytes[at].toString(16).padStart(2, '0')}); save the file as UTF-8 text`);
  }
}

/** Offset of the first byte that does not start or continue a valid UTF-8 sequence. */
function firstInvalidUtf8(b: Buffer): number {
  const strict = new TextDecoder('utf-8', { fatal: true });
  let i = 0;
  while (i < b.length) {
    const c = b[i];
    const len = c < 0x80 ? 1 : c >= 0xc2 && c < 0xe0 ? 2 : c >= 0xe0 && c < 0xf0 ? 3 : c >= 0xf0 && c < 0xf5 ? 4 : 0;
    if (len === 0 || i + len > b.length) return i;
    try {
      strict.decode(b.subarray(i, i + len));
    } catch {
      return i;
    }
    i += len;
  }
  return Math.max(0, b.length - 1);
}

/** The output name that means standard output (`-o -`). */
export const STDOUT = '-';

/**
 * Checks that `path` can be written as an output file, before the work that produces it: its
 * folder exists and is a folder, it is not itself a directory, and its name is not too long.
 * STDOUT ("-") always can.
 */
export function checkOutputFile(path: string, flag: string): void {
  if (path === STDOUT) return;
  const name = basename(path);
  if (path === '' || name === '') throw new UserError(`${flag}: expected a file name, got "${path}"`);
  if (Buffer.byteLength(name) > MAX_NAME_BYTES) throw new UserError(`${flag}: the file name is ${Buffer.byteLength(name)} bytes long; file systems take at most ${MAX_NAME_BYTES}`);
  const dir = dirname(path);
  let st;
  try {
    st = statSync(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UserError(`${flag}: folder ${dir} does not exist; create it first (mkdir -p ${dir})`);
    if (code === 'ENOTDIR') throw new UserError(`${flag}: ${dir} is not a folder (a part of it is a file)`);
    throw new UserError(`${flag}: cannot use ${path} (${code ?? (e as Error).message})`);
  }
  if (!st.isDirectory()) throw new UserError(`${flag}: ${dir} is not a folder`);
  try {
    if (statSync(path).isDirectory()) throw new UserError(`${flag}: ${path} is a directory; give a file name inside it`);
  } catch (e) {
    if (e instanceof UserError) throw e; // a missing file is what is expected
  }
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    throw new UserError(`${flag}: folder ${dir} is not writable`);
  }
}

/**
 * Writes an output file whole or not at all (a temporary file renamed over it), after the checks of
 * checkOutputFile; a failure (a full disk) is a UserError naming the flag and the reason. STDOUT
 * ("-") writes the data to standard output instead.
 */
export function writeOutputFile(path: string, data: string | Buffer, flag: string): void {
  if (path === STDOUT) {
    process.stdout.write(data);
    return;
  }
  checkOutputFile(path, flag);
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new UserError(`${flag}: cannot write ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

function fileProblem(e: unknown, what: string): string {
  const code = (e as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return `no such ${what}`;
    case 'ENOTDIR':
      return `no such ${what} (a folder on the path is a file)`;
    case 'ENAMETOOLONG':
      return 'the path is too long for the file system';
    case 'EACCES':
    case 'EPERM':
      return `cannot read the ${what} (permission denied)`;
    case 'ELOOP':
      return 'too many levels of symbolic links';
    default:
      return `cannot read the ${what} (${code ?? (e as Error).message})`;
  }
}
