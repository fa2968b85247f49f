/** The data room's public face: dataset configs, loading, preparation for the engines, downloads. */
export { DATASET_LIMITS, DATASET_NAMES, DEFAULT_VAL_FRACTION, type DatasetConfig, type DatasetName, NATIVE_SHAPES, OFFICIAL_SIZES, type ResizeMode, SYNTHETIC_DEFAULTS, dataDirOf, dataRoot, defaultDataDir, validateDatasetConfig } from './config.js';
export { classNames, loadDataset, loadRawDataset } from './load.js';
export { datasetKey, defaultCacheDir, type PreparedDataset, prepareDataset, prepareDatasetDetailed, sourceFiles, type StagedDataset, stageDataset } from './prepare.js';
export { CIFAR10_MD5, CIFAR10_URL, type Cifar10DownloadOptions, downloadCifar10 } from './cifar10.js';
export { readTensorFile, readTensorFileHeader, type TensorFileHeader, writeTensorFile } from './tensorFile.js';
export { DatasetError, type ImageDataset, type ImageSplit, type RawDataset } from './types.js';
