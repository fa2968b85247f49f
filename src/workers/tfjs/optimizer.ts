/**
 * SGD exactly as torch.optim.SGD (dampening 0) with pycls's parameter groups, as the torch engine uses:
 *   g = grad + weight_decay * p        (BN weights/biases get no decay when bn_weight_decay is false)
 *   buf = momentum * buf + g           (buf starts at 0, so the first step has buf = g, as torch)
 *   step = nesterov ? g + momentum * buf : buf   (nesterov only when momentum > 0)
 *   p = p - lr * step
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ModelParameter } from '../../models/tfjs/layers.js';
import type { Recipe } from '../engine.js';

export class Sgd {
  private readonly buffers: Map<tf.Variable, tf.Variable> = new Map();
  private readonly decay: Map<tf.Variable, number> = new Map();
  private readonly momentum: number;
  private readonly nesterov: boolean;

  constructor(
    private readonly parameters: ModelParameter[],
    recipe: Pick<Recipe, 'momentum' | 'nesterov' | 'weight_decay' | 'bn_weight_decay'>,
  ) {
    this.momentum = recipe.momentum;
    this.nesterov = recipe.nesterov && recipe.momentum > 0;
    for (const p of parameters) {
      this.decay.set(p.variable, recipe.bn_weight_decay || !p.isBn ? recipe.weight_decay : 0);
      if (this.momentum > 0) this.buffers.set(p.variable, tf.tidy(() => tf.variable(tf.zerosLike(p.variable), false)));
    }
  }

  /** Applies one update from `grads` (keyed by variable name, as tf.variableGrads returns them). */
  step(grads: tf.NamedTensorMap, lr: number): void {
    tf.tidy(() => {
      for (const { variable, name } of this.parameters) {
        const grad = grads[variable.name];
        if (!grad) throw new Error(`no gradient for parameter ${name}`);
        const wd = this.decay.get(variable)!;
        const g = wd ? tf.add(grad, tf.mul(variable, wd)) : grad;
        let update = g;
        const buf = this.buffers.get(variable);
        if (buf) {
          const next = tf.add(tf.mul(buf, this.momentum), g);
          buf.assign(next);
          update = this.nesterov ? tf.add(g, tf.mul(next, this.momentum)) : next;
        }
        variable.assign(tf.sub(variable, tf.mul(update, lr)));
      }
    });
  }

  dispose(): void {
    for (const b of this.buffers.values()) b.dispose();
    this.buffers.clear();
  }
}
