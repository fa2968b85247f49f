/**
 * The channel-rounding rules the reference implementations use, by name. Which rule a network uses
 * decides its exact widths, so every node type and preset names its rule rather than rounding on its
 * own.
 *
 *   round   Python's round(x): half to even (torchvision MobileNetV2's int(round(inp * t)))
 *   floor   int(x), truncation (pycls EffNet's int(w_in * exp_r), torchvision's in // 4)
 *   tf      TF's make_divisible(x, d, 0.9) (torchvision _make_divisible, timm make_divisible, PaddleClas,
 *           GhostNet with d = 4, torchvision MNASNet's _round_to_multiple_of)
 *   tf95    the same with the 0.95 limit (timm FBNetV3's round_limit=0.95)
 *   mv      mobile-vision's get_divisible_by(x, d): half away from zero, at least 0.95 x and d
 *   mv_int  get_divisible_by(int(x), d): mobile-vision's SE width (int(mid * 0.25) first)
 *   exact   x itself, which must be an integer (mobile-vision with width_divisor 1, MNASNet's in * t)
 *
 * Every rule gives at least 1 channel.
 */
import { roundHalfEven } from '../util/round.js';

export const ROUNDINGS = ['round', 'floor', 'tf', 'tf95', 'mv', 'mv_int', 'exact'] as const;
export type Rounding = (typeof ROUNDINGS)[number];

/** TF/timm/torchvision make_divisible: the nearest multiple of d (half up), at least minValue and limit * v. */
export function makeDivisible(v: number, d = 8, minValue = d, limit = 0.9): number {
  let n = Math.max(minValue, Math.floor(Math.floor(v + d / 2) / d) * d);
  if (n < limit * v) n += d;
  return n;
}

/** Python 2's round: half away from zero. */
function py2Round(x: number): number {
  return x >= 0 ? Math.floor(x + 0.5) : Math.ceil(x - 0.5);
}

/** mobile-vision hp.get_divisible_by(num, d): a multiple of d (half away from zero), at least 0.95 num and d. */
export function getDivisibleBy(num: number, d: number, minValue = d): number {
  let ret = Math.trunc(num);
  if (d > 0 && num % d !== 0) {
    ret = Math.trunc((py2Round(num / d) || 1) * d);
    if (ret < 0.95 * num) ret += d;
  }
  return Math.max(ret, minValue);
}

/** Applies a named rule with divisor d (ignored by round, floor and exact). */
export function roundChannels(x: number, rule: Rounding, d = 8): number {
  let v: number;
  switch (rule) {
    case 'round':
      v = roundHalfEven(x);
      break;
    case 'floor':
      v = Math.trunc(x);
      break;
    case 'tf':
      v = makeDivisible(x, d);
      break;
    case 'tf95':
      v = makeDivisible(x, d, d, 0.95);
      break;
    case 'mv':
      v = getDivisibleBy(x, d);
      break;
    case 'mv_int':
      v = getDivisibleBy(Math.trunc(x), d);
      break;
    case 'exact':
      if (Math.abs(x - Math.round(x)) > 1e-9) throw new Error(`exact rounding of a non-integer width ${x}`);
      v = Math.round(x);
      break;
  }
  return Math.max(1, v);
}
