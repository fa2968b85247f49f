/**
 * Which part of an experiment defines a sweep's results -- what is sampled, on which data, trained
 * how and by which engine -- as opposed to how it is run (resources, retries, the database path, the
 * description). A sweep continued with a different identity would mix incomparable results, so
 * `dse run` compares identities and names what changed.
 */
import { createHash } from 'node:crypto';
import { stableJson } from '../util/json.js';
import { RECIPE_RUN_SETTINGS } from '../workers/provenance.js';
import type { ExperimentConfig } from './schema.js';

const RUN_SETTINGS = ['description', 'resources', 'max_retries', 'db', 'sampler'] as const;

export function configIdentity(config: ExperimentConfig | Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...config };
  for (const key of RUN_SETTINGS) delete out[key];
  if (out.recipe && typeof out.recipe === 'object') {
    const recipe: Record<string, unknown> = { ...(out.recipe as Record<string, unknown>) };
    for (const key of RECIPE_RUN_SETTINGS) delete recipe[key];
    out.recipe = recipe;
  }
  return out;
}

export function configHash(config: ExperimentConfig | Record<string, unknown>): string {
  return createHash('sha256').update(stableJson(configIdentity(config))).digest('hex');
}

/**
 * A config stored by an older dse, in today's words. A sweep stored before dse had precise BN
 * statistics and a validation split trained without them: its config, which lacks the keys, reads as
 * recipe.precise_bn 0 and dataset.val_size 0 (every config stored since has recipe.precise_bn, filled
 * in by the schema's default). One stored before `repeats` trained each model once.
 */
export function withLegacyDefaults(config: Record<string, unknown>): Record<string, unknown> {
  const out = config.repeats === undefined ? { ...config, repeats: 1 } : config;
  const recipe = out.recipe as Record<string, unknown> | undefined;
  if (!recipe || recipe.precise_bn !== undefined) return out;
  const dataset = out.dataset as Record<string, unknown> | undefined;
  return { ...out, recipe: { ...recipe, precise_bn: 0 }, ...(dataset ? { dataset: { val_size: 0, ...dataset } } : {}) };
}

export interface ConfigChange {
  path: string;
  before: unknown;
  after: unknown;
}

/** The leaf-level differences between the identities of two configs, in key order. */
export function identityChanges(before: Record<string, unknown>, after: Record<string, unknown>): ConfigChange[] {
  const changes: ConfigChange[] = [];
  walk(configIdentity(before), configIdentity(after), '', changes);
  return changes;
}

function walk(a: unknown, b: unknown, path: string, out: ConfigChange[]): void {
  if (isRecord(a) && isRecord(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    for (const k of keys) walk(a[k], b[k], path ? `${path}.${k}` : k, out);
    return;
  }
  if (stableJson(a) !== stableJson(b)) out.push({ path, before: a, after: b });
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

/** "recipe.epochs: 10 -> 5, n: 500 -> 600" (at most `limit` changes, then "and k more"). */
export function describeChanges(changes: ConfigChange[], limit = 3): string {
  const show = (v: unknown) => (v === undefined ? '(unset)' : JSON.stringify(v));
  const parts = changes.slice(0, limit).map((c) => `${c.path}: ${show(c.before)} -> ${show(c.after)}`);
  if (changes.length > limit) parts.push(`and ${changes.length - limit} more`);
  return parts.join(', ');
}
