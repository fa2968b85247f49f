/**
 * Creating a sweep, or finding the one to continue. A new sweep's n models are sampled before the
 * database is touched (a sampling error leaves no file behind) and stored, with their specs, as
 * pending trials in one transaction. An existing sweep is continued only under the same config,
 * unless the user forces the new one; a forced change to how trials train (recipe, dataset, engine,
 * seed) once some have trained starts a new sweep version, so no stored result is relabelled.
 */
import { existsSync } from 'node:fs';
import { type Experiment, experimentConfig } from '../experiment/load.js';
import { configHash, describeChanges, identityChanges, withLegacyDefaults } from '../experiment/identity.js';
import type { ExperimentConfig } from '../experiment/schema.js';
import { openStore, type Store } from '../store/index.js';
import type { NewTrial, SweepRecord } from '../store/types.js';
import { canonicalSpec } from '../space/index.js';
import { UserError } from '../util/errors.js';
import { stableJson } from '../util/json.js';
import { sampleTrials } from './sample.js';

export interface OpenedSweep {
  store: Store;
  sweep: SweepRecord;
  created: boolean;
  /** Trials added because n grew (under forceConfig). */
  added: number;
  /** The version started because the recipe, dataset, engine or seed changed (under forceConfig). */
  newVersion: NewVersion | null;
}

export interface NewVersion {
  version: number;
  /** Results of the previous version kept in trial_results. */
  kept: number;
  /** The training changes, described. */
  changes: string;
}

export function openSweep(exp: Experiment, dbPath: string, opts: { forceConfig?: boolean } = {}): OpenedSweep {
  const config = experimentConfig(exp);
  const hash = configHash(config);
  let store = existsSync(dbPath) ? openStore(dbPath) : null;
  const existing = store?.getSweep(exp.name);
  try {
    if (!store || !existing) {
      const sample = sampleTrials(exp, exp.n);
      store ??= openStore(dbPath, { create: true });
      try {
        const sweep = store.createSweep(
          { name: exp.name, description: exp.description ?? null, config, config_hash: hash, seed: exp.seed, n: exp.n, space: exp.space.name, sample_stats: sample.stats },
          sample.trials,
        );
        return { store, sweep, created: true, added: 0, newVersion: null };
      } catch (e) {
        // Another `dse run` created the same sweep while this one was sampling: continue it like any
        // existing sweep (the runner lock then decides which of the two trains it).
        if ((e as { code?: string }).code !== 'SQLITE_CONSTRAINT_UNIQUE') throw e;
      }
    }
    const continued = continueSweep(store, existing ?? store.requireSweep(exp.name), exp, config, hash, opts.forceConfig ?? false);
    return { store, sweep: store.requireSweep(exp.name), created: false, ...continued };
  } catch (e) {
    store?.close();
    throw e;
  }
}

/** Identity paths that change what a training computes (a new sweep version once trials have trained). */
const TRAINING_CHANGE = /^(recipe|dataset)(\.|$)|^(engine|seed)$/;
/** Identity paths that leave the sampled models as they are; any other change is checked by sampling again. */
const SAMPLE_NEUTRAL = /^(n|engine|repeats)$|^recipe(\.|$)/;

/** How continuing changed the sweep. */
interface Continued {
  added: number;
  newVersion: NewVersion | null;
}

function continueSweep(store: Store, existing: SweepRecord, exp: Experiment, config: ExperimentConfig, hash: string, force: boolean): Continued {
  if (existing.config_hash === hash) return { added: 0, newVersion: null };
  const changes = identityChanges(withLegacyDefaults(existing.config as Record<string, unknown>), config as unknown as Record<string, unknown>);
  if (changes.length === 0) {
    // The same identity in an older dse's words (its defaults spelt out now): nothing to change.
    store.updateSweepConfig(exp.name, config, hash, exp.n);
    return { added: 0, newVersion: null };
  }
  if (!force) {
    throw new UserError(
      `sweep ${exp.name} exists in ${store.path} with a different config (${describeChanges(changes)}); use a new name, or --force-config to continue with the new file`,
    );
  }
  const storedRepeats = (withLegacyDefaults(existing.config as Record<string, unknown>).repeats as number | undefined) ?? 1;
  if (exp.repeats < storedRepeats && store.trained(exp.name)) {
    throw new UserError(
      `sweep ${exp.name}: repeats can grow (${storedRepeats} -> ${storedRepeats + 1}, ...) but not shrink (${storedRepeats} -> ${exp.repeats}) once trials have trained; use a new sweep name`,
    );
  }
  const storedN = existing.n ?? exp.n;
  const grows = exp.n > storedN;
  const resamples = changes.some((c) => !SAMPLE_NEUTRAL.test(c.path));
  let extra: NewTrial[] = [];
  if (grows || resamples) {
    const sample = sampleTrials(exp, exp.n);
    const stored = store.readTrials(exp.name);
    // Canonical forms: a spec stored by dse 0.1 (version 1, defaults implied) equals its version 2 twin.
    const same = (a: unknown, b: unknown) => b !== undefined && stableJson(canonicalSpec(a)) === stableJson(canonicalSpec(b));
    const mismatch = stored.find((t) => t.index < exp.n && !same(t.spec, sample.trials[t.index]?.spec));
    if (mismatch && grows) {
      throw new UserError(
        `sweep ${exp.name}: n can grow (${storedN} -> ${exp.n}) only when the first ${storedN} samples stay the same, ` +
          `but sample ${mismatch.index} differs under the new config (${describeChanges(changes)}); use a new sweep name`,
      );
    }
    if (mismatch) {
      throw new UserError(
        `sweep ${exp.name}: sample ${mismatch.index} differs under the new config (${describeChanges(changes)}), so the stored models are not this config's; use a new sweep name`,
      );
    }
    const have = new Set(stored.map((t) => t.index));
    extra = sample.trials.filter((t) => !have.has(t.index));
  }
  // Results trained under the stored config stay labelled with it: a training change starts a version.
  const training = changes.filter((c) => TRAINING_CHANGE.test(c.path));
  let newVersion: NewVersion | null = null;
  if (training.length > 0 && store.trained(exp.name)) {
    const { version, kept } = store.newSweepVersion(exp.name, config, hash, exp.n);
    newVersion = { version, kept, changes: describeChanges(training) };
  } else {
    store.updateSweepConfig(exp.name, config, hash, exp.n);
  }
  if (extra.length) store.addTrials(exp.name, extra);
  return { added: extra.length, newVersion };
}
