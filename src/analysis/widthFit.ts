/**
 * Fit of the quantized linear width rule (RegNet paper, Sec. 3.3) to a model's per-block widths.
 *
 * With the depth d held at the model's block count, the fit finds the grid point (w0, wa, wm) whose
 * quantized RegNet widths w_hat_j (generateRegnet: u_j = w0 + wa*j, k_j = round(log(u_j/w0)/log(wm)),
 * w_hat_j = round(w0*wm^k_j/8)*8) minimize
 *   e_fit = mean_j |log(w_hat_j / w_j)|.
 * The default grid has 32 x 2561 x 1501 points, so it is searched by branch and bound (see
 * WidthRuleFitter) rather than enumerated; the answer is the exact grid optimum all the same.
 *
 * Ties are common (quantization maps a region of (wa, wm) to the same widths); they go to the
 * smallest w0, then the smallest wm, then the smallest wa.
 */
import { generateRegnet, REGNET_Q } from '../space/index.js';
import { UserError } from '../util/errors.js';
import { BoxHeap } from './boxHeap.js';
import { DEFAULT_FIT_GRID, type FitGrid, type ResolvedGrid, resolveGrid } from './grid.js';

export interface WidthFit {
  w0: number;
  wa: number;
  wm: number;
  e_fit: number;
}

/** Two fits within this of each other count as a tie. */
const TIE = 1e-12;
/** Distance in wa from a level step beyond which the closed-form step position needs no exact check. */
const STEP_MARGIN = 1e-7;
/** wm intervals narrower than this are swept value by value rather than halved. */
const LEAF_RUN = 4;

