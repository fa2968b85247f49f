/**
 * RegNet quantization (pycls/models/regnet.py generate_regnet and
 * pycls/models/blocks.py adjust_block_compatibility), reproduced exactly: every `round` is
 * round-half-to-even as numpy's np.round and Python's round(), every `int()` truncates.
 *
 * generateRegnet is on the sampler's hot path and is used by the analysis for the width-rule fit,
 * so it allocates only its result arrays.
 */
import { lcm, roundHalfEven } from '../util/round.js';
import { nodeType } from './registry.js';
import { type NetworkConfig, SpecError, buildAnyNetSpec, stageStrides } from './build.js';
import { MAX_SPEC_NODES } from './graph.js';
import type { ParamValue } from './params.js';
import type { ModelSpec } from './spec.js';

/** Width quantum of RegNet: per-block widths are rounded to multiples of 8. */
export const REGNET_Q = 8;
/** The most blocks a RegNet may have: a spec's node bound less its stem and head. */
export const REGNET_MAX_DEPTH = MAX_SPEC_NODES - 2;

export interface RegnetWidths {
  /** Per-stage widths: the distinct quantized block widths, ascending. */
  ws: number[];
  /** Per-stage depths: how many blocks have each width. */
  ds: number[];
  /** Stages actually present (ws.length). */
  numStages: number;
  /** Quantization levels spanned: max_j k_j + 1. Fewer stages than this means a level was skipped. */
  totalStages: number;
  /** Quantized width of every block (ws_all). */
  widthsAll: number[];
  /** Continuous widths u_j = w0 + wa*j of every block (ws_cont). */
  widthsCont: number[];
}

/** Checks the generate_regnet parameters; throws SpecError naming the bad one. */
export function validateRegnetParams(wa: number, w0: number, wm: number, d: number, q = REGNET_Q): void {
  if (!Number.isInteger(d) || d < 1) throw new SpecError('depth', `must be a positive integer, got ${d}`);
  if (d > REGNET_MAX_DEPTH) throw new SpecError('depth', `must be at most ${REGNET_MAX_DEPTH} blocks, got ${d}`);
  if (!(Number.isInteger(q) && q >= 1)) throw new SpecError('q', `must be a positive integer, got ${q}`);
  if (!(Number.isFinite(w0) && w0 > 0)) throw new SpecError('w0', `must be > 0, got ${w0}`);
  if (w0 % q !== 0) throw new SpecError('w0', `must be a multiple of ${q}, got ${w0}`);
  if (!(Number.isFinite(wa) && wa >= 0)) throw new SpecError('wa', `must be >= 0, got ${wa}`);
  if (!(Number.isFinite(wm) && wm > 1)) throw new SpecError('wm', `must be > 1, got ${wm}`);
}

/**
 * Per-stage widths and depths of a RegNet (generate_regnet):
 *   u_j = w0 + wa*j (j < d);  k_j = round(log(u_j/w0) / log(wm));  w_j = round(w0*wm^k_j / q) * q.
 * Stages are the distinct w_j in order, with their counts.
 */
export function generateRegnet(wa: number, w0: number, wm: number, d: number, q = REGNET_Q): RegnetWidths {
  validateRegnetParams(wa, w0, wm, d, q);
  const logWm = Math.log(wm);
  const widthsAll = new Array<number>(d);
  const widthsCont = new Array<number>(d);
  const ws: number[] = [];
  const ds: number[] = [];
  let maxK = 0;
  let lastK = -1;
  let w = 0;
  for (let j = 0; j < d; j++) {
    const u = j * wa + w0;
    const k = roundHalfEven(Math.log(u / w0) / logWm);
    // k never decreases along j (wa >= 0, wm > 1), so the width changes only when k does.
    if (k !== lastK) {
      w = roundHalfEven((w0 * Math.pow(wm, k)) / q) * q;
      lastK = k;
      if (k > maxK) maxK = k;
    }
    widthsCont[j] = u;
    widthsAll[j] = w;
    // Distinct widths arrive in order, as np.unique sorts them.
    if (ws.length && ws[ws.length - 1] === w) ds[ds.length - 1]++;
    else {
      ws.push(w);
      ds.push(1);
    }
  }
  return { ws, ds, numStages: ws.length, totalStages: maxK + 1, widthsAll, widthsCont };
}

/**
 * Stage count of a RegNet without building any arrays: the stage constraint's fast path.
 * Returns numStages and totalStages as generateRegnet would.
 */
export function regnetStageCount(wa: number, w0: number, wm: number, d: number, q = REGNET_Q): { numStages: number; totalStages: number } {
  validateRegnetParams(wa, w0, wm, d, q);
  const logWm = Math.log(wm);
  let maxK = 0;
  let lastK = -1;
  let numStages = 0;
  let last = -1;
  for (let j = 0; j < d; j++) {
    const k = roundHalfEven(Math.log((j * wa + w0) / w0) / logWm);
    if (k === lastK) continue;
    lastK = k;
    if (k > maxK) maxK = k;
    const w = roundHalfEven((w0 * Math.pow(wm, k)) / q) * q;
    if (w !== last) {
      numStages++;
      last = w;
    }
  }
  return { numStages, totalStages: maxK + 1 };
}

