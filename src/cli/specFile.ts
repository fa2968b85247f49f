/**
 * A model spec from a JSON file (`dse cx --spec`, `dse train --spec`): a ModelSpec of version 1 or
 * 2, or any JSON with a "spec" field (the output of `dse cx --json`, a row of `dse query --format
 * json`). Every problem is one line naming the file and the node or key.
 */
import { type ModelSpec, SpecError, upgradeSpec, validateSpec } from '../space/index.js';
import { UserError } from '../util/errors.js';
import { readUserText } from '../util/files.js';

export function readSpecFile(path: string, flag = '--spec'): ModelSpec {
  const text = readUserText(path, 'model spec (JSON)', `${flag}: ${path}`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new UserError(`${flag}: ${path} is not valid JSON: ${(e as Error).message}`);
  }
  const raw = json && typeof json === 'object' && !Array.isArray(json) && 'spec' in json ? (json as { spec: unknown }).spec : json;
  const spec = (typeof raw === 'string' ? parseInner(raw, path, flag) : raw) as ModelSpec;
  try {
    validateSpec(spec);
  } catch (e) {
    if (e instanceof SpecError) throw new UserError(`${flag}: ${path}: ${e.message}`);
    throw e;
  }
  return upgradeSpec(spec);
}

/** A "spec" field holding JSON text (as `dse query --format json` rows did before they parsed it). */
function parseInner(text: string, path: string, flag: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UserError(`${flag}: ${path}: its "spec" field is not valid JSON: ${(e as Error).message}`);
  }
}
