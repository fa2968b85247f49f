/**
 * What the analysed results were actually trained with, from each trial's stored trainings rather
 * than its sweep's config: the distinct recipes, datasets, engines and dse versions, with counts.
 */
import type { TrainingRecord, TrialRecord } from '../store/types.js';

export const PROVENANCE_KINDS = ['recipe', 'dataset', 'engine', 'dse'] as const;
export type ProvenanceKind = (typeof PROVENANCE_KINDS)[number];

export interface ProvenanceCounts {
  /** Per kind, each distinct value (described) with its number of trials, most common first. */
  values: Record<ProvenanceKind, { value: string; trials: number }[]>;
  /** Trials whose result has no recorded provenance (trained by a dse before schema version 4). */
  unrecorded: number;
}

/** The training that produced the trial's current result: its last one. */
export function resultTraining(trial: TrialRecord): TrainingRecord | null {
  return trial.trainings?.at(-1) ?? null;
}

export function provenanceCounts(trials: readonly TrialRecord[]): ProvenanceCounts {
  const counts = Object.fromEntries(PROVENANCE_KINDS.map((k) => [k, new Map<string, number>()])) as Record<ProvenanceKind, Map<string, number>>;
  let unrecorded = 0;
  for (const t of trials) {
    const g = resultTraining(t);
    if (!g?.provenance) {
      unrecorded++;
      continue;
    }
    for (const kind of PROVENANCE_KINDS) {
      const value = describe(kind, g);
      counts[kind].set(value, (counts[kind].get(value) ?? 0) + 1);
    }
  }
  const values = Object.fromEntries(
    PROVENANCE_KINDS.map((k) => [k, [...counts[k]].map(([value, n]) => ({ value, trials: n })).sort((a, b) => b.trials - a.trials || (a.value < b.value ? -1 : 1))]),
  ) as ProvenanceCounts['values'];
  return { values, unrecorded };
}

/** The kinds with more than one distinct value. */
export function mixedKinds(c: ProvenanceCounts): ProvenanceKind[] {
  return PROVENANCE_KINDS.filter((k) => c.values[k].length > 1);
}

function describe(kind: ProvenanceKind, g: TrainingRecord): string {
  const p = g.provenance!;
  switch (kind) {
    case 'recipe':
      return `${Object.entries(p.recipe).map(([k, v]) => `${k} ${JSON.stringify(v)}`).join(', ')} (${p.recipe_hash.slice(0, 12)})`;
    case 'dataset': {
      const d = p.dataset;
      const sizes = `${d.train_size ?? 'all'} train / ${d.test_size ?? 'all'} test`;
      return `${d.name} ${d.channels}x${d.resolution}px, ${d.num_classes} classes, ${sizes} (key ${d.key})`;
    }
    case 'engine':
      return `${p.engine}${g.engine_version ? ` (${g.engine_version})` : ''}${g.device ? ` on ${g.device}` : ''}`;
    case 'dse':
      return `dse ${p.dse_version}`;
  }
}
