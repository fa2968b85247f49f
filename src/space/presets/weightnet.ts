/**
 * WeightNet on ShuffleNetV2 (megvii-model/WeightNet @669b5f4, shufflenet_v2.py with weightnet.py,
 * M = 2, G = 2; MegEngine, transcribed): megvii's ShuffleNetV2 with every conv of its units generated
 * per sample, its own stage widths, biased stem and last conv.
 */
import { type PresetInput, SpecAssembler, definePreset } from './registry.js';

/** stage_out_channels [stem, stage 2, 3, 4, conv_last] per model size. */
const WIDTHS = {
  '0.5': [24, 48, 96, 192, 1024],
  '1.0': [24, 112, 224, 448, 1024],
  '1.5': [24, 176, 352, 704, 1024],
  '2.0': [24, 248, 496, 992, 1024],
} as const;

function weightnetShufflenetV2(widths: readonly number[], dropout: number, input: PresetInput) {
  const [stem, s2, s3, s4, last] = widths;
  const a = new SpecAssembler();
  a.add('first_conv', 'conv_stem', { w_out: stem, bias: true, pool: 'max' });
  [s2, s3, s4].forEach((w, i) => {
    for (let j = 0; j < [4, 8, 4][i]; j++) a.add(`features.${i}.${j}`, 'weightnet_shufflenet_v2_unit', { w_out: w, stride: j === 0 ? 2 : 1 }, `stage${i + 2}`);
  });
  a.add('head', 'conv_head', { num_classes: input.classes, head_w: last, act: 'relu', conv_bias: true, dropout });
  return a.spec(input);
}

for (const [size, widths] of Object.entries(WIDTHS)) {
  definePreset({
    name: `weightnet_shufflenetv2_x${size.replace('.', '_')}`,
    family: 'weightnet',
    source: `megvii-model/WeightNet @669b5f4 shufflenet_v2.py ShuffleNetV2(model_size='${size}x') with WeightNet M=2 G=2 (MegEngine, transcribed one to one to PyTorch for counting)`,
    resolution: 224,
    build: (input) => weightnetShufflenetV2(widths, size === '2.0' ? 0.2 : 0, input),
  });
}
