// The browser-safe entry (no Node module); under Node, package.json's "node" condition picks ./node.ts instead.
// Seeded randomness lives in @bnkit/data; re-exported because layers take an Rng and presets a seed.
export { deriveSeed, mulberry32, permutation, seedToUint32, type Rng } from '@bnkit/core';
export { xavierUniform } from './init.js';
export { Parameter, StateTensor } from './state-tensor.js';
export { Saved, type Layer, type NamedLayers } from './layer.js';
export { BatchNorm, type BatchNormOptions } from './layers/batchnorm.js';
export { Conv2d, type Conv2dOptions } from './layers/conv2d.js';
export { Linear, type LinearOptions } from './layers/linear.js';
export { AvgPool2d, MaxPool2d, type Pool2dOptions } from './layers/pool2d.js';
export { Sigmoid, ReLU } from './layers/activation.js';
export { Flatten } from './layers/flatten.js';
export { WeightedLayer } from './layers/weighted.js';
export { ParameterFreeLayer, type ForwardPair } from './layers/parameter-free.js';
export { Sequential, type ForwardOptions, type PredictOptions, type StateRecord } from './sequential.js';
export type { LayerSummary, ModelSummary } from './summary.js';
export { lenet, lenetBN, type LeNetOptions } from './presets.js';
export { crossEntropyLoss, type CrossEntropy } from './loss.js';
export { SGD, type SgdOptions } from './sgd.js';
export type { Optimizer } from './optimizer.js';
export { MomentumSGD, type MomentumSgdOptions, type MomentumTerms } from './momentum-sgd.js';
export { trainBatch, trainStep, type BatchResult } from './train-step.js';
export { validateLabeledImages, uploadBatch, countCorrect, type LabeledImages, type DeviceBatch } from './data.js';
export { evaluate, type EvaluateOptions, type Evaluation } from './evaluate.js';
export { fit, type FitOptions, type FitResult, type BatchProgress } from './fit.js';
// The batching rule lives in @bnkit/data; re-exported because fit's callers size their progress output with it.
export { epochGeometry } from '@bnkit/data/batching';
export type { EpochRow, TrainingState } from './training-state.js';
export {
  CheckpointError, CheckpointNotFoundError, CorruptCheckpointError, CheckpointMismatchError, CheckpointOverwriteError,
} from './checkpoint/errors.js';
export {
  CHECKPOINT_MAGIC, CHECKPOINT_FORMAT, CHECKPOINT_VERSION, encodeCheckpoint, decodeCheckpoint, type Checkpoint, type HostTensor, type RunDescription,
} from './checkpoint/format.js';
export { encodeEpochRow, decodeEpochRow } from './checkpoint/training-header.js';
export { captureCheckpoint, restoreCheckpoint, checkpointToBytes, loadCheckpointBytes } from './checkpoint/checkpoint.js';
export { encodeSafetensors, decodeSafetensors, type SafeTensor, type SafetensorsFile } from './weights/safetensors.js';
export {
  pytorchNames, toPyTorchName, fromPyTorchName, exportPyTorchWeights, importPyTorchWeights, type NamePair,
} from './weights/pytorch.js';
