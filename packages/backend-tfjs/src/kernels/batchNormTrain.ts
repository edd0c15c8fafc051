import type { BatchNormAttrs } from '@bnkit/core';
import * as tf from '@tensorflow/tfjs';
import { centre, channelMean, geometry, normalise, perChannel, runningAverage, type BatchNormTensors } from './batchnorm-math.js';

export function batchNormTrain(inputs: BatchNormTensors, attrs: BatchNormAttrs) {
  const { x, gamma, beta, runningMean, runningVar } = inputs;
  const g = geometry(x, attrs.axis);
  // The variance is the mean of squared deviations from the mean, never E[x²] − E[x]², which cancels
  // catastrophically in float32 for data with a large offset.
  const { centered, mean } = centre(x, channelMean(x, g), g);
  const variance = channelMean(tf.square(centered), g);
  const invStd = tf.rsqrt(tf.add(variance, attrs.eps));
  const batchVar = attrs.runningVar === 'unbiased' ? tf.mul(variance, g.count / (g.count - 1)) : variance;
  const batchMean = perChannel(mean, g);
  return {
    y: normalise(centered, gamma, beta, invStd, g),
    runningMean: runningAverage(runningMean, batchMean, attrs.momentum),
    runningVar: runningAverage(runningVar, perChannel(batchVar, g), attrs.momentum),
    mean: batchMean,
    invStd: perChannel(invStd, g),
  };
}
