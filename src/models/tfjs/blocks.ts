/**
 * The tfjs builder registry: stems, block types and the head under the same names as the complexity
 * registry in src/space/blocks.ts (and the torch builders in src/models/torch/builders.py), with the
 * same structure, parameter names and counts as pycls's AnyNet.
 *
 * Adding a block family = one entry in BLOCK_BUILDERS (plus its counter in src/space/blocks.ts and its
 * torch builder).
 */
import * as tf from '@tensorflow/tfjs-core';
import { bottleneckGroups, bottleneckWidth, hasProjection, seWidth } from '../../space/blocks.js';
import type { BlockSpec, HeadSpec, StemType } from '../../space/spec.js';
import { type Forward, type LayerFactory, maxPool, relu, sequence } from './layers.js';

/** Builds a stem (module path `prefix`) taking wIn channels to wOut. */
export type StemBuilder = (f: LayerFactory, prefix: string, wIn: number, wOut: number) => Forward;
/** Builds one block (module path `prefix`, e.g. "s2.b1") from its spec. */
export type BlockBuilder = (f: LayerFactory, prefix: string, block: BlockSpec) => Forward;

/** conv (k, stride) + BN + ReLU, then an optional 3x3 stride-2 max-pool: the three pycls stems. */
function stem(k: number, stride: number, pool: boolean): StemBuilder {
  return (f, p, wIn, wOut) => {
    const pieces = [f.conv(`${p}.conv`, wIn, wOut, k, { stride }), f.bn(`${p}.bn`, wOut), relu];
    if (pool) pieces.push(maxPool(3, 2));
    return sequence(...pieces);
  };
}

export const STEM_BUILDERS: Record<StemType, StemBuilder> = {
  simple_stem_in: stem(3, 2, false),
  res_stem_in: stem(7, 2, true),
  res_stem_cifar: stem(3, 1, false),
};

function basicTransform(f: LayerFactory, p: string, b: BlockSpec): Forward {
  return sequence(
    f.conv(`${p}.a`, b.w_in, b.w_out, 3, { stride: b.stride }),
    f.bn(`${p}.a_bn`, b.w_out),
    relu,
    f.conv(`${p}.b`, b.w_out, b.w_out, 3),
    f.bn(`${p}.b_bn`, b.w_out, true),
  );
}

function bottleneckTransform(f: LayerFactory, p: string, b: BlockSpec): Forward {
  const wB = bottleneckWidth(b);
  const wSe = seWidth(b);
  const pieces = [
    f.conv(`${p}.a`, b.w_in, wB, 1),
    f.bn(`${p}.a_bn`, wB),
    relu,
    f.conv(`${p}.b`, wB, wB, 3, { stride: b.stride, groups: bottleneckGroups(b) }),
    f.bn(`${p}.b_bn`, wB),
    relu,
  ];
  if (wSe) pieces.push(f.se(`${p}.se`, wB, wSe));
  pieces.push(f.conv(`${p}.c`, wB, b.w_out, 1), f.bn(`${p}.c_bn`, b.w_out, true));
  return sequence(...pieces);
}

/** relu(shortcut(x) + f(x)); the shortcut is a 1x1 conv + BN projection when width or resolution changes. */
function residual(transform: BlockBuilder): BlockBuilder {
  return (f, p, b) => {
    const proj = hasProjection(b) ? sequence(f.conv(`${p}.proj`, b.w_in, b.w_out, 1, { stride: b.stride }), f.bn(`${p}.bn`, b.w_out)) : null;
    const branch = transform(f, `${p}.f`, b);
    return (x, training) => tf.relu(tf.add(proj ? proj(x, training) : x, branch(x, training))) as tf.Tensor4D;
  };
}

export const BLOCK_BUILDERS: Record<string, BlockBuilder> = {
  vanilla_block: (f, p, b) =>
    sequence(
      f.conv(`${p}.a`, b.w_in, b.w_out, 3, { stride: b.stride }),
      f.bn(`${p}.a_bn`, b.w_out),
      relu,
      f.conv(`${p}.b`, b.w_out, b.w_out, 3),
      f.bn(`${p}.b_bn`, b.w_out),
      relu,
    ),
  res_basic_block: residual(basicTransform),
  res_bottleneck_block: residual(bottleneckTransform),
};

/** pycls AnyHead: optional 1x1 conv + BN + ReLU (head_w > 0), global average pool, FC with bias. */
export function buildHead(f: LayerFactory, wIn: number, head: HeadSpec): (x: tf.Tensor4D, training: boolean) => tf.Tensor2D {
  const conv = head.head_w > 0 ? sequence(f.conv('head.conv', wIn, head.head_w, 1), f.bn('head.bn', head.head_w), relu) : null;
  const fc = f.linear('head.fc', head.head_w > 0 ? head.head_w : wIn, head.num_classes);
  return (x, training) => fc(tf.mean(conv ? conv(x, training) : x, [1, 2]) as tf.Tensor2D);
}
