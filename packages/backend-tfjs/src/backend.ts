import {
  DisposedTensorError, SPECIFICATION_VERSION, checked,
  type BackendOptions, type BatchNormKernels, type DType, type MemoryInfo, type Shape, type Tensor,
  type TrainingBackend, type TrainingKernels,
} from '@bnkit/core';
import * as tf from '@tensorflow/tfjs';
import { onDevice, openDevice, releaseDevice, type DeviceName, type OpenDevice } from './device.js';
import type { KernelContext } from './kernels/context.js';
import {
  argmax, avgPool2d, avgPool2dBackward, batchNormEval, batchNormEvalBackward, batchNormTrain, batchNormTrainBackward,
  conv2d, conv2dBackward, linear, linearBackward, maxPool2d, maxPool2dBackward, relu, reluBackward, sgd, sigmoid,
  sigmoidBackward, softmaxCrossEntropy,
} from './kernels/index.js';
import { BACKEND_NAME, TfjsTensor, own } from './tensor.js';

export interface TfjsBackendOptions extends BackendOptions {
  /**
   * The tfjs backend to run on. Default 'auto': tensorflow (when @tensorflow/tfjs-node-gpu or
   * @tensorflow/tfjs-node is installed) → webgpu (Dawn) → wasm → cpu. A forced device that cannot start
   * throws DeviceUnavailableError with the reason.
   */
  readonly device?: DeviceName | 'auto' | (string & Record<never, never>);
}

type TfTensors = Record<string, tf.Tensor>;
type KernelResult = tf.Tensor | Record<string, tf.Tensor>;
type TfKernel = (inputs: any, attrs: any, ctx: KernelContext) => KernelResult;

/** The kernels, each a synchronous function of tfjs tensors run inside tf.tidy. */
const KERNELS = {
  batchNormTrain, batchNormTrainBackward, batchNormEval, batchNormEvalBackward,
  conv2d, conv2dBackward, linear, linearBackward,
  avgPool2d, avgPool2dBackward, maxPool2d, maxPool2dBackward,
  sigmoid, sigmoidBackward, relu, reluBackward,
  softmaxCrossEntropy, sgd, argmax,
} satisfies Record<keyof BatchNormKernels | keyof TrainingKernels, TfKernel>;

/** Creates a bnkit backend on TensorFlow.js. Tensors stay tfjs tensors on the device between kernels. */
export async function createBackend(options: TfjsBackendOptions = {}): Promise<TrainingBackend> {
  const device: OpenDevice = await openDevice(options.device);
  const live = new Set<TfjsTensor>();
  let closed = false;
  const ctx: KernelContext = { device: device.name, hasKernel: (name) => tf.getKernel(name, device.name) !== undefined };

  const adopt = (t: tf.Tensor): TfjsTensor => {
    const handle = new TfjsTensor(t);
    live.add(handle);
    return handle;
  };
  const assertOpen = (): void => {
    if (closed) throw new DisposedTensorError(`backend '${BACKEND_NAME}' (${device.name}) was used after close()`);
  };

  const run = (name: keyof typeof KERNELS) => {
    const fn = KERNELS[name] as TfKernel;
    return async (inputs: Record<string, Tensor>, attrs?: unknown): Promise<unknown> => {
      assertOpen();
      const tensors: TfTensors = {};
      for (const [key, t] of Object.entries(inputs)) tensors[key] = own(t).tensor;
      const result = await onDevice(device, () => tf.tidy(() => fn(tensors, attrs, ctx)));
      // A kernel result must be a new tensor: a handle sharing an input's tf.Tensor would free it twice.
      const inputsSet = new Set(Object.values(tensors));
      const fresh = (t: tf.Tensor) => adopt(inputsSet.has(t) ? t.clone() : t);
      if (result instanceof tf.Tensor) return fresh(result);
      return Object.fromEntries(Object.entries(result).map(([key, t]) => [key, fresh(t)]));
    };
  };

  const kernels = Object.fromEntries(Object.keys(KERNELS).map((name) => [name, run(name as keyof typeof KERNELS)]));

  const backend = {
    specificationVersion: SPECIFICATION_VERSION,
    name: BACKEND_NAME,
    device: device.info,
    capabilities: ['batchNorm', 'training'] as const,
    upload(data: Float32Array | Int32Array | readonly number[], shape: Shape, dtype?: DType): Tensor {
      assertOpen();
      const kind = dtype ?? (data instanceof Int32Array ? 'int32' : 'float32');
      // Copy: tfjs's CPU backends keep the array they are given, and the contract promises not to.
      const values = kind === 'int32' ? Int32Array.from(data) : Float32Array.from(data);
      return adopt(tf.tensor(values, [...shape], kind));
    },
    async read(t: Tensor): Promise<Float32Array | Int32Array> {
      const h = own(t);
      const values = await h.tensor.data();
      // data() may hand out the backend's own storage; return a copy the caller may keep and write.
      return h.dtype === 'int32' ? Int32Array.from(values as Int32Array) : Float32Array.from(values as Float32Array);
    },
    reshape(t: Tensor, shape: Shape): Tensor {
      assertOpen();
      return adopt(tf.reshape(own(t).tensor, [...shape]));
    },
    dispose(t: Tensor): void {
      const h = own(t);
      if (live.delete(h)) h.release();
    },
    memory(): MemoryInfo {
      let bytes = 0;
      for (const h of live) bytes += h.bytes;
      return { tensors: live.size, bytes };
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      for (const h of live) h.release();
      live.clear();
      releaseDevice(device);
    },
    ...kernels,
  };
  return checked(backend as unknown as TrainingBackend);
}
