/** Train and test error per epoch of chosen models (pycls plot_curves): one panel per group (best, worst). */
import type { TopLevelSpec } from 'vega-lite';
import type { EpochMetrics } from '../../workers/engine.js';
import { colorOf, figure } from './theme.js';

export interface CurveModel {
  label: string;
  epochs: readonly EpochMetrics[];
}

export interface CurveGroup {
  title: string;
  models: readonly CurveModel[];
}

const SPLITS = ['train', 'test'];

function panel(group: CurveGroup, errorLabel: string) {
  const labels = group.models.map((m) => m.label);
  const rows = group.models.flatMap((m) =>
    m.epochs.flatMap((e) => [
      { model: m.label, epoch: e.epoch, split: 'train', error: e.train_err },
      { model: m.label, epoch: e.epoch, split: 'test', error: e.test_err },
    ]),
  ).filter((r) => typeof r.error === 'number' && Number.isFinite(r.error));
  return {
    title: group.title,
    width: 360,
    height: 240,
    data: { values: rows },
    mark: { type: 'line', point: { size: 14, filled: true }, strokeWidth: 1.4, opacity: 0.9 },
    encoding: {
      x: { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1 } },
      y: { field: 'error', type: 'quantitative', title: errorLabel, scale: { zero: false } },
      color: { field: 'model', type: 'nominal', title: 'model', scale: { domain: labels, range: labels.map((_, i) => colorOf(i)) }, legend: { orient: 'right' } },
      strokeDash: { field: 'split', type: 'nominal', title: 'split', scale: { domain: SPLITS, range: [[5, 3], [1, 0]] } },
      detail: { field: 'split', type: 'nominal' },
    },
  };
}

export function curvesChart(groups: readonly CurveGroup[], opts: { title: string; subtitle?: string; errorLabel?: string }): TopLevelSpec {
  const errorLabel = opts.errorLabel ?? 'top-1 error (%)';
  return figure({ vconcat: groups.map((g) => panel(g, errorLabel)), resolve: { scale: { color: 'independent' } } }, opts.title, opts.subtitle);
}
