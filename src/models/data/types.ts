/** In-memory image datasets: uint8 pixels in NCHW order and uint8 labels. */

export interface ImageSplit {
  /** n * channels * height * width bytes, NCHW. */
  x: Uint8Array;
  /** n labels in [0, num_classes). */
  y: Uint8Array;
  n: number;
}

export interface ImageDataset {
  name: string;
  num_classes: number;
  channels: number;
  height: number;
  width: number;
  train: ImageSplit;
  test: ImageSplit;
  /** Per-channel mean and std of the training split, on the 0..1 scale. */
  mean: number[];
  std: number[];
}

export class DatasetError extends Error {}
