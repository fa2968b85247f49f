/**
 * Sampling a sweep's models from its experiment. The sampler is a seeded stream, so the first k
 * models of a draw of n > k are the models of a draw of k: that is what lets a sweep be extended.
 */
import type { Experiment } from '../experiment/load.js';
import { stableJson } from '../util/json.js';
import { type SampleStats, networkConfig, sampleModels } from '../sampler/index.js';
import { canonicalSpec } from '../space/index.js';
import type { NewTrial } from '../store/types.js';
import { UserError, isUserError } from '../util/errors.js';

export interface SweepSample {
  trials: NewTrial[];
  stats: SampleStats;
}

export function sampleTrials(exp: Experiment, n: number): SweepSample {
  const network = networkConfig(exp.network, exp.input, exp.space);
  try {
    const { models, stats } = sampleModels({ space: exp.space, constraints: exp.constraints, network, n, seed: exp.seed, maxDraws: exp.sampler?.max_draws });
    return { trials: markDuplicates(models.map((m) => ({ index: m.index, params: m.params, spec: m.spec, cx: m.cx }))), stats };
  } catch (e) {
    if (isUserError(e)) throw new UserError(`${exp.file}: ${(e as Error).message}`);
    throw e;
  }
}

/**
 * Points each trial whose network (canonical spec) an earlier trial already has at that trial: the
 * network is trained once, and counts once in an EDF, however many samples quantized to it.
 */
export function markDuplicates(trials: NewTrial[]): NewTrial[] {
  const first = new Map<string, number>();
  return trials.map((t) => {
    const key = stableJson(canonicalSpec(t.spec));
    const earlier = first.get(key);
    if (earlier === undefined) first.set(key, t.index);
    return earlier === undefined ? t : { ...t, duplicate_of: earlier };
  });
}
