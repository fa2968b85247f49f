/**
 * Analytic complexity of single layers, following pycls (pycls/models/blocks.py) exactly.
 *
 * "flops" are multiply-accumulates. Activations count the output elements of convs, linears and
 * pools. ReLU, sigmoid, adds and multiplies are free. All arithmetic is on integers, with floor
 * division where pycls uses `//`.
 */

export interface Cx {
  h: number;
  w: number;
  flops: number;
  params: number;
  acts: number;
}

export function emptyCx(resolution: number): Cx {
  return { h: resolution, w: resolution, flops: 0, params: 0, acts: 0 };
}

export interface ConvOpts {
  stride?: number;
  groups?: number;
  bias?: boolean;
}

export function conv2dCx(cx: Cx, wIn: number, wOut: number, k: number, opts: ConvOpts = {}): Cx {
  const stride = opts.stride ?? 1;
  const groups = opts.groups ?? 1;
  const bias = opts.bias ?? false;
  if (k % 2 !== 1) throw new Error(`conv kernel must be odd, got ${k}`);
  const h = Math.floor((cx.h - 1) / stride) + 1;
  const w = Math.floor((cx.w - 1) / stride) + 1;
  return {
    h,
    w,
    flops: cx.flops + Math.floor((k * k * wIn * wOut * h * w) / groups) + (bias ? wOut * h * w : 0),
    params: cx.params + Math.floor((k * k * wIn * wOut) / groups) + (bias ? wOut : 0),
    acts: cx.acts + wOut * h * w,
  };
}

export function norm2dCx(cx: Cx, wIn: number): Cx {
  return { ...cx, params: cx.params + 2 * wIn };
}

export function pool2dCx(cx: Cx, wIn: number, k: number, stride = 1): Cx {
  if (k % 2 !== 1) throw new Error(`pool kernel must be odd, got ${k}`);
  const h = Math.floor((cx.h - 1) / stride) + 1;
  const w = Math.floor((cx.w - 1) / stride) + 1;
  return { ...cx, h, w, acts: cx.acts + wIn * h * w };
}

export function gap2dCx(cx: Cx): Cx {
  return { ...cx, h: 1, w: 1 };
}

export function linearCx(cx: Cx, wIn: number, wOut: number, bias = false, numLocations = 1): Cx {
  return {
    ...cx,
    flops: cx.flops + wIn * wOut * numLocations + (bias ? wOut * numLocations : 0),
    params: cx.params + wIn * wOut + (bias ? wOut : 0),
    acts: cx.acts + wOut * numLocations,
  };
}

/** Runs `f` as a parallel branch: its costs count, but the spatial size afterwards is the input's. */
export function parallelBranch(cx: Cx, f: (cx: Cx) => Cx): Cx {
  const out = f(cx);
  return { ...out, h: cx.h, w: cx.w };
}
