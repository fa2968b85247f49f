/**
 * ParNet (imankgoyal/NonDeepNetworks @777b286, SimpNet with the released ParNet-S/M/L/XL yaml
 * configs): streams at 1/8, 1/16 and 1/32 of the input, each fed by a chain of strided blocks and fused
 * in turn, as a graph. Generalized to 2-4 streams for the design space; at three streams with the
 * released widths it is the reference, in the training form or (fused) the deploy form.
 */
import { SpecError } from '../graph.js';
import { P } from '../params.js';
import { CIFAR, type PresetInput, SpecAssembler, defineFamily, definePreset } from './registry.js';

const SRC = 'imankgoyal/NonDeepNetworks @777b286 simplenet_impl/simpnet.py SimpNet';

interface ParnetOptions {
  /** Width of each stream, then the last block's (planes). */
  widths: readonly number[];
  lastW: number;
  /** Blocks in each stream. */
  depths: readonly number[];
  act?: string;
  fused?: boolean;
  dropout?: number;
  cifar?: boolean;
}

/**
 * SimpNet.forward: inits chained (two strided blocks to the first stream's width, then one per later
 * stream), one stream of blocks on each, the first stream downsampled, each later one fused with the
 * running result (strided, but the last), and a final strided block to lastW.
 */
function parnet(o: ParnetOptions, input: PresetInput) {
  const a = new SpecAssembler();
  const n = o.widths.length;
  const common = { act: o.act, fused: o.fused };
  const s0 = o.cifar ? 1 : 2;
  a.add('inits.0.0', 'parnet_block', { w_out: Math.min(64, o.widths[0]), stride: s0, ...common }, 'inits');
  a.add('inits.0.1', 'parnet_block', { w_out: o.widths[0], stride: s0, ...common }, 'inits');
  for (let i = 1; i < n; i++) a.add(`inits.${i}`, 'parnet_block', { w_out: o.widths[i], stride: 2, ...common }, 'inits');
  const streamOut: string[] = [];
  for (let i = 0; i < n; i++) {
    let prev = i === 0 ? 'inits.0.1' : `inits.${i}`;
    for (let j = 0; j < o.depths[i]; j++) {
      const id = `streams.${i}.${j}`;
      a.add(id, 'parnet_block', { w_out: o.widths[i], ...common }, `stream${i + 1}`, [prev]);
      prev = id;
    }
    streamOut.push(prev);
  }
  a.add('downsamples_2.0', 'parnet_block', { w_out: o.widths[1], stride: 2, ...common }, 'fusion', [streamOut[0]]);
  let fused = 'downsamples_2.0';
  for (let i = 1; i < n; i++) {
    const last = i === n - 1;
    const id = last ? 'combine.2' : `downsamples_2.${i}`;
    a.add(id, 'parnet_fusion', { w_out: o.widths[last ? i : i + 1], stride: last ? 1 : 2, ...common }, 'fusion', [streamOut[i], fused]);
    fused = id;
  }
  a.add('combine.3', 'parnet_block', { w_out: o.lastW, stride: 2, ...common }, 'fusion');
  a.add('head', 'conv_head', { num_classes: input.classes, head_w: 0, dropout: o.dropout ?? 0 });
  return a.spec(input);
}

const SIZES = {
  s: { planes: [92, 192, 384, 1280], dropout: 0 },
  m: { planes: [128, 256, 512, 2048], dropout: 0 },
  l: { planes: [160, 320, 640, 2560], dropout: 0.1 },
  xl: { planes: [200, 400, 800, 3200], dropout: 0.1 },
} as const;
const RELEASED_DEPTHS = [4, 5, 5];

for (const [size, { planes, dropout }] of Object.entries(SIZES)) {
  const spec = (input: PresetInput, fused: boolean) => parnet({ widths: planes.slice(0, 3), lastW: planes[3], depths: RELEASED_DEPTHS, fused, dropout }, input);
  const source = `${SRC} (model_cfg ParNet-${size.toUpperCase()}: planes [${planes.join(', ')}], num_blocks [5, 6, 6, 1], ReLU as the released configs build it`;
  definePreset({ name: `parnet_${size}`, family: 'parnet', source: `${source}; training form)`, resolution: 224, build: (input) => spec(input, false) });
  definePreset({ name: `parnet_${size}_fused`, family: 'parnet', source: `${source}; deploy form, validate.py --fuse)`, resolution: 224, build: (input) => spec(input, true) });
}

defineFamily({
  name: 'parnet',
  doc: 'ParNet: 2-4 parallel streams, per stream (4 at most; the first `streams` are used) its width and number of blocks, the last width, the activation, and the training or deploy form',
  source: SRC,
  params: {
    streams: P.int({ default: 3, min: 2, max: 4, doc: 'number of streams' }),
    width: P.int({ default: 96, min: 8, max: 2048, doc: 'width of a stream (ParNet-S: 92, 192, 384)' }),
    depth: P.int({ default: 5, min: 1, max: 16, doc: 'blocks in a stream (ParNet: 4, 5, 5)' }),
    last_w: P.int({ default: 1280, min: 8, max: 4096, doc: 'width of the last block' }),
    act: P.enum(['relu', 'silu'], { default: 'relu', doc: 'activation' }),
    fused: P.bool({ default: false, doc: 'the deploy form' }),
    dropout: P.float({ default: 0, min: 0, max: 0.9, doc: 'dropout before the classifier' }),
    stream_blocks: P.int({ min: 2, max: 64, optional: true, doc: 'a fixed total of blocks over the streams (ParNet: 14): candidates with another total make no network and are rejected' }),
    cifar: CIFAR,
  },
  units: { count: 4, params: ['width', 'depth'] },
  build(v, input) {
    const n = v.streams as number;
    const widths = ((v.width as number[] | undefined) ?? [...SIZES.s.planes.slice(0, 3), 768]).slice(0, n);
    const depths = ((v.depth as number[] | undefined) ?? [...RELEASED_DEPTHS, 5]).slice(0, n);
    const total = depths.reduce((a, b) => a + b, 0);
    if (v.stream_blocks !== undefined && total !== v.stream_blocks) throw new SpecError('stream_blocks', `the streams have ${total} blocks, not ${v.stream_blocks}`);
    return parnet({ widths, depths, lastW: v.last_w as number, act: v.act as string, fused: v.fused as boolean, dropout: v.dropout as number, cifar: v.cifar as boolean }, input);
  },
});
