/**
 * What a training runs with -- recipe, prepared dataset, engine, dse version, seed -- stored with each
 * training (the trainings table), so a stored result names what produced it, whatever its sweep's
 * config says later.
 */
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import type { DatasetConfig } from '../models/data/config.js';
import { stableJson } from '../util/json.js';
import { dseVersion } from '../util/paths.js';
import type { DatasetRef, EngineName, Recipe } from './engine.js';

/** Recipe keys that bound how a training is run, not what it computes. */
export const RECIPE_RUN_SETTINGS = ['max_minutes'] as const;

/** The prepared dataset a training read: its cache key and what the engine saw of it. */
export interface DatasetFingerprint {
  /** The prepared file's cache key (src/models/data/prepare.ts datasetKey). */
  key: string;
  name: string;
  /** As configured; null: the source's whole split. */
  train_size: number | null;
  test_size: number | null;
  resolution: number;
  channels: number;
  num_classes: number;
  mean: number[];
  std: number[];
}

/** What a training ran with, stored with it when it starts. */
export interface Provenance {
  /** The recipe as sent to the engine (defaults and seed filled in). */
  recipe: Record<string, unknown>;
  recipe_hash: string;
  dataset: DatasetFingerprint;
  engine: EngineName;
  dse_version: string;
  seed: number;
}

/** sha256 of a recipe's result-affecting part: equal hashes, equally trained. */
export function recipeHash(recipe: Record<string, unknown>): string {
  const out = { ...recipe };
  for (const key of RECIPE_RUN_SETTINGS) delete out[key];
  return createHash('sha256').update(stableJson(out)).digest('hex');
}

/** The prepared file is <name>-<key>.dsedata; a file named otherwise (a test's) is its own key. */
export function datasetFingerprint(ref: DatasetRef, cfg: Pick<DatasetConfig, 'train_size' | 'test_size'>): DatasetFingerprint {
  const file = basename(ref.path);
  const key = /-([0-9a-f]{16})\.dsedata$/.exec(file)?.[1] ?? file;
  return {
    key, name: ref.name, train_size: cfg.train_size ?? null, test_size: cfg.test_size ?? null,
    resolution: ref.resolution, channels: ref.channels, num_classes: ref.num_classes, mean: ref.mean, std: ref.std,
  };
}

export function trainingProvenance(engine: EngineName, recipe: Recipe, dataset: DatasetFingerprint): Provenance {
  const json = { ...recipe } as unknown as Record<string, unknown>;
  return { recipe: json, recipe_hash: recipeHash(json), dataset, engine, dse_version: dseVersion(), seed: recipe.seed };
}
