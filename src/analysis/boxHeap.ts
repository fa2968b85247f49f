/**
 * The width fit's queue of boxes (a w0 index and an interval of wm indices), a binary heap on typed
 * arrays: lowest bound first, then the tie order (smaller w0, then smaller wm).
 */
export class BoxHeap {
  private lb = new Float64Array(256);
  private w0 = new Int32Array(256);
  private lo = new Int32Array(256);
  private hi = new Int32Array(256);
  size = 0;

  clear(): void {
    this.size = 0;
  }

  push(lb: number, w0Index: number, mLo: number, mHi: number): void {
    if (this.size === this.lb.length) this.grow();
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(lb, w0Index, mLo, parent)) break;
      this.move(parent, i);
      i = parent;
    }
    this.set(i, lb, w0Index, mLo, mHi);
  }

  /** The entry the last pop() removed. */
  readonly top = { lb: 0, w0Index: 0, mLo: 0, mHi: 0 };

  pop(): void {
    const top = this.top;
    top.lb = this.lb[0];
    top.w0Index = this.w0[0];
    top.mLo = this.lo[0];
    top.mHi = this.hi[0];
    const n = --this.size;
    if (n > 0) {
      const lb = this.lb[n], w0 = this.w0[n], lo = this.lo[n], hi = this.hi[n];
      let i = 0;
      for (;;) {
        let child = 2 * i + 1;
        if (child >= n) break;
        if (child + 1 < n && this.before(this.lb[child + 1], this.w0[child + 1], this.lo[child + 1], child)) child++;
        if (!this.before(this.lb[child], this.w0[child], this.lo[child], -1, lb, w0, lo)) break;
        this.move(child, i);
        i = child;
      }
      this.set(i, lb, w0, lo, hi);
    }
  }

  /** Whether (lb, w0, lo) comes before the entry at index j (or before the given triple when j < 0). */
  private before(lb: number, w0: number, lo: number, j: number, lbJ = this.lb[j], w0J = this.w0[j], loJ = this.lo[j]): boolean {
    if (lb !== lbJ) return lb < lbJ;
    if (w0 !== w0J) return w0 < w0J;
    return lo < loJ;
  }

  private move(from: number, to: number): void {
    this.set(to, this.lb[from], this.w0[from], this.lo[from], this.hi[from]);
  }

  private set(i: number, lb: number, w0: number, lo: number, hi: number): void {
    this.lb[i] = lb;
    this.w0[i] = w0;
    this.lo[i] = lo;
    this.hi[i] = hi;
  }

  private grow(): void {
    const n = this.lb.length * 2;
    const lb = new Float64Array(n), w0 = new Int32Array(n), lo = new Int32Array(n), hi = new Int32Array(n);
    lb.set(this.lb);
    w0.set(this.w0);
    lo.set(this.lo);
    hi.set(this.hi);
    this.lb = lb;
    this.w0 = w0;
    this.lo = lo;
    this.hi = hi;
  }
}
