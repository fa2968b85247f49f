/**
 * mobile-vision's FBNet architecture definitions, transcribed from
 * facebookresearch/mobile-vision @bb8465c mobile_cv/arch/fbnet_v2/fbnet_modeldef_cls_fbnet.py,
 * fbnet_modeldef_cls_fbnetv2.py and fbnet_modeldef_cls_fbnetv3.py (MODEL_ARCH entries), one block per line:
 * [op, channels, stride, repeats, options] with each entry's option dicts merged in order, as the
 * builder merges them. mobilevision.ts builds them by mobile-vision's own rules.
 */

export type MvOptions = { expansion?: number; bias?: boolean; less_se_channels?: boolean; zero_last_bn_gamma?: boolean; pwl_groups?: number; dw_args?: { padding: [number, number] } };
export type MvBlock = [op: string, channels: number, stride: number, repeats: number, options: MvOptions];
export interface MvArch {
  input_size: number;
  /** basic_args.width_divisor (1 when the def has no basic_args). */
  width_divisor: number;
  stages: MvBlock[][];
}

export const MV_ARCHS: Record<string, MvArch> = {
  fbnet_a: {
    input_size: 224,
    width_divisor: 1,
    stages: [
      [
        ['conv_k3', 16, 2, 1, {}],
      ],
      [
        ['skip', 16, 1, 1, {}],
      ],
      [
        ['ir_k3', 24, 2, 1, {expansion: 3, bias: true}],
        ['ir_k3', 24, 1, 1, {expansion: 1, bias: true}],
        ['skip', 24, 1, 1, {bias: true}],
        ['skip', 24, 1, 1, {bias: true}],
      ],
      [
        ['ir_k5', 32, 2, 1, {expansion: 6, bias: true}],
        ['ir_k3', 32, 1, 1, {expansion: 3, bias: true}],
        ['ir_k5', 32, 1, 1, {expansion: 1, bias: true}],
        ['ir_k3', 32, 1, 1, {expansion: 3, bias: true}],
      ],
      [
        ['ir_k5', 64, 2, 1, {expansion: 6, bias: true}],
        ['ir_k5', 64, 1, 1, {expansion: 3, bias: true}],
        ['ir_k5_g2', 64, 1, 1, {expansion: 1, bias: true, pwl_groups: 2}],
        ['ir_k5', 64, 1, 1, {expansion: 6, bias: true}],
        ['ir_k3', 112, 1, 1, {expansion: 6, bias: true}],
        ['ir_k5_g2', 112, 1, 1, {expansion: 1, bias: true, pwl_groups: 2}],
        ['ir_k5', 112, 1, 1, {expansion: 3, bias: true}],
        ['ir_k3_g2', 112, 1, 1, {expansion: 1, bias: true, pwl_groups: 2}],
      ],
      [
        ['ir_k5', 184, 2, 1, {expansion: 6, bias: true}],
        ['ir_k5', 184, 1, 1, {expansion: 6, bias: true}],
        ['ir_k5', 184, 1, 1, {expansion: 3, bias: true}],
        ['ir_k5', 184, 1, 1, {expansion: 6, bias: true}],
        ['ir_k5', 352, 1, 1, {expansion: 6, bias: true}],
      ],
      [
        ['conv_k1', 1504, 1, 1, {}],
      ],
    ],
  },
  fbnet_b: {
    input_size: 224,
    width_divisor: 1,
    stages: [
      [
        ['conv_k3', 16, 2, 1, {}],
      ],
      [
        ['ir_k3', 16, 1, 1, {expansion: 1, bias: true}],
      ],
      [
        ['ir_k3', 24, 2, 1, {expansion: 6, bias: true}],
        ['ir_k5', 24, 1, 1, {expansion: 1, bias: true}],
        ['ir_k3', 24, 1, 1, {expansion: 1, bias: true}],
        ['ir_k3', 24, 1, 1, {expansion: 1, bias: true}],
      ],
      [
        ['ir_k5', 32, 2, 1, {expansion: 6, bias: true}],
        ['ir_k5', 32, 1, 1, {expansion: 3, bias: true}],
        ['ir_k3', 32, 1, 1, {expansion: 6, bias: true}],
        ['ir_k5', 32, 1, 1, {expansion: 6, bias: true}],
      ],
      [
        ['ir_k5', 64, 2, 1, {expansion: 6, bias: true}],
        ['ir_k5', 64, 1, 1, {expansion: 6, bias: true}],
        ['skip', 64, 1, 1, {}],
        ['ir_k5', 64, 1, 1, {expansion: 3, bias: true}],
        ['ir_k5', 112, 1, 1, {expansion: 6, bias: true}],
        ['ir_k3', 112, 1, 1, {expansion: 1, bias: true}],
        ['ir_k5', 112, 1, 1, {expansion: 1, bias: true}],
        ['ir_k5', 112, 1, 1, {expansion: 3, bias: true}],
      ],
      [
        ['ir_k5', 184, 2, 1, {expansion: 6, bias: true}],
        ['ir_k5', 184, 1, 1, {expansion: 1, bias: true}],
        ['ir_k5', 184, 1, 1, {expansion: 6, bias: true}],
        ['ir_k5', 184, 1, 1, {expansion: 6, bias: true}],
        ['ir_k3', 352, 1, 1, {expansion: 6, bias: true}],
      ],
      [
        ['conv_k1', 1984, 1, 1, {}],
      ],
    ],
  },
  fbnet_c: {
    input_size: 224,
    width_divisor: 1,
    stages: [
      [
        ['conv_k3', 16, 2, 1, {}],
      ],
      [
        ['ir_k3', 16, 1, 1, {expansion: 1, bias: true}],
      ],
      [
        ['ir_k3', 24, 2, 1, {expansion: 6, bias: true}],
        ['skip', 24, 1, 1, {expansion: 1, bias: true}],
        ['ir_k3', 24, 1, 1, {expansion: 1, bias: true}],
        ['ir_k3', 24, 1, 1, {expansion: 1, bias: true}],
      ],
      [
        ['ir_k5', 32, 2, 1, {expansion: 6, bias: true}],
        ['ir_k5', 32, 1, 1, {expansion: 3, bias: true}],
        ['ir_k5', 32, 1, 1, {expansion: 6, bias: true}],
        ['ir_k3', 32, 1, 1, {expansion: 6, bias: true}],
      ],
      [
        ['ir_k5', 64, 2, 1, {expansion: 6, bias: true}],
        ['ir_k5', 64, 1, 1, {expansion: 3, bias: true}],
        ['ir_k5', 64, 1, 1, {expansion: 6, bias: true}],
        ['ir_k5', 64, 1, 1, {expansion: 6, bias: true}],
        ['ir_k5', 112, 1, 1, {expansion: 6, bias: true}],
        ['ir_k5', 112, 1, 1, {expansion: 6, bias: true}],
        ['ir_k5', 112, 1, 1, {expansion: 6, bias: true}],
        ['ir_k5', 112, 1, 1, {expansion: 3, bias: true}],
      ],
      [
        ['ir_k5', 184, 2, 1, {expansion: 6, bias: true}],
        ['ir_k5', 184, 1, 1, {expansion: 6, bias: true}],
        ['ir_k5', 184, 1, 1, {expansion: 6, bias: true}],
        ['ir_k5', 184, 1, 1, {expansion: 6, bias: true}],
        ['ir_k3', 352, 1, 1, {expansion: 6, bias: true}],
      ],
      [
        ['conv_k1', 1984, 1, 1, {}],
      ],
    ],
  },
  FBNetV2_F0: {
    input_size: 224,
    width_divisor: 8,
    stages: [
      [
        ['conv_k3_hs', 8, 2, 1, {}],
      ],
      [
        ['ir_k5_hs', 8, 1, 1, {expansion: 1, less_se_channels: false, zero_last_bn_gamma: true}],
      ],
      [
        ['ir_k5_hs', 16, 2, 1, {expansion: 4, less_se_channels: false, zero_last_bn_gamma: true}],
        ['ir_k5_hs', 16, 1, 1, {expansion: 3, less_se_channels: false, zero_last_bn_gamma: true}],
      ],
      [
        ['ir_k5_sehsig', 24, 2, 1, {expansion: 4, less_se_channels: false, zero_last_bn_gamma: true}],
        ['ir_k5_sehsig', 24, 1, 1, {expansion: 3, less_se_channels: false, zero_last_bn_gamma: true}],
      ],
      [
        ['ir_k5_sehsig_hs', 48, 2, 1, {expansion: 4, less_se_channels: false, zero_last_bn_gamma: true}],
        ['ir_k3_sehsig_hs', 48, 1, 1, {expansion: 3, less_se_channels: false, zero_last_bn_gamma: true}],
        ['ir_k5_sehsig_hs', 64, 1, 1, {expansion: 3, less_se_channels: false, zero_last_bn_gamma: true}],
        ['ir_k5_sehsig_hs', 64, 1, 1, {expansion: 2, less_se_channels: false, zero_last_bn_gamma: true}],
      ],
      [
        ['ir_k3_sehsig_hs', 128, 2, 1, {expansion: 3, less_se_channels: false, zero_last_bn_gamma: true}],
        ['ir_k5_sehsig_hs', 160, 1, 1, {expansion: 3, less_se_channels: false, zero_last_bn_gamma: true}],
        ['skip', 192, 1, 1, {expansion: 4, less_se_channels: false, zero_last_bn_gamma: true}],
      ],
      [
        ['ir_pool_hs', 1280, 1, 1, {expansion: 4}],
      ],
    ],
  },
  FBNetV2_F1: {
    input_size: 128,
    width_divisor: 8,
    stages: [
      [
        ['conv_k3_hs', 8, 2, 1, {}],
      ],
      [
        ['ir_k5', 8, 1, 1, {expansion: 1, less_se_channels: false, zero_last_bn_gamma: true}],
      ],
      [
        ['ir_k5', 24, 2, 1, {expansion: 5.4566, less_se_channels: false, zero_last_bn_gamma: true}],
        ['ir_k5', 24, 1, 1, {expansion: 4.7912, less_se_channels: false, zero_last_bn_gamma: true}],
      ],
      [
        ['ir_k5_sehsig', 32, 2, 1, {expansion: 5.3501, less_se_channels: false, zero_last_bn_gamma: true}],
        ['ir_k5_sehsig', 24, 1, 1, {expansion: 4.5379, less_se_channels: false, zero_last_bn_gamma: true}],
      ],
      [
        ['ir_k5_hs', 56, 2, 1, {expansion: 5.7133, less_se_channels: false, zero_last_bn_gamma: true}],
        ['ir_k3_hs', 56, 1, 1, {expansion: 4.1212, less_se_channels: false, zero_last_bn_gamma: true}],
        ['ir_k3_sehsig_hs', 56, 1, 1, {expansion: 5.1246, less_se_channels: false, zero_last_bn_gamma: true}],
        ['skip', 80, 1, 1, {expansion: 5.0333, less_se_channels: false, zero_last_bn_gamma: true}],
        ['ir_k5_sehsig_hs', 80, 1, 1, {expansion: 4.507, less_se_channels: false, zero_last_bn_gamma: true}],
        ['ir_k5_sehsig_hs', 80, 1, 1, {expansion: 1.7712, less_se_channels: false, zero_last_bn_gamma: true}],
      ],
      [
        ['ir_k3_sehsig_hs', 144, 2, 1, {expansion: 4.5685, less_se_channels: false, zero_last_bn_gamma: true}],
        ['ir_k5_sehsig_hs', 144, 1, 1, {expansion: 5.84, less_se_channels: false, zero_last_bn_gamma: true}],
        ['ir_k5_sehsig_hs', 144, 1, 1, {expansion: 6.8754, less_se_channels: false, zero_last_bn_gamma: true}],
        ['skip', 224, 1, 1, {expansion: 6.5245, less_se_channels: false, zero_last_bn_gamma: true}],
      ],
      [
        ['ir_pool_hs', 1600, 1, 1, {expansion: 6}],
      ],
    ],
  },
  FBNetV2_F2: {
    input_size: 160,
    width_divisor: 8,
    stages: [
      [
        ['conv_k3_hs', 8, 2, 1, {}],
      ],
      [
        ['ir_k5', 8, 1, 1, {expansion: 1, less_se_channels: false, zero_last_bn_gamma: true}],
      ],
      [
        ['ir_k5', 24, 2, 1, {expansion: 5.4566, less_se_channels: false, zero_last_bn_gamma: true}],
        ['ir_k5', 24, 1, 1, {expansion: 4.7912, less_se_channels: false, zero_last_bn_gamma: true}],
      ],
      [
        ['ir_k5_sehsig', 32, 2, 1, {expansion: 5.3501, less_se_channels: false, zero_last_bn_gamma: true}],
        ['ir_k5_sehsig', 24, 1, 1, {expansion: 4.5379, less_se_channels: false, zero_last_bn_gamma: true}],
      ],
      [
        ['ir_k5_hs', 56, 2, 1, {expansion: 5.7133, less_se_channels: false, zero_last_bn_gamma: true}],
        ['ir_k3_hs', 56, 1, 1, {expansion: 4.1212, less_se_channels: false, zero_last_bn_gamma: true}],
        ['ir_k3_sehsig_hs', 56, 1, 1, {expansion: 5.1246, less_se_channels: false, zero_last_bn_gamma: true}],
        ['skip', 80, 1, 1, {expansion: 5.0333, less_se_channels: false, zero_last_bn_gamma: true}],
        ['ir_k5_sehsig_hs', 80, 1, 1, {expansion: 4.507, less_se_channels: false, zero_last_bn_gamma: true}],
        ['ir_k5_sehsig_hs', 80, 1, 1, {expansion: 1.7712, less_se_channels: false, zero_last_bn_gamma: true}],
      ],
      [
        ['ir_k3_sehsig_hs', 144, 2, 1, {expansion: 4.5685, less_se_channels: false, zero_last_bn_gamma: true}],
        ['ir_k5_sehsig_hs', 144, 1, 1, {expansion: 5.84, less_se_channels: false, zero_last_bn_gamma: true}],
        ['ir_k5_sehsig_hs', 144, 1, 1, {expansion: 6.8754, less_se_channels: false, zero_last_bn_gamma: true}],
        ['skip', 224, 1, 1, {expansion: 6.5245, less_se_channels: false, zero_last_bn_gamma: true}],
      ],
      [
        ['ir_pool_hs', 1600, 1, 1, {expansion: 6}],
      ],
    ],
  },
  FBNetV2_F3: {
    input_size: 192,
    width_divisor: 8,
    stages: [
      [
        ['conv_k3_hs', 8, 2, 1, {}],
      ],
      [
        ['ir_k5', 8, 1, 1, {expansion: 1, less_se_channels: false, zero_last_bn_gamma: true}],
      ],
      [
        ['ir_k5', 24, 2, 1, {expansion: 5.4566, less_se_channels: false, zero_last_bn_gamma: true}],
        ['ir_k5', 24, 1, 1, {expansion: 4.7912, less_se_channels: false, zero_last_bn_gamma: true}],
      ],
      [
        ['ir_k5_sehsig', 32, 2, 1, {expansion: 5.3501, less_se_channels: false, zero_last_bn_gamma: true}],
        ['ir_k5_sehsig', 24, 1, 1, {expansion: 4.5379, less_se_channels: false, zero_last_bn_gamma: true}],
      ],
      [
        ['ir_k5_hs', 56, 2, 1, {expansion: 5.7133, less_se_channels: false, zero_last_bn_gamma: true}],
        ['ir_k3_hs', 56, 1, 1, {expansion: 4.1212, less_se_channels: false, zero_last_bn_gamma: true}],
        ['ir_k3_sehsig_hs', 56, 1, 1, {expansion: 5.1246, less_se_channels: false, zero_last_bn_gamma: true}],
        ['skip', 80, 1, 1, {expansion: 5.0333, less_se_channels: false, zero_last_bn_gamma: true}],
        ['ir_k5_sehsig_hs', 80, 1, 1, {expansion: 4.507, less_se_channels: false, zero_last_bn_gamma: true}],
        ['ir_k5_sehsig_hs', 80, 1, 1, {expansion: 1.7712, less_se_channels: false, zero_last_bn_gamma: true}],
      ],
      [
        ['ir_k3_sehsig_hs', 144, 2, 1, {expansion: 4.5685, less_se_channels: false, zero_last_bn_gamma: true}],
        ['ir_k5_sehsig_hs', 144, 1, 1, {expansion: 5.84, less_se_channels: false, zero_last_bn_gamma: true}],
        ['ir_k5_sehsig_hs', 144, 1, 1, {expansion: 6.8754, less_se_channels: false, zero_last_bn_gamma: true}],
        ['skip', 224, 1, 1, {expansion: 6.5245, less_se_channels: false, zero_last_bn_gamma: true}],
      ],
      [
        ['ir_pool_hs', 1984, 1, 1, {expansion: 6}],
      ],
    ],
  },
  FBNetV2_F4: {
    input_size: 224,
    width_divisor: 8,
    stages: [
      [
        ['conv_k3_hs', 16, 2, 1, {}],
      ],
      [
        ['ir_k3_hs', 16, 1, 1, {expansion: 1, less_se_channels: false, zero_last_bn_gamma: true}],
      ],
      [
        ['ir_k5_hs', 24, 2, 1, {expansion: 5.4566, less_se_channels: false, zero_last_bn_gamma: true}],
        ['ir_k5_hs', 24, 1, 1, {expansion: 1.7912, less_se_channels: false, zero_last_bn_gamma: true}],
        ['ir_k5_hs', 24, 1, 1, {expansion: 1.7912, less_se_channels: false, zero_last_bn_gamma: true}],
      ],
      [
        ['ir_k5_sehsig', 32, 2, 1, {expansion: 5.3501, less_se_channels: false, zero_last_bn_gamma: true}],
        ['ir_k5_sehsig', 32, 1, 1, {expansion: 3.5379, less_se_channels: false, zero_last_bn_gamma: true}],
        ['ir_k5_sehsig', 32, 1, 1, {expansion: 4.5379, less_se_channels: false, zero_last_bn_gamma: true}],
        ['ir_k5_sehsig', 32, 1, 1, {expansion: 4.5379, less_se_channels: false, zero_last_bn_gamma: true}],
      ],
      [
        ['ir_k5_hs', 64, 2, 1, {expansion: 5.7133, less_se_channels: false, zero_last_bn_gamma: true}],
        ['ir_k3_hs', 64, 1, 1, {expansion: 2.1212, less_se_channels: false, zero_last_bn_gamma: true}],
        ['skip', 64, 1, 1, {expansion: 3.1246, less_se_channels: false, zero_last_bn_gamma: true}],
        ['ir_k3_hs', 104, 1, 1, {expansion: 5.0333, less_se_channels: false, zero_last_bn_gamma: true}],
        ['ir_k5_sehsig_hs', 104, 1, 1, {expansion: 2.507, less_se_channels: false, zero_last_bn_gamma: true}],
        ['ir_k5_sehsig_hs', 104, 1, 1, {expansion: 1.7712, less_se_channels: false, zero_last_bn_gamma: true}],
        ['ir_k5_sehsig_hs', 112, 1, 1, {expansion: 3.7712, less_se_channels: false, zero_last_bn_gamma: true}],
      ],
      [
        ['ir_k3_sehsig_hs', 184, 2, 1, {expansion: 5.5685, less_se_channels: false, zero_last_bn_gamma: true}],
        ['ir_k5_sehsig_hs', 184, 1, 1, {expansion: 2.84, less_se_channels: false, zero_last_bn_gamma: true}],
        ['ir_k5_sehsig_hs', 184, 1, 1, {expansion: 4.8754, less_se_channels: false, zero_last_bn_gamma: true}],
        ['skip', 224, 1, 1, {expansion: 6.5245, less_se_channels: false, zero_last_bn_gamma: true}],
      ],
      [
        ['ir_pool_hs', 1984, 1, 1, {expansion: 6}],
      ],
    ],
  },
  FBNetV2_L1: {
    input_size: 224,
    width_divisor: 8,
    stages: [
      [
        ['conv_k3_hs', 16, 2, 1, {}],
      ],
      [
        ['ir_k3_hs', 16, 1, 1, {expansion: 1, less_se_channels: false, zero_last_bn_gamma: true}],
      ],
      [
        ['ir_k5_hs', 24, 2, 1, {expansion: 5.4566, less_se_channels: false, zero_last_bn_gamma: true}],
        ['ir_k5_hs', 24, 1, 1, {expansion: 1.7912, less_se_channels: false, zero_last_bn_gamma: true}],
        ['ir_k3_hs', 24, 1, 1, {expansion: 1.7912, less_se_channels: false, zero_last_bn_gamma: true}],
        ['ir_k5_hs', 24, 1, 1, {expansion: 1.7912, less_se_channels: false, zero_last_bn_gamma: true}],
      ],
      [
        ['ir_k5_sehsig_hs', 40, 2, 1, {expansion: 5.3501, less_se_channels: false, zero_last_bn_gamma: true}],
        ['ir_k5_sehsig_hs', 32, 1, 1, {expansion: 3.5379, less_se_channels: false, zero_last_bn_gamma: true}],
        ['ir_k5_sehsig_hs', 32, 1, 1, {expansion: 4.5379, less_se_channels: false, zero_last_bn_gamma: true}],
        ['ir_k5_sehsig_hs', 32, 1, 1, {expansion: 4.5379, less_se_channels: false, zero_last_bn_gamma: true}],
      ],
      [
        ['ir_k5_hs', 64, 2, 1, {expansion: 5.7133, less_se_channels: false, zero_last_bn_gamma: true}],
        ['ir_k3_hs', 64, 1, 1, {expansion: 2.1212, less_se_channels: false, zero_last_bn_gamma: true}],
        ['skip', 64, 1, 1, {expansion: 3.1246, less_se_channels: false, zero_last_bn_gamma: true}],
        ['ir_k3_hs', 64, 1, 1, {expansion: 3.1246, less_se_channels: false, zero_last_bn_gamma: true}],
        ['ir_k3_hs', 112, 1, 1, {expansion: 5.0333, less_se_channels: false, zero_last_bn_gamma: true}],
        ['ir_k5_sehsig_hs', 112, 1, 1, {expansion: 2.507, less_se_channels: false, zero_last_bn_gamma: true}],
        ['ir_k5_sehsig_hs', 112, 1, 1, {expansion: 1.7712, less_se_channels: false, zero_last_bn_gamma: true}],
        ['ir_k5_sehsig_hs', 112, 1, 1, {expansion: 2.7712, less_se_channels: false, zero_last_bn_gamma: true}],
        ['ir_k5_sehsig_hs', 112, 1, 1, {expansion: 3.7712, less_se_channels: false, zero_last_bn_gamma: true}],
        ['ir_k5_sehsig_hs', 112, 1, 1, {expansion: 3.7712, less_se_channels: false, zero_last_bn_gamma: true}],
      ],
      [
        ['ir_k3_sehsig_hs', 184, 2, 1, {expansion: 5.5685, less_se_channels: false, zero_last_bn_gamma: true}],
        ['ir_k5_sehsig_hs', 184, 1, 1, {expansion: 2.84, less_se_channels: false, zero_last_bn_gamma: true}],
        ['ir_k5_sehsig_hs', 184, 1, 1, {expansion: 2.84, less_se_channels: false, zero_last_bn_gamma: true}],
        ['ir_k5_sehsig_hs', 184, 1, 1, {expansion: 4.8754, less_se_channels: false, zero_last_bn_gamma: true}],
        ['ir_k5_sehsig_hs', 184, 1, 1, {expansion: 4.8754, less_se_channels: false, zero_last_bn_gamma: true}],
        ['skip', 224, 1, 1, {expansion: 6.5245, less_se_channels: false, zero_last_bn_gamma: true}],
      ],
      [
        ['ir_pool_hs', 1984, 1, 1, {expansion: 6}],
      ],
    ],
  },
  FBNetV2_L2: {
    input_size: 256,
    width_divisor: 8,
    stages: [
      [
        ['conv_k3_hs', 16, 2, 1, {}],
      ],
      [
        ['ir_k3_hs', 16, 1, 1, {expansion: 1, less_se_channels: false, zero_last_bn_gamma: true}],
      ],
      [
        ['ir_k5_hs', 24, 2, 1, {expansion: 5.4566, less_se_channels: false, zero_last_bn_gamma: true}],
        ['ir_k5_hs', 24, 1, 1, {expansion: 1.7912, less_se_channels: false, zero_last_bn_gamma: true}],
        ['ir_k3_hs', 24, 1, 1, {expansion: 1.7912, less_se_channels: false, zero_last_bn_gamma: true}],
        ['ir_k5_hs', 24, 1, 1, {expansion: 1.7912, less_se_channels: false, zero_last_bn_gamma: true}],
      ],
      [
        ['ir_k5_sehsig_hs', 40, 2, 1, {expansion: 5.3501, less_se_channels: false, zero_last_bn_gamma: true}],
        ['ir_k5_sehsig_hs', 32, 1, 1, {expansion: 3.5379, less_se_channels: false, zero_last_bn_gamma: true}],
        ['ir_k5_sehsig_hs', 32, 1, 1, {expansion: 4.5379, less_se_channels: false, zero_last_bn_gamma: true}],
        ['ir_k5_sehsig_hs', 32, 1, 1, {expansion: 4.5379, less_se_channels: false, zero_last_bn_gamma: true}],
      ],
      [
        ['ir_k5_hs', 64, 2, 1, {expansion: 5.7133, less_se_channels: false, zero_last_bn_gamma: true}],
        ['ir_k3_hs', 64, 1, 1, {expansion: 2.1212, less_se_channels: false, zero_last_bn_gamma: true}],
        ['skip', 64, 1, 1, {expansion: 3.1246, less_se_channels: false, zero_last_bn_gamma: true}],
        ['ir_k3_hs', 64, 1, 1, {expansion: 3.1246, less_se_channels: false, zero_last_bn_gamma: true}],
        ['ir_k3_hs', 112, 1, 1, {expansion: 5.0333, less_se_channels: false, zero_last_bn_gamma: true}],
        ['ir_k5_sehsig_hs', 112, 1, 1, {expansion: 2.507, less_se_channels: false, zero_last_bn_gamma: true}],
        ['ir_k5_sehsig_hs', 112, 1, 1, {expansion: 1.7712, less_se_channels: false, zero_last_bn_gamma: true}],
        ['ir_k5_sehsig_hs', 112, 1, 1, {expansion: 2.7712, less_se_channels: false, zero_last_bn_gamma: true}],
        ['ir_k5_sehsig_hs', 112, 1, 1, {expansion: 3.7712, less_se_channels: false, zero_last_bn_gamma: true}],
        ['ir_k5_sehsig_hs', 112, 1, 1, {expansion: 3.7712, less_se_channels: false, zero_last_bn_gamma: true}],
      ],
      [
        ['ir_k3_sehsig_hs', 184, 2, 1, {expansion: 5.5685, less_se_channels: false, zero_last_bn_gamma: true}],
        ['ir_k5_sehsig_hs', 184, 1, 1, {expansion: 2.84, less_se_channels: false, zero_last_bn_gamma: true}],
        ['ir_k5_sehsig_hs', 184, 1, 1, {expansion: 2.84, less_se_channels: false, zero_last_bn_gamma: true}],
        ['ir_k5_sehsig_hs', 184, 1, 1, {expansion: 4.8754, less_se_channels: false, zero_last_bn_gamma: true}],
        ['ir_k5_sehsig_hs', 184, 1, 1, {expansion: 4.8754, less_se_channels: false, zero_last_bn_gamma: true}],
        ['skip', 224, 1, 1, {expansion: 6.5245, less_se_channels: false, zero_last_bn_gamma: true}],
      ],
      [
        ['ir_pool_hs', 1984, 1, 1, {expansion: 6}],
      ],
    ],
  },
  FBNetV3_A: {
    input_size: 224,
    width_divisor: 8,
    stages: [
      [
        ['conv_k3_hs', 16, 2, 1, {}],
      ],
      [
        ['ir_k3_hs', 16, 1, 2, {expansion: 1, less_se_channels: true, zero_last_bn_gamma: true}],
      ],
      [
        ['ir_k5_hs', 24, 2, 1, {expansion: 4, less_se_channels: true, zero_last_bn_gamma: true}],
        ['ir_k5_hs', 24, 1, 3, {expansion: 2, less_se_channels: true, zero_last_bn_gamma: true}],
      ],
      [
        ['ir_k5_sehsig_hs', 40, 2, 1, {expansion: 5, less_se_channels: true, zero_last_bn_gamma: true}],
        ['ir_k5_sehsig_hs', 40, 1, 4, {expansion: 3, less_se_channels: true, zero_last_bn_gamma: true}],
      ],
      [
        ['ir_k5_hs', 72, 2, 1, {expansion: 5, less_se_channels: true, zero_last_bn_gamma: true, dw_args: {padding: [1, 1]}}],
        ['ir_k3_hs', 72, 1, 4, {expansion: 3, less_se_channels: true, zero_last_bn_gamma: true}],
        ['ir_k3_sehsig_hs', 120, 1, 1, {expansion: 5, less_se_channels: true, zero_last_bn_gamma: true}],
        ['ir_k5_sehsig_hs', 120, 1, 5, {expansion: 3, less_se_channels: true, zero_last_bn_gamma: true}],
      ],
      [
        ['ir_k3_sehsig_hs', 184, 2, 1, {expansion: 6, less_se_channels: true, zero_last_bn_gamma: true, dw_args: {padding: [0, 0]}}],
        ['ir_k5_sehsig_hs', 184, 1, 5, {expansion: 4, less_se_channels: true, zero_last_bn_gamma: true}],
        ['ir_k5_sehsig_hs', 224, 1, 1, {expansion: 6, less_se_channels: true, zero_last_bn_gamma: true}],
      ],
      [
        ['ir_pool_hs', 1984, 1, 1, {expansion: 6}],
      ],
    ],
  },
  FBNetV3_B: {
    input_size: 248,
    width_divisor: 8,
    stages: [
      [
        ['conv_k3_hs', 16, 2, 1, {}],
      ],
      [
        ['ir_k3_hs', 16, 1, 2, {expansion: 1, less_se_channels: true, zero_last_bn_gamma: true}],
      ],
      [
        ['ir_k5_hs', 24, 2, 1, {expansion: 4, less_se_channels: true, zero_last_bn_gamma: true}],
        ['ir_k5_hs', 24, 1, 3, {expansion: 2, less_se_channels: true, zero_last_bn_gamma: true}],
      ],
      [
        ['ir_k5_sehsig_hs', 40, 2, 1, {expansion: 5, less_se_channels: true, zero_last_bn_gamma: true}],
        ['ir_k5_sehsig_hs', 40, 1, 4, {expansion: 3, less_se_channels: true, zero_last_bn_gamma: true}],
      ],
      [
        ['ir_k5_hs', 72, 2, 1, {expansion: 5, less_se_channels: true, zero_last_bn_gamma: true, dw_args: {padding: [1, 1]}}],
        ['ir_k3_hs', 72, 1, 4, {expansion: 3, less_se_channels: true, zero_last_bn_gamma: true}],
        ['ir_k3_sehsig_hs', 120, 1, 1, {expansion: 5, less_se_channels: true, zero_last_bn_gamma: true}],
        ['ir_k5_sehsig_hs', 120, 1, 5, {expansion: 3, less_se_channels: true, zero_last_bn_gamma: true}],
      ],
      [
        ['ir_k3_sehsig_hs', 184, 2, 1, {expansion: 6, less_se_channels: true, zero_last_bn_gamma: true, dw_args: {padding: [0, 0]}}],
        ['ir_k5_sehsig_hs', 184, 1, 5, {expansion: 4, less_se_channels: true, zero_last_bn_gamma: true}],
        ['ir_k5_sehsig_hs', 224, 1, 1, {expansion: 6, less_se_channels: true, zero_last_bn_gamma: true}],
      ],
      [
        ['ir_pool_hs', 1984, 1, 1, {expansion: 6}],
      ],
    ],
  },
  FBNetV3_C: {
    input_size: 248,
    width_divisor: 8,
    stages: [
      [
        ['conv_k3_hs', 16, 2, 1, {}],
      ],
      [
        ['ir_k3_hs', 16, 1, 2, {expansion: 1, less_se_channels: true, zero_last_bn_gamma: true}],
      ],
      [
        ['ir_k5_hs', 24, 2, 1, {expansion: 5, less_se_channels: true, zero_last_bn_gamma: true}],
        ['ir_k3_hs', 24, 1, 4, {expansion: 3, less_se_channels: true, zero_last_bn_gamma: true}],
      ],
      [
        ['ir_k5_sehsig_hs', 48, 2, 1, {expansion: 5, less_se_channels: true, zero_last_bn_gamma: true}],
        ['ir_k5_sehsig_hs', 48, 1, 4, {expansion: 2, less_se_channels: true, zero_last_bn_gamma: true}],
      ],
      [
        ['ir_k5_hs', 88, 2, 1, {expansion: 4, less_se_channels: true, zero_last_bn_gamma: true, dw_args: {padding: [1, 1]}}],
        ['ir_k3_hs', 88, 1, 4, {expansion: 3, less_se_channels: true, zero_last_bn_gamma: true}],
        ['ir_k3_sehsig_hs', 120, 1, 1, {expansion: 4, less_se_channels: true, zero_last_bn_gamma: true}],
        ['ir_k5_sehsig_hs', 120, 1, 5, {expansion: 3, less_se_channels: true, zero_last_bn_gamma: true}],
      ],
      [
        ['ir_k5_sehsig_hs', 216, 2, 1, {expansion: 5, less_se_channels: true, zero_last_bn_gamma: true, dw_args: {padding: [1, 1]}}],
        ['ir_k5_sehsig_hs', 216, 1, 5, {expansion: 5, less_se_channels: true, zero_last_bn_gamma: true}],
        ['ir_k5_sehsig_hs', 216, 1, 1, {expansion: 6, less_se_channels: true, zero_last_bn_gamma: true}],
      ],
      [
        ['ir_pool_hs', 1984, 1, 1, {expansion: 6.0}],
      ],
    ],
  },
  FBNetV3_D: {
    input_size: 248,
    width_divisor: 8,
    stages: [
      [
        ['conv_k3_hs', 24, 2, 1, {}],
      ],
      [
        ['ir_k3_hs', 16, 1, 2, {expansion: 1, less_se_channels: true, zero_last_bn_gamma: true}],
      ],
      [
        ['ir_k3_hs', 24, 2, 1, {expansion: 5, less_se_channels: true, zero_last_bn_gamma: true}],
        ['ir_k3_hs', 24, 1, 5, {expansion: 2, less_se_channels: true, zero_last_bn_gamma: true}],
      ],
      [
        ['ir_k5_sehsig_hs', 40, 2, 1, {expansion: 4, less_se_channels: true, zero_last_bn_gamma: true}],
        ['ir_k3_sehsig_hs', 40, 1, 4, {expansion: 3, less_se_channels: true, zero_last_bn_gamma: true}],
      ],
      [
        ['ir_k3_hs', 72, 2, 1, {expansion: 5, less_se_channels: true, zero_last_bn_gamma: true}],
        ['ir_k3_hs', 72, 1, 4, {expansion: 3, less_se_channels: true, zero_last_bn_gamma: true}],
        ['ir_k3_sehsig_hs', 128, 1, 1, {expansion: 5, less_se_channels: true, zero_last_bn_gamma: true}],
        ['ir_k5_sehsig_hs', 128, 1, 6, {expansion: 3, less_se_channels: true, zero_last_bn_gamma: true}],
      ],
      [
        ['ir_k3_sehsig_hs', 208, 2, 1, {expansion: 6, less_se_channels: true, zero_last_bn_gamma: true}],
        ['ir_k5_sehsig_hs', 208, 1, 5, {expansion: 5, less_se_channels: true, zero_last_bn_gamma: true}],
        ['ir_k5_sehsig_hs', 240, 1, 1, {expansion: 6, less_se_channels: true, zero_last_bn_gamma: true}],
      ],
      [
        ['ir_pool_hs', 1984, 1, 1, {expansion: 6.0}],
      ],
    ],
  },
  FBNetV3_E: {
    input_size: 264,
    width_divisor: 8,
    stages: [
      [
        ['conv_k3_hs', 24, 2, 1, {}],
      ],
      [
        ['ir_k3_hs', 16, 1, 3, {expansion: 1, less_se_channels: true, zero_last_bn_gamma: true}],
      ],
      [
        ['ir_k5_hs', 24, 2, 1, {expansion: 4, less_se_channels: true, zero_last_bn_gamma: true}],
        ['ir_k5_hs', 24, 1, 4, {expansion: 2, less_se_channels: true, zero_last_bn_gamma: true}],
      ],
      [
        ['ir_k5_sehsig_hs', 48, 2, 1, {expansion: 4, less_se_channels: true, zero_last_bn_gamma: true}],
        ['ir_k5_sehsig_hs', 48, 1, 4, {expansion: 3, less_se_channels: true, zero_last_bn_gamma: true}],
      ],
      [
        ['ir_k5_hs', 80, 2, 1, {expansion: 5, less_se_channels: true, zero_last_bn_gamma: true, dw_args: {padding: [1, 1]}}],
        ['ir_k3_hs', 80, 1, 4, {expansion: 3, less_se_channels: true, zero_last_bn_gamma: true}],
        ['ir_k3_sehsig_hs', 128, 1, 1, {expansion: 5, less_se_channels: true, zero_last_bn_gamma: true}],
        ['ir_k5_sehsig_hs', 128, 1, 7, {expansion: 3, less_se_channels: true, zero_last_bn_gamma: true}],
      ],
      [
        ['ir_k3_sehsig_hs', 216, 2, 1, {expansion: 6, less_se_channels: true, zero_last_bn_gamma: true}],
        ['ir_k5_sehsig_hs', 216, 1, 5, {expansion: 5, less_se_channels: true, zero_last_bn_gamma: true}],
        ['ir_k5_sehsig_hs', 240, 1, 1, {expansion: 6, less_se_channels: true, zero_last_bn_gamma: true}],
      ],
      [
        ['ir_pool_hs', 1984, 1, 1, {expansion: 6.0}],
      ],
    ],
  },
  FBNetV3_F: {
    input_size: 272,
    width_divisor: 8,
    stages: [
      [
        ['conv_k3_hs', 24, 2, 1, {}],
      ],
      [
        ['ir_k3_hs', 24, 1, 3, {expansion: 1, less_se_channels: true, zero_last_bn_gamma: true}],
      ],
      [
        ['ir_k5_hs', 32, 2, 1, {expansion: 4, less_se_channels: true, zero_last_bn_gamma: true}],
        ['ir_k5_hs', 32, 1, 4, {expansion: 2, less_se_channels: true, zero_last_bn_gamma: true}],
      ],
      [
        ['ir_k5_sehsig_hs', 56, 2, 1, {expansion: 4, less_se_channels: true, zero_last_bn_gamma: true}],
        ['ir_k5_sehsig_hs', 56, 1, 4, {expansion: 3, less_se_channels: true, zero_last_bn_gamma: true}],
      ],
      [
        ['ir_k5_hs', 88, 2, 1, {expansion: 5, less_se_channels: true, zero_last_bn_gamma: true}],
        ['ir_k3_hs', 88, 1, 4, {expansion: 3, less_se_channels: true, zero_last_bn_gamma: true}],
        ['ir_k3_sehsig_hs', 144, 1, 1, {expansion: 5, less_se_channels: true, zero_last_bn_gamma: true}],
        ['ir_k5_sehsig_hs', 144, 1, 8, {expansion: 3, less_se_channels: true, zero_last_bn_gamma: true}],
      ],
      [
        ['ir_k3_sehsig_hs', 248, 2, 1, {expansion: 6, less_se_channels: true, zero_last_bn_gamma: true, dw_args: {padding: [0, 0]}}],
        ['ir_k5_sehsig_hs', 248, 1, 6, {expansion: 5, less_se_channels: true, zero_last_bn_gamma: true}],
        ['ir_k5_sehsig_hs', 272, 1, 1, {expansion: 6, less_se_channels: true, zero_last_bn_gamma: true}],
      ],
      [
        ['ir_pool_hs', 1984, 1, 1, {expansion: 6.0}],
      ],
    ],
  },
  FBNetV3_G: {
    input_size: 320,
    width_divisor: 8,
    stages: [
      [
        ['conv_k3_hs', 32, 2, 1, {}],
      ],
      [
        ['ir_k3_hs', 24, 1, 3, {expansion: 1, less_se_channels: true, zero_last_bn_gamma: true}],
      ],
      [
        ['ir_k5_hs', 40, 2, 1, {expansion: 4, less_se_channels: true, zero_last_bn_gamma: true}],
        ['ir_k5_hs', 40, 1, 4, {expansion: 2, less_se_channels: true, zero_last_bn_gamma: true}],
      ],
      [
        ['ir_k5_sehsig_hs', 56, 2, 1, {expansion: 4, less_se_channels: true, zero_last_bn_gamma: true}],
        ['ir_k5_sehsig_hs', 56, 1, 4, {expansion: 3, less_se_channels: true, zero_last_bn_gamma: true}],
      ],
      [
        ['ir_k5_hs', 104, 2, 1, {expansion: 5, less_se_channels: true, zero_last_bn_gamma: true}],
        ['ir_k3_hs', 104, 1, 4, {expansion: 3, less_se_channels: true, zero_last_bn_gamma: true}],
        ['ir_k3_sehsig_hs', 160, 1, 1, {expansion: 5, less_se_channels: true, zero_last_bn_gamma: true}],
        ['ir_k5_sehsig_hs', 160, 1, 8, {expansion: 3, less_se_channels: true, zero_last_bn_gamma: true}],
      ],
      [
        ['ir_k3_sehsig_hs', 264, 2, 1, {expansion: 6, less_se_channels: true, zero_last_bn_gamma: true}],
        ['ir_k5_sehsig_hs', 264, 1, 6, {expansion: 5, less_se_channels: true, zero_last_bn_gamma: true}],
        ['ir_k5_sehsig_hs', 288, 1, 2, {expansion: 6, less_se_channels: true, zero_last_bn_gamma: true}],
      ],
      [
        ['ir_pool_hs', 1984, 1, 1, {expansion: 6.0}],
      ],
    ],
  },
};
