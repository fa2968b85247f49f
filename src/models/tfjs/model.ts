/**
 * A tfjs network from a ModelSpec: stem, blocks (grouped into stages s1..sN by their `stage`), head.
 * Usable in any thread with an initialized backend; the worker trains it, tests count its parameters.
 */
import * as tf from '@tensorflow/tfjs-core';
import { validateSpec } from '../../space/build.js';
import type { ModelSpec } from '../../space/spec.js';
import { BLOCK_BUILDERS, buildHead, STEM_BUILDERS } from './blocks.js';
import { type Forward, LayerFactory, type ModelParameter } from './layers.js';

export interface TfjsModel {
  spec: ModelSpec;
  /** Number of trainable parameters (equals complexity(spec).params). */
  params: number;
  parameters: ModelParameter[];
  /** BN running statistics. */
  buffers: tf.Variable[];
  /** NHWC float input [N, res, res, channels] to logits [N, num_classes]. Call inside tf.tidy. */
  forward(x: tf.Tensor4D, training: boolean): tf.Tensor2D;
  /** Frees every variable of the model. */
  dispose(): void;
}

export interface BuildOptions {
  /** pycls BN.ZERO_INIT_FINAL_GAMMA: start each residual branch's last BN at gamma 0. */
  zeroInitFinalGamma?: boolean;
}

/** Builds and initializes (seeded, pycls init) the network a spec describes; throws SpecError on a bad spec. */
export function buildTfjsModel(spec: ModelSpec, seed: number, opts: BuildOptions = {}): TfjsModel {
  validateSpec(spec);
  const f = new LayerFactory(seed, opts.zeroInitFinalGamma ?? false);
  try {
    const stem = STEM_BUILDERS[spec.stem.type](f, 'stem', spec.input.channels, spec.stem.w_out);
    const blocks: Forward[] = [];
    let stage = -1;
    let stageIndex = 0;
    let inStage = 0;
    for (const [i, block] of spec.blocks.entries()) {
      const builder = BLOCK_BUILDERS[block.type];
      if (!builder) throw new Error(`blocks[${i}]: the tfjs engine has no builder for block type "${block.type}"`);
      if (block.stage !== stage) {
        stage = block.stage;
        stageIndex += 1;
        inStage = 0;
      }
      inStage += 1;
      blocks.push(builder(f, `s${stageIndex}.b${inStage}`, block));
    }
    const last = spec.blocks.length ? spec.blocks[spec.blocks.length - 1].w_out : spec.stem.w_out;
    const head = buildHead(f, last, spec.head);
    const params = f.parameters.reduce((sum, p) => sum + p.variable.size, 0);
    return {
      spec,
      params,
      parameters: f.parameters,
      buffers: f.buffers,
      forward(x, training) {
        let y = stem(x, training);
        for (const block of blocks) y = block(y, training);
        return head(y, training);
      },
      dispose: () => f.dispose(),
    };
  } catch (e) {
    f.dispose();
    throw e;
  }
}