/** roundHalfEven (util/round.ts) without the modulo, for the inner loops; identical results. */
function rhe(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Quantized RegNet width of level k: round(w0 * wm^k / q) * q, as generateRegnet computes it. */
function level(w0: number, wm: number, k: number): number {
  return rhe((w0 * Math.pow(wm, k)) / REGNET_Q) * REGNET_Q;
}

/**
 * A reusable fitter for one grid: resolve the grid once, then fit any number of width profiles.
 * Keeps scratch state between calls (not re-entrant); make one per worker.
 *
 * Search: best-first branch and bound over boxes (one w0, an interval [a, b] of wm, all of wa).
 * Within a box, block j's level lies between k_j(b, wa) and k_j(a, wa) (the exact formula at the two
 * ends, since k falls as wm rises and rises with wa), and level k's width between q(w0*a^k) and
 * q(w0*b^k). Two lower bounds of e_fit over the box follow:
 *  - for each wa, each block pays its log-distance to the nearest of its possible level widths. This is
 *    piecewise constant in wa, changing only where some k_j(a, .) or k_j(b, .) steps up, so it is
 *    minimized over every wa of the grid exactly by sweeping those steps in order;
 *  - over all wa at once, the cheapest non-decreasing sequence of levels (k_j never falls along j).
 * A box whose bound cannot beat the best fit so far is dropped; others are halved in wm. For a single
 * wm the sweep is e_fit itself and yields the best wa, so no wa is ever enumerated.
 */
export class WidthRuleFitter {
  readonly grid: ResolvedGrid;
  private readonly logWm: Float64Array;
  /** 1 / the wa step, and 1 / j per block: the closed-form step positions multiply rather than divide. */
  private readonly waPerStep: number;
  private inverse = new Float64Array(0);
  /** Per w0 index: log of the quantized level width, [m * kCap + k] for wm index m and level k. */
  private levelTables: (Float64Array | undefined)[];
  /** Per w0 index: which wm rows of its level table are filled (rows are filled on first use). */
  private rowsReady: Uint8Array[] = [];
  private ready: Uint8Array = new Uint8Array(0);
  private kCap = 0;

  // Per-model state.
  private d = 0;
  private logW = new Float64Array(0);
  private w0Index = 0;
  private w0 = 0;
  private levels: Float64Array = new Float64Array(0);
  /** Fits so far; gStamp marks the w0 rows of gFirst/gLast already filled for the current model. */
  private model = 0;
  private readonly gStamp: Int32Array;
  private gOffset = 0;
  private readonly heap = new BoxHeap();
  /** log((j*wa + w0)/w0) at the first and last wa of the grid, per [w0 index * d + j]. */
  private gFirst = new Float64Array(0);
  private gLast = new Float64Array(0);
  private bestCost = Infinity;
  private best = { w0: 0, wm: 0, wa: 0 };

  // Sweep scratch.
  private kLo = new Int32Array(0);
  private kHi = new Int32Array(0);
  private dpA = new Float64Array(0);
  private dpB = new Float64Array(0);
  /** Per wa index: change of the summed bound there (all zero between sweeps). */
  private readonly diff: Float64Array;
  /** Bit set of the wa indices where diff is set, so the sweep visits only those, in order. */
  private readonly touched: Int32Array;
  /** wm^(m - 1/2) - 1 per [wm index * kCap + m]: where level m begins, as wa*j/w0. */
  private stepBase = new Float64Array(0);
  /** Grid index of wa where the last sweep found its minimum. */
  private sweepWaIndex = 0;

  constructor(grid: FitGrid = DEFAULT_FIT_GRID) {
    this.grid = resolveGrid(grid);
    this.logWm = this.grid.wm.map(Math.log);
    const wa = this.grid.wa;
    this.waPerStep = wa.length > 1 ? (wa.length - 1) / (wa[wa.length - 1] - wa[0]) : 1;
    this.levelTables = new Array(this.grid.w0.length).fill(undefined);
    this.diff = new Float64Array(wa.length);
    this.touched = new Int32Array(Math.ceil(wa.length / 32));
    this.gStamp = new Int32Array(this.grid.w0.length);
  }

  /** Fits the rule to per-block widths (spec.blocks[].w_out, in order). */
  fit(widths: readonly number[]): WidthFit {
    const d = widths.length;
    if (d === 0) throw new UserError('width fit: the model has no blocks to fit');
    for (const w of widths) if (!(Number.isFinite(w) && w > 0)) throw new UserError(`width fit: widths must be positive numbers, got ${w}`);
    this.prepare(d);
    for (let j = 0; j < d; j++) this.logW[j] = Math.log(widths[j]);
    this.bestCost = Infinity;

    this.model++;
    this.w0Index = -1;
    const lastM = this.grid.wm.length - 1;
    const heap = this.heap;
    heap.clear();
    for (let i = 0; i < this.grid.w0.length; i++) {
      this.setW0(i);
      heap.push(this.sweep(0, lastM, -1), i, 0, lastM);
    }
    // Best first: always refine the box with the lowest bound, until no box can beat the best fit.
    const { wm, wa } = this.grid;
    while (heap.size > 0) {
      heap.pop();
      const { lb, w0Index, mLo, mHi } = heap.top;
      if (this.pruned(lb, this.grid.w0[w0Index], wm[mLo], wa[0])) continue;
      this.setW0(w0Index);
      if (mHi - mLo < LEAF_RUN) {
        // Narrow intervals: sweeping each wm directly is cheaper than bounding halves.
        for (let m = mLo; m <= mHi; m++) {
          const exact = this.sweep(m, m, this.bestCost + TIE);
          if (!this.pruned(exact, this.w0, wm[m], wa[0])) this.leaf(m, this.sweepWaIndex);
        }
        continue;
      }
      const mid = (mLo + mHi) >> 1;
      this.refine(mLo, mid);
      this.refine(mid + 1, mHi);
    }
    const fit = { w0: this.best.w0, wa: this.best.wa, wm: this.best.wm };
    return { ...fit, e_fit: eFit(widths, fit) };
  }

  /** Bounds wm[mLo..mHi] (at the current w0) and queues it unless it cannot beat the best fit. */
  private refine(mLo: number, mHi: number): void {
    const bound = this.sweep(mLo, mHi, this.bestCost + TIE);
    if (!this.pruned(bound, this.w0, this.grid.wm[mLo], this.grid.wa[0])) this.heap.push(bound, this.w0Index, mLo, mHi);
  }

  /** Sizes the scratch arrays for depth d and makes sure the level tables reach every k a block can take. */
  private prepare(d: number): void {
    this.d = d;
    if (this.logW.length < d) {
      this.logW = new Float64Array(d);
      this.gFirst = new Float64Array(d * this.grid.w0.length);
      this.gLast = new Float64Array(d * this.grid.w0.length);
      this.kLo = new Int32Array(d);
      this.kHi = new Int32Array(d);
      this.inverse = Float64Array.from({ length: d }, (_, j) => 1 / j);
    }
    const { w0, wa, wm } = this.grid;
    const kNeed = rhe(Math.log(((d - 1) * wa[wa.length - 1] + w0[0]) / w0[0]) / Math.log(wm[0])) + 1;
    if (kNeed > this.kCap) {
      const kCap = (this.kCap = Math.max(kNeed, 16));
      this.levelTables.fill(undefined);
      this.dpA = new Float64Array(kCap);
      this.dpB = new Float64Array(kCap);
      this.stepBase = new Float64Array(wm.length * kCap);
      for (let m = 0; m < wm.length; m++) for (let k = 1; k < kCap; k++) this.stepBase[m * kCap + k] = Math.exp((k - 0.5) * this.logWm[m]) - 1;
    }
  }

  private setW0(i: number): void {
    if (i === this.w0Index) return;
    this.w0Index = i;
    const w0 = (this.w0 = this.grid.w0[i]);
    let table = this.levelTables[i];
    if (!table) {
      table = new Float64Array(this.grid.wm.length * this.kCap);
      this.levelTables[i] = table;
      this.rowsReady[i] = new Uint8Array(this.grid.wm.length);
    }
    this.ready = this.rowsReady[i];
    this.levels = table;
    const d = this.d;
    const g = (this.gOffset = i * d);
    if (this.gStamp[i] !== this.model) {
      this.gStamp[i] = this.model;
      const waFirst = this.grid.wa[0];
      const waLast = this.grid.wa[this.grid.wa.length - 1];
      for (let j = 0; j < d; j++) {
        this.gFirst[g + j] = Math.log((j * waFirst + w0) / w0);
        this.gLast[g + j] = Math.log((j * waLast + w0) / w0);
      }
    }
  }

  /** Offset of wm[m]'s row in the current w0's level table, filling the row on first use. */
  private row(m: number): number {
    const kCap = this.kCap;
    const offset = m * kCap;
    if (!this.ready[m]) {
      const wm = this.grid.wm[m];
      for (let k = 0; k < kCap; k++) this.levels[offset + k] = Math.log(level(this.w0, wm, k));
      this.ready[m] = 1;
    }
    return offset;
  }

  /** True when no point of the box (bound lb; its first point in tie order given) can beat the best fit. */
  private pruned(lb: number, w0: number, wm: number, wa: number): boolean {
    if (lb > this.bestCost + TIE) return true;
    if (lb < this.bestCost - TIE) return false;
    const b = this.best;
    return w0 > b.w0 || (w0 === b.w0 && (wm > b.wm || (wm === b.wm && wa >= b.wa)));
  }

  /**
   * Smallest wa grid index at which block j's level, at wm[wmIndex], reaches m (the grid length if none).
   * Starts from the closed-form crossing and settles it with the exact formula, so floats cannot move it.
   */
  private stepIndex(j: number, m: number, wmIndex: number): number {
    const wa = this.grid.wa;
    const n = wa.length;
    const w0 = this.w0;
    const cross = w0 * this.stepBase[wmIndex * this.kCap + m] * this.inverse[j];
    let i = Math.ceil((cross - wa[0]) * this.waPerStep);
    if (!(i >= 0)) i = 0;
    if (i > n) i = n;
    // Far from the crossing (floats err by ~1e-11 here), the closed form is exact; settle the rest.
    if ((i === n || wa[i] - cross > STEP_MARGIN) && (i === 0 || cross - wa[i - 1] > STEP_MARGIN)) return i;
    const r = this.logWm[wmIndex];
    while (i < n && rhe(Math.log((j * wa[i] + w0) / w0) / r) < m) i++;
    while (i > 0 && rhe(Math.log((j * wa[i - 1] + w0) / w0) / r) >= m) i--;
    return i;
  }

  /** Block j's bound for levels kLo..kHi: log-distance from its width to the nearest level interval. */
  private blockTerm(j: number, kLo: number, kHi: number, rowA: number, rowB: number): number {
    const lw = this.logW[j];
    const t = this.levels;
    let best = Infinity;
    for (let k = kLo; k <= kHi; k++) {
      const lo = t[rowA + k];
      const hi = t[rowB + k];
      const dist = lw < lo ? lo - lw : lw > hi ? lw - hi : 0;
      if (dist < best) best = dist;
      if (lw <= hi) break; // higher levels only move further up
    }
    return best;
  }

  /**
   * Lower bound of e_fit over wm[mLo..mHi] and all of wa (exact e_fit when mLo === mHi): the larger of
   * the monotone bound and the minimum over wa of the per-wa bound. Sets sweepWaIndex to the first wa
   * index attaining that minimum. Returns the monotone bound alone when it already exceeds `cap`.
   */
  private sweep(mLo: number, mHi: number, cap: number): number {
    const d = this.d;
    const rowA = this.row(mLo); // low wm: lower level widths, higher k
    const rowB = this.row(mHi);
    const rA = this.logWm[mLo];
    const rB = this.logWm[mHi];
    const single = mLo === mHi;
    const kLo = this.kLo, kHi = this.kHi;
    const g = this.gOffset;
    const nWa = this.grid.wa.length;

    const block0 = Math.abs(this.levels[rowA] - this.logW[0]);
    // Quick bound first, over all of wa at once: the cheapest non-decreasing levels.
    const floor = this.monotoneBound(rowA, rowB, rA, rB, block0);
    if (floor > cap * d) return floor / d;

    // Each block's term changes only where its own k range steps; record those changes by wa index.
    const diff = this.diff;
    const touched = this.touched;
    let firstWord = touched.length, lastWord = -1;
    let cur = block0;
    for (let j = 1; j < d; j++) {
      let lo = kLo[j];
      let hi = kHi[j];
      const loEnd = rhe(this.gLast[g + j] / rB);
      const hiEnd = single ? loEnd : rhe(this.gLast[g + j] / rA);
      let t = this.blockTerm(j, lo, hi, rowA, rowB);
      cur += t;
      let nextLo = lo < loEnd ? this.stepIndex(j, lo + 1, mHi) : nWa;
      let nextHi = single ? nWa : hi < hiEnd ? this.stepIndex(j, hi + 1, mLo) : nWa;
      while (nextLo < nWa || nextHi < nWa) {
        const i = nextLo < nextHi ? nextLo : nextHi;
        if (nextHi === i) {
          hi++;
          nextHi = hi < hiEnd ? this.stepIndex(j, hi + 1, mLo) : nWa;
        }
        if (nextLo === i) {
          lo++;
          nextLo = lo < loEnd ? this.stepIndex(j, lo + 1, mHi) : nWa;
          if (single) hi = lo;
        }
        const next = this.blockTerm(j, lo, hi, rowA, rowB);
        diff[i] += next - t;
        t = next;
        const w = i >> 5;
        touched[w] |= 1 << (i & 31);
        if (w < firstWord) firstWord = w;
        if (w > lastWord) lastWord = w;
      }
    }
    let best = cur;
    this.sweepWaIndex = 0;
    // Visit the touched wa indices in order: the set bits of `touched`, word by word.
    for (let c = firstWord; c <= lastWord; c++) {
      let word = touched[c];
      if (word === 0) continue;
      touched[c] = 0;
      while (word !== 0) {
        const low = word & -word;
        word ^= low;
        const i = (c << 5) + 31 - Math.clz32(low);
        cur += diff[i];
        diff[i] = 0;
        if (cur < best - TIE) {
          best = cur;
          this.sweepWaIndex = i;
        }
      }
    }
    return Math.max(best, floor) / d;
  }

  /**
   * Lower bound (times d) of e_fit over wm[row a..row b] and all of wa: block j's level k_j lies between
   * its values at (b, first wa) and (a, last wa), the k_j never fall along j (k_0 = 0), and level k's
   * width lies in [q(w0*a^k), q(w0*b^k)]. The cheapest such non-decreasing choice, each block paying its
   * log-distance to its level's interval, by dynamic programming over k. Also leaves each block's
   * starting k range (at the first wa) in kLo/kHi for the sweep.
   */
  private monotoneBound(rowA: number, rowB: number, rA: number, rB: number, first: number): number {
    const d = this.d;
    const t = this.levels;
    const logW = this.logW;
    const g = this.gOffset;
    let prev = this.dpA, cur = this.dpB;
    prev[0] = first;
    let prevHi = 0;
    for (let j = 1; j < d; j++) {
      const k0 = rhe(this.gFirst[g + j] / rB);
      const k1 = rhe(this.gLast[g + j] / rA);
      this.kLo[j] = k0;
      this.kHi[j] = rA === rB ? k0 : rhe(this.gFirst[g + j] / rA);
      const lw = logW[j];
      let run = Infinity;
      for (let k = 0; k <= k1; k++) {
        if (k <= prevHi && prev[k] < run) run = prev[k];
        if (k < k0) {
          cur[k] = Infinity;
          continue;
        }
        const lo = t[rowA + k];
        const hi = t[rowB + k];
        cur[k] = run + (lw < lo ? lo - lw : lw > hi ? lw - hi : 0);
      }
      prevHi = k1;
      const swap = prev;
      prev = cur;
      cur = swap;
    }
    let best = Infinity;
    for (let k = 0; k <= prevHi; k++) if (prev[k] < best) best = prev[k];
    return best;
  }

  /** Exact e_fit at (current w0, wm[m], wa[a]) with the generateRegnet formula; keeps it if it is the best so far. */
  private leaf(m: number, a: number): void {
    const w0 = this.w0;
    const wm = this.grid.wm[m];
    const wa = this.grid.wa[a];
    const logWm = this.logWm[m];
    const row = this.row(m);
    const d = this.d;
    let sum = 0;
    for (let j = 0; j < d; j++) {
      const k = rhe(Math.log((j * wa + w0) / w0) / logWm);
      sum += Math.abs(this.levels[row + k] - this.logW[j]);
    }
    const cost = sum / d;
    if (cost < this.bestCost - TIE || !this.pruned(cost, w0, wm, wa)) {
      this.bestCost = cost;
      this.best = { w0, wm, wa };
    }
  }
}

/** e_fit of given rule parameters: mean_j |log(w_hat_j / w_j)| with w_hat from generateRegnet. */
export function eFit(widths: readonly number[], p: { w0: number; wa: number; wm: number }): number {
  const quantized = generateRegnet(p.wa, p.w0, p.wm, widths.length).widthsAll;
  let sum = 0;
  for (let j = 0; j < widths.length; j++) sum += Math.abs(Math.log(quantized[j] / widths[j]));
  return sum / widths.length;
}

/** Fits one width profile on a grid (builds the fitter; use WidthRuleFitter for many models). */
export function fitWidthRule(widths: readonly number[], grid: FitGrid = DEFAULT_FIT_GRID): WidthFit {
  return new WidthRuleFitter(grid).fit(widths);
}
