/**
 * Sampling a sweep's models from its experiment. The sampler is a seeded stream, so the first k
 * models of a draw of n > k are the models of a draw of k: that is what lets a sweep be extended.
 */
import type { Experiment } from '../experiment/load.js';
import { type SampleStats, networkConfig, sampleModels } from '../sampler/index.js';
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
    return { trials: models.map((m) => ({ index: m.index, params: m.params, spec: m.spec, cx: m.cx })), stats };
  } catch (e) {
    if (isUserError(e)) throw new UserError(`${exp.file}: ${(e as Error).message}`);
    throw e;
  }
}
