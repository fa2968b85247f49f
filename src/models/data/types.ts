/** In-memory image datasets: uint8 pixels in NCHW order and uint8 labels. */
import { UserError } from '../../util/errors.js';

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
  /** Held out of the training subset (src/models/data/load.ts); absent or empty: no validation split. */
  val?: ImageSplit;
  /** Per-channel mean and std of the training split, on the 0..1 scale. */
  mean: number[];
  std: number[];
}

/** Where the engine finds the prepared dataset: a tensor file written by src/models/data (see tensorFile.ts). */
export interface DatasetRef {
  name: string;
  /** Path of the prepared dataset file (uint8 images + labels + header). */
  path: string;
  num_classes: number;
  channels: number;
  resolution: number;
  /** Per-channel mean and std of the training subset, on the 0..1 scale. */
  mean: number[];
  std: number[];
}

/** A dataset as read from its source, before normalization statistics are computed. */
export type RawDataset = Omit<ImageDataset, 'mean' | 'std'>;

/**
 * A dataset that is missing, corrupt or asked for in a way it cannot be given. It is a UserError, so
 * the CLI prints its message (which names the path and how to get the data) as one line.
 */
export class DatasetError extends UserError {
  constructor(message: string) {
    super(message);
    this.name = 'DatasetError';
  }
}
