/**
 * Pieces shared by several node types: parameter declarations that mean the same everywhere, and
 * the squeeze-and-excitation module.
 */
import type { Builder, Tensor } from '../builder.js';
import { ACTIVATIONS, type Activation } from '../ops.js';
import { P } from '../params.js';

export const W_OUT = P.int({ min: 1, doc: 'output channels' });
export const STRIDE = P.int({ default: 1, min: 1, doc: 'stride of the node\'s strided conv (or pool)' });
export const ACT = (fallback: Activation, doc = 'activation') => P.enum(ACTIVATIONS, { default: fallback, doc });

export interface SeOptions {
  /** Activation between the two 1x1 convs (ReLU in pycls). */
  act?: Activation;
  /** The gate: sigmoid (pycls, EfficientNet) or hard sigmoid (MobileNetV3). */
  gate?: Activation;
}

/**
 * Squeeze-and-excitation (pycls SE): global average pool, 1x1 conv with bias to wSe, act, 1x1 conv
 * with bias back, gate, channel-wise multiply. Module names follow pycls: avg_pool, f_ex.0 .. f_ex.3.
 */
export function se(g: Builder, x: Tensor, wSe: number, o: SeOptions = {}): Tensor {
  const w = x.shape.c;
  let y = g.gap('avg_pool', x);
  y = g.conv('f_ex.0', y, wSe, 1, { bias: true });
  y = g.act('f_ex.1', y, o.act ?? 'relu');
  y = g.conv('f_ex.2', y, w, 1, { bias: true });
  y = g.act('f_ex.3', y, o.gate ?? 'sigmoid');
  return g.mul('mul', x, y);
}
