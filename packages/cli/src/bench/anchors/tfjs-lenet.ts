/*
 * The TensorFlow.js anchor: LeNet-BN written with the tfjs layers API, trained with its own SGD on one of
 * its own backends (cpu, wasm, webgpu). Channels-last, as tfjs kernels expect; with one input channel the
 * NCHW batch bnkit trains on has exactly the same memory layout. Runs inside tfjs-child.ts so tfjs's global
 * engine never shares a process with a bnkit backend.
 */
import type * as TF from '@tensorflow/tfjs';
import { CLASSES, IMAGE_SIDE, syntheticImageBatch } from '../synthetic.js';
import { timeRuns, type Timing, type TimingPlan } from '../timing.js';
import { withDawn, type AdapterDescription } from './dawn.js';

export type TfjsDevice = 'cpu' | 'wasm' | 'webgpu';

export interface TfjsLenetRequest {
  readonly device: TfjsDevice;
  readonly batch: number;
  readonly plan: TimingPlan;
  readonly seed: number;
}

export type TfjsLenetResult =
  | { readonly ok: true; readonly device: string; readonly timing: Timing; readonly examplesPerSecond: number; readonly finalLoss: number }
  | { readonly ok: false; readonly device: string; readonly reason: string };

/** The same architecture and recipe as bnkit's lenetBN: sigmoid, average pooling, SGD lr 1.0, softmax CE. */
export function tfjsLenetBN(tf: typeof TF): TF.Sequential {
  const m = tf.sequential();
  const bnSigmoid = (): void => {
    // PyTorch's eps and momentum (tfjs's momentum is the weight of the old value, like bnkit's).
    m.add(tf.layers.batchNormalization({ epsilon: 1e-5, momentum: 0.9 }));
    m.add(tf.layers.activation({ activation: 'sigmoid' }));
  };
  m.add(tf.layers.conv2d({ inputShape: [IMAGE_SIDE, IMAGE_SIDE, 1], filters: 6, kernelSize: 5 }));
  bnSigmoid();
  m.add(tf.layers.averagePooling2d({ poolSize: 2 }));
  m.add(tf.layers.conv2d({ filters: 16, kernelSize: 5 }));
  bnSigmoid();
  m.add(tf.layers.averagePooling2d({ poolSize: 2 }));
  m.add(tf.layers.flatten());
  m.add(tf.layers.dense({ units: 120 }));
  bnSigmoid();
  m.add(tf.layers.dense({ units: 84 }));
  bnSigmoid();
  m.add(tf.layers.dense({ units: CLASSES }));
  m.compile({ optimizer: tf.train.sgd(1.0), loss: (labels: TF.Tensor, logits: TF.Tensor) => tf.losses.softmaxCrossEntropy(labels, logits) });
  return m;
}

async function trainOn(tf: typeof TF, request: TfjsLenetRequest, device: string): Promise<TfjsLenetResult> {
  const data = syntheticImageBatch(request.batch, request.seed);
  const model = tfjsLenetBN(tf);
  const x = tf.tensor4d(data.x, [request.batch, IMAGE_SIDE, IMAGE_SIDE, 1]);
  const labels = tf.tidy(() => tf.oneHot(tf.tensor1d(data.labels, 'int32'), CLASSES));
  let finalLoss = Number.NaN;
  try {
    // trainOnBatch resolves with the loss value read back, so each timed step includes the device's work.
    const timing = await timeRuns(request.plan, () => model.trainOnBatch(x, labels), (loss) => {
      finalLoss = Array.isArray(loss) ? loss[0] : loss;
    });
    return { ok: true, device, timing, examplesPerSecond: (request.batch * 1000) / timing.medianMs, finalLoss };
  } catch (e) {
    return { ok: false, device, reason: e instanceof Error ? e.message : String(e) };
  } finally {
    x.dispose();
    labels.dispose();
    model.dispose();
  }
}

function describeAdapter(a: AdapterDescription): string {
  return `webgpu ${[a.vendor, a.device || a.architecture].filter(Boolean).join(' ')}${a.description ? ` (${a.description})` : ''}`;
}

/** Selects the tfjs backend, trains, and reports examples/s or why the backend cannot train. */
export async function measureTfjsLenet(request: TfjsLenetRequest, cpuName: string): Promise<TfjsLenetResult> {
  if (request.device === 'webgpu') {
    return withDawn(async (adapter) => {
      if (!adapter) return { ok: false, device: 'webgpu', reason: 'Dawn found no WebGPU adapter' };
      // tfjs-backend-webgpu registers itself at import only if navigator.gpu exists, so import it now.
      const tf = await import('@tensorflow/tfjs');
      await import('@tensorflow/tfjs-backend-webgpu');
      const device = describeAdapter(adapter);
      if (!(await tf.setBackend('webgpu'))) return { ok: false, device, reason: 'tfjs could not initialise its webgpu backend' };
      const gpuDevice = (tf.backend() as unknown as { device: { destroy(): void } }).device;
      try {
        return await trainOn(tf, request, device);
      } finally {
        // Dispose the tfjs backend, then the Dawn device: Dawn aborts at exit if a live device outlives it.
        tf.removeBackend('webgpu');
        gpuDevice.destroy();
      }
    });
  }
  const tf = await import('@tensorflow/tfjs');
  if (request.device === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
  let device = `${request.device}, ${cpuName}`;
  try {
    if (!(await tf.setBackend(request.device))) return { ok: false, device, reason: `tfjs could not initialise its ${request.device} backend` };
    if (request.device === 'wasm') {
      // Which wasm build tfjs picked decides its speed; say so beside the figure.
      const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
      const threads = Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'));
      device = `wasm${simd ? ' SIMD' : ''}${threads ? ' multi-threaded' : ', 1 thread'}, ${cpuName}`;
    } else {
      device = `cpu (JavaScript, 1 thread), ${cpuName}`;
    }
  } catch (e) {
    return { ok: false, device, reason: e instanceof Error ? e.message : String(e) };
  }
  return trainOn(tf, request, device);
}