export interface CompatibleStages {
  ws: number[];
  bs: number[];
  gs: number[];
}

/**
 * adjust_block_compatibility: makes each stage's bottleneck width w*b a multiple of its group
 * width g (and of b when b > 1), changing w and g as little as pycls does:
 *   v = int(max(1, w*b)); g = int(min(g, v)); m = lcm(g, int(b)) if b > 1 else g;
 *   v = max(m, int(round(v/m)*m)); w = int(v/b).
 */
export function adjustBlockCompatibility(ws: readonly number[], bs: readonly number[], gs: readonly number[]): CompatibleStages {
  if (bs.length !== ws.length) throw new SpecError('bot_mul', `has ${bs.length} entries but there are ${ws.length} stages`);
  if (gs.length !== ws.length) throw new SpecError('group_w', `has ${gs.length} entries but there are ${ws.length} stages`);
  const outW = new Array<number>(ws.length);
  const outG = new Array<number>(ws.length);
  for (let i = 0; i < ws.length; i++) {
    const w = ws[i];
    const b = bs[i];
    const g0 = gs[i];
    if (!(w > 0)) throw new SpecError('width', `must be > 0, got ${w}`);
    if (!(b > 0)) throw new SpecError('bot_mul', `must be > 0, got ${b}`);
    if (!(g0 > 0)) throw new SpecError('group_w', `must be > 0, got ${g0}`);
    if (b > 1 && !Number.isInteger(b)) throw new SpecError('bot_mul', `must be an integer when > 1 (pycls), got ${b}`);
    let v = Math.trunc(Math.max(1, w * b));
    const g = Math.trunc(Math.min(g0, v));
    const m = b > 1 ? lcm(g, Math.trunc(b)) : g;
    v = Math.max(m, Math.trunc(roundHalfEven(v / m) * m));
    const wOut = Math.trunc(v / b);
    if ((wOut * b) % g !== 0) {
      throw new SpecError('bot_mul', `width ${wOut} * bot_mul ${b} is not a multiple of group width ${g}; use a bot_mul whose inverse is an integer`);
    }
    outW[i] = wOut;
    outG[i] = g;
  }
  return { ws: outW, bs: bs.slice(), gs: outG };
}

/** The six RegNet parameters of pycls (REGNET.*) plus the SE ratio (REGNET.SE_R when SE_ON, else 0). */
export interface RegnetParams {
  depth: number;
  w0: number;
  wa: number;
  wm: number;
  group_w: number;
  bot_mul?: number;
  se_r?: number;
}

/** A RegNet as AnyNet stage lists (pycls RegNet.get_params), after block compatibility. */
export interface RegnetStages extends RegnetWidths {
  /** Per-stage widths after adjust_block_compatibility (equal to the quantized ws when b=1 and g divides w). */
  ws: number[];
  bs: number[];
  gs: number[];
}

/** RegNet parameters -> per-stage ws, ds, bs, gs as pycls's RegNet.get_params computes them. */
export function regnetStages(p: RegnetParams, q = REGNET_Q): RegnetStages {
  const gen = generateRegnet(p.wa, p.w0, p.wm, p.depth, q);
  const bs = new Array<number>(gen.numStages).fill(p.bot_mul ?? 1);
  const gs = new Array<number>(gen.numStages).fill(p.group_w);
  const adjusted = adjustBlockCompatibility(gen.ws, bs, gs);
  return { ...gen, ws: adjusted.ws, bs: adjusted.bs, gs: adjusted.gs };
}

/**
 * The ModelSpec of a RegNet: regnetStages, then the network's stem, block type, strides and head.
 * Block-type parameters the block does not take (e.g. group_w for res_basic_block) are left out;
 * `extra` sets other parameters of every block (act, ...). `st` may be passed when the caller
 * already has regnetStages(p).
 */
export function regnetSpec(p: RegnetParams, network: NetworkConfig, st: RegnetStages = regnetStages(p), extra: Record<string, ParamValue> = {}): ModelSpec {
  const taken = nodeType(network.blockType)?.params ?? {};
  const n = st.numStages;
  const params: Record<string, ParamValue[]> = {};
  if (taken.bot_mul) params.bot_mul = st.bs;
  if (taken.group_w) params.group_w = st.gs;
  if (taken.se_r) params.se_r = new Array<number>(n).fill(p.se_r ?? 0);
  for (const [k, v] of Object.entries(extra)) params[k] = new Array<ParamValue>(n).fill(v);
  return buildAnyNetSpec({ depths: st.ds, widths: st.ws, strides: stageStrides(n, network), params }, network);
}
