import { batchNormAttrs, InvalidArgumentError, type Backend, type BatchNormAttrs } from '@bnkit/core';
import type { Layer } from './layer.js';
import { Sigmoid } from './layers/activation.js';
import { BatchNorm } from './layers/batchnorm.js';
import { Conv2d } from './layers/conv2d.js';
import { Flatten } from './layers/flatten.js';
import { Linear } from './layers/linear.js';
import { booleanOr } from './layers/check.js';
import { AvgPool2d } from './layers/pool2d.js';
import { mulberry32 } from '@bnkit/core';
import { Sequential } from './sequential.js';

export interface LeNetOptions {
  /** Seeds the Xavier-uniform weights (default 0). Both presets draw the same weights for one seed. */
  readonly seed?: number;
  /** BatchNorm attributes for lenetBN (default eps 1e-5, momentum 0.9 = PyTorch's 0.1, unbiased running variance). */
  readonly bn?: Partial<Omit<BatchNormAttrs, 'axis'>>;
  /**
   * lenetBN only: the stages that get a BatchNorm, 1–4 for bn1..bn4 (default all four). The seed's
   * exercise asks which layers need it; a stage left out is conv/linear → sigmoid as in plain LeNet.
   */
  readonly bnStages?: readonly number[];
  /** lenetBN only: false freezes every BatchNorm's gamma at 1 and beta at 0 (`affine=False`); default true. */
  readonly bnAffine?: boolean;
  /**
   * lenetBN only: false removes the bias of each conv/linear layer that feeds a BatchNorm (the BN's mean
   * subtraction cancels it, and beta takes its role); default true, as in d2l.
   */
  readonly biasBeforeBn?: boolean;
}

const STAGES = [1, 2, 3, 4] as const;

/** The BatchNorm stages as a set; throws on anything but distinct integers 1–4. */
function stagesOf(stages: readonly number[] | undefined): ReadonlySet<number> {
  if (stages === undefined) return new Set(STAGES);
  if (!Array.isArray(stages) || stages.some((k) => !STAGES.includes(k as 1)) || new Set(stages).size !== stages.length) {
    throw new InvalidArgumentError(`lenetBN bnStages must be distinct stages among 1, 2, 3, 4, got ${JSON.stringify(stages)}`);
  }
  return new Set(stages);
}

/**
 * d2l's LeNet on 1×28×28 inputs, with or without BatchNorm after each conv/linear layer but the last:
 * conv1(1→6, 5x5) [bn1] sigmoid avgpool2 · conv2(6→16, 5x5) [bn2] sigmoid avgpool2 · flatten ·
 * fc1(256→120) [bn3] sigmoid · fc2(120→84) [bn4] sigmoid · fc3(84→10).
 */
function buildLeNet(backend: Backend, options: LeNetOptions, batchNorm: boolean): Sequential {
  const rng = mulberry32(options.seed ?? 0);
  // Validate every option before any tensor is uploaded, so bad options leak nothing.
  const withBn = batchNorm ? stagesOf(options.bnStages) : new Set<number>();
  const affine = booleanOr(options.bnAffine, true, 'lenetBN bnAffine');
  const biasBeforeBn = booleanOr(options.biasBeforeBn, true, 'lenetBN biasBeforeBn');
  if (batchNorm) batchNormAttrs(options.bn);
  else if (options.bnStages !== undefined || options.bnAffine !== undefined || options.biasBeforeBn !== undefined) {
    throw new InvalidArgumentError('lenet has no BatchNorm: bnStages, bnAffine and biasBeforeBn are lenetBN options');
  }
  const layers: Array<[string, Layer]> = [];
  // The weights are drawn in the same order whatever the options, so every variant starts from the same weights.
  const stage = (i: number, main: (bias: boolean) => Layer, features: number, pool: boolean): void => {
    const bn = withBn.has(i);
    layers.push([i <= 2 ? `conv${i}` : `fc${i - 2}`, main(!bn || biasBeforeBn)]);
    if (bn) layers.push([`bn${i}`, new BatchNorm(backend, { ...options.bn, affine, numFeatures: features })]);
    layers.push([`sigmoid${i}`, new Sigmoid(backend)]);
    if (pool) layers.push([`pool${i}`, new AvgPool2d(backend, { kernelSize: 2, stride: 2 })]);
  };
  stage(1, (bias) => new Conv2d(backend, { inChannels: 1, outChannels: 6, kernelSize: 5, rng, bias }), 6, true);
  stage(2, (bias) => new Conv2d(backend, { inChannels: 6, outChannels: 16, kernelSize: 5, rng, bias }), 16, true);
  layers.push(['flatten', new Flatten(backend)]);
  stage(3, (bias) => new Linear(backend, { inFeatures: 256, outFeatures: 120, rng, bias }), 120, false);
  stage(4, (bias) => new Linear(backend, { inFeatures: 120, outFeatures: 84, rng, bias }), 84, false);
  layers.push(['fc3', new Linear(backend, { inFeatures: 84, outFeatures: 10, rng })]);
  return new Sequential(backend, layers);
}

/** LeNet-BN (d2l): parameters conv1/conv2/fc1/fc2/fc3 `.weight`/`.bias`, bn1..bn4 `.gamma`/`.beta` + running stats. */
export function lenetBN(backend: Backend, options: LeNetOptions = {}): Sequential {
  return buildLeNet(backend, options, true);
}

/** LeNet (d2l) without BatchNorm: the same layers as lenetBN minus bn1..bn4. */
export function lenet(backend: Backend, options: LeNetOptions = {}): Sequential {
  return buildLeNet(backend, options, false);
}
