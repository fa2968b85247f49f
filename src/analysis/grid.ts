/**
 * The search grid of the width-rule fit. Grid values are the doubles nearest to the decimal
 * multiples of the step (n * 0.1 -> 27.3, not 27.300000000000001), as pycls's sampler produces them
 * through Decimal, so a model sampled at wa = 27.3 is found at exactly that grid value.
 */
import { UserError } from '../util/errors.js';
import { REGNET_Q } from '../space/index.js';

export interface AxisRange {
  min: number;
  max: number;
  step: number;
}

export interface FitGrid {
  w0: AxisRange;
  wa: AxisRange;
  wm: AxisRange;
}

/**
 * Defaults cover the RegNet paper's space (d < 64, w0 and wa < 256, 1.5 <= wm <= 3) at pycls's
 * sampling quanta (w0: 8, wa: 0.1, wm: 0.001). wa starts at 0 so that constant-width models fit exactly.
 */
export const DEFAULT_FIT_GRID: FitGrid = {
  w0: { min: 8, max: 256, step: 8 },
  wa: { min: 0, max: 256, step: 0.1 },
  wm: { min: 1.5, max: 3, step: 0.001 },
};

/** The values of one axis, ascending. */
export function axisValues(name: keyof FitGrid, range: AxisRange): Float64Array {
  const { min, max, step } = range;
  if (![min, max, step].every(Number.isFinite)) throw new UserError(`fit grid ${name}: min, max and step must be numbers, got ${min}:${max}:${step}`);
  if (!(step > 0)) throw new UserError(`fit grid ${name}: step must be > 0, got ${step}`);
  if (min > max) throw new UserError(`fit grid ${name}: min ${min} is above max ${max}`);
  const decimals = decimalPlaces(step);
  const scale = 10 ** decimals;
  const stepUnits = Math.round(step * scale);
  const first = Math.round(min / step);
  if (Math.abs(first * step - min) > 1e-9 * Math.max(1, Math.abs(min))) {
    throw new UserError(`fit grid ${name}: min ${min} is not a multiple of the step ${step}; pick a min on the step`);
  }
  const count = Math.floor(max / step + 1e-9) - first + 1;
  if (count > 1e6) throw new UserError(`fit grid ${name}: ${count} values is too many; use a coarser step`);
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) out[i] = ((first + i) * stepUnits) / scale;
  return out;
}

export interface ResolvedGrid {
  w0: Float64Array;
  wa: Float64Array;
  wm: Float64Array;
}

/** Checks a grid against what the RegNet rule accepts and lists its values. */
export function resolveGrid(grid: FitGrid): ResolvedGrid {
  const w0 = axisValues('w0', grid.w0);
  const wa = axisValues('wa', grid.wa);
  const wm = axisValues('wm', grid.wm);
  for (const v of w0) {
    if (v <= 0 || v % REGNET_Q !== 0) throw new UserError(`fit grid w0: every value must be a positive multiple of ${REGNET_Q} (the RegNet width quantum), got ${v}; use a min and step that are multiples of ${REGNET_Q}`);
  }
  if (wa[0] < 0) throw new UserError(`fit grid wa: values must be >= 0, got min ${wa[0]}`);
  if (wm[0] <= 1) throw new UserError(`fit grid wm: values must be > 1, got min ${wm[0]}`);
  return { w0, wa, wm };
}

/** Parses "min:max:step" (a --w0/--wa/--wm flag) into an axis range. */
export function parseAxisRange(flag: string, text: string): AxisRange {
  const parts = text.split(':').map((s) => s.trim());
  const nums = parts.map(Number);
  if (parts.length !== 3 || parts.some((p) => p === '') || nums.some((v) => !Number.isFinite(v))) {
    throw new UserError(`${flag}: expected min:max:step, e.g. 1.5:3:0.001, got "${text}"`);
  }
  return { min: nums[0], max: nums[1], step: nums[2] };
}

function decimalPlaces(x: number): number {
  const s = String(x);
  const exp = /e-(\d+)$/.exec(s);
  if (exp) return Number(exp[1]) + (s.split('e')[0].split('.')[1]?.length ?? 0);
  return s.split('.')[1]?.length ?? 0;
}
