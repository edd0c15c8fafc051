import {
  checkBackendOptions, defineBackend,
  type BackendOptions, type BackendStorage, type BatchNormKernels, type DefinedBackend, type KernelName, type TrainingKernels,
} from '@bnkit/core';
import * as tf from '@tensorflow/tfjs';
import { onDevice, openDevice, releaseDevice, type DeviceName, type OpenDevice } from './device.js';
import type { KernelContext } from './kernels/context.js';
import {
  argmax, avgPool2d, avgPool2dBackward, batchNormEval, batchNormEvalBackward, batchNormTrain, batchNormTrainBackward,
  conv2d, conv2dBackward, linear, linearBackward, maxPool2d, maxPool2dBackward, relu, reluBackward, sgd, sigmoid,
  sigmoidBackward, softmaxCrossEntropy,
} from './kernels/index.js';
import { BACKEND_NAME, TfjsTensor } from './tensor.js';

export interface TfjsBackendOptions extends BackendOptions {
  /**
   * The tfjs backend to run on. Default 'auto': tensorflow (when @tensorflow/tfjs-node-gpu or
   * @tensorflow/tfjs-node is installed) → webgpu (Dawn) → wasm → cpu. A forced device that cannot start
   * throws DeviceUnavailableError with the reason.
   */
  readonly device?: DeviceName | 'auto' | (string & Record<never, never>);
}

type KernelResult = tf.Tensor | Record<string, tf.Tensor>;
type TfKernel = (inputs: any, attrs: any, ctx: KernelContext) => KernelResult;

/** The kernels, each a synchronous function of tfjs tensors run inside tf.tidy. */
const KERNELS = {
  batchNormTrain, batchNormTrainBackward, batchNormEval, batchNormEvalBackward,
  conv2d, conv2dBackward, linear, linearBackward,
  avgPool2d, avgPool2dBackward, maxPool2d, maxPool2dBackward,
  sigmoid, sigmoidBackward, relu, reluBackward,
  softmaxCrossEntropy, sgd, argmax,
} satisfies Record<KernelName, TfKernel>;

/** Handles around tfjs tensors, which stay wherever the active tfjs backend keeps them. */
function tfjsStorage(device: OpenDevice): BackendStorage<TfjsTensor> {
  return {
    // Copy: tfjs's CPU backends keep the array they are given, and the contract promises not to.
    upload: (values, shape, dtype) => new TfjsTensor(tf.tensor(values.slice(), [...shape], dtype)),
    async read(t) {
      const values = await t.tensor.data();
      // data() may hand out the backend's own storage; return a copy the caller may keep and write.
      return t.dtype === 'int32' ? Int32Array.from(values as Int32Array) : Float32Array.from(values as Float32Array);
    },
    reshape: (t, shape) => new TfjsTensor(tf.reshape(t.tensor, [...shape])),
    release: (t) => t.release(),
    close: async () => releaseDevice(device),
  };
}

/** Each kernel run on the device inside tf.tidy, its tfjs results wrapped as handles. */
function tfjsKernels(device: OpenDevice): BatchNormKernels & TrainingKernels {
  const ctx: KernelContext = { device: device.name, hasKernel: (name) => tf.getKernel(name, device.name) !== undefined };
  const run = (fn: TfKernel) => async (inputs: Record<string, TfjsTensor>, attrs?: unknown): Promise<unknown> => {
    const tensors = Object.fromEntries(Object.entries(inputs).map(([key, t]) => [key, t.tensor]));
    const result = await onDevice(device, () => tf.tidy(() => fn(tensors, attrs, ctx)));
    // A kernel result must be a new tensor: a handle sharing an input's tf.Tensor would free it twice.
    const given = new Set(Object.values(tensors));
    const fresh = (t: tf.Tensor) => new TfjsTensor(given.has(t) ? t.clone() : t);
    if (result instanceof tf.Tensor) return fresh(result);
    return Object.fromEntries(Object.entries(result).map(([key, t]) => [key, fresh(t)]));
  };
  return Object.fromEntries(Object.entries(KERNELS).map(([name, fn]) => [name, run(fn)])) as unknown as BatchNormKernels & TrainingKernels;
}

export type TfjsBackend = DefinedBackend<ReturnType<typeof tfjsKernels>, Record<never, never>>;

/** Creates a bnkit backend on TensorFlow.js. Tensors stay tfjs tensors on the device between kernels. */
export async function createBackend(options: TfjsBackendOptions = {}): Promise<TfjsBackend> {
  // openDevice checks the device name and lists the devices.
  checkBackendOptions(BACKEND_NAME, options, { device: null });
  const device = await openDevice(options.device);
  return defineBackend({ name: BACKEND_NAME, device: device.info, storage: tfjsStorage(device), kernels: tfjsKernels(device) });
}
