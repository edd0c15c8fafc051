import { batchNormAttrs, type Backend, type BatchNormAttrs } from '@bnkit/core';
import type { Layer } from './layer.js';
import { Sigmoid } from './layers/activation.js';
import { BatchNorm } from './layers/batchnorm.js';
import { Conv2d } from './layers/conv2d.js';
import { Flatten } from './layers/flatten.js';
import { Linear } from './layers/linear.js';
import { AvgPool2d } from './layers/pool2d.js';
import { mulberry32 } from './rng.js';
import { Sequential } from './sequential.js';

export interface LeNetOptions {
  /** Seeds the Xavier-uniform weights (default 0). Both presets draw the same weights for one seed. */
  readonly seed?: number;
  /** BatchNorm attributes for lenetBN (default eps 1e-5, momentum 0.9 = PyTorch's 0.1, unbiased running variance). */
  readonly bn?: Partial<Omit<BatchNormAttrs, 'axis'>>;
}

/**
 * d2l's LeNet on 1×28×28 inputs, with or without BatchNorm after each conv/linear layer but the last:
 * conv1(1→6, 5x5) [bn1] sigmoid avgpool2 · conv2(6→16, 5x5) [bn2] sigmoid avgpool2 · flatten ·
 * fc1(256→120) [bn3] sigmoid · fc2(120→84) [bn4] sigmoid · fc3(84→10).
 */
function buildLeNet(backend: Backend, options: LeNetOptions, batchNorm: boolean): Sequential {
  const rng = mulberry32(options.seed ?? 0);
  // Validate the BatchNorm attributes before any tensor is uploaded, so bad options leak nothing.
  if (batchNorm) batchNormAttrs(options.bn);
  const layers: Array<[string, Layer]> = [];
  const stage = (i: number, main: Layer, features: number, pool: boolean): void => {
    layers.push([i <= 2 ? `conv${i}` : `fc${i - 2}`, main]);
    if (batchNorm) layers.push([`bn${i}`, new BatchNorm(backend, { ...options.bn, numFeatures: features })]);
    layers.push([`sigmoid${i}`, new Sigmoid(backend)]);
    if (pool) layers.push([`pool${i}`, new AvgPool2d(backend, { kernelSize: 2, stride: 2 })]);
  };
  stage(1, new Conv2d(backend, { inChannels: 1, outChannels: 6, kernelSize: 5, rng }), 6, true);
  stage(2, new Conv2d(backend, { inChannels: 6, outChannels: 16, kernelSize: 5, rng }), 16, true);
  layers.push(['flatten', new Flatten(backend)]);
  stage(3, new Linear(backend, { inFeatures: 256, outFeatures: 120, rng }), 120, false);
  stage(4, new Linear(backend, { inFeatures: 120, outFeatures: 84, rng }), 84, false);
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
