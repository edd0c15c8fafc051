import createBackend, { type DeviceChoice } from '@bnkit/backend-gpu';
import { lenetBN, trainStep } from '@bnkit/nn';
import { syntheticBatch } from './synthetic.js';

export interface TrainOptions {
  readonly steps?: number;
  readonly batchSize?: number;
  readonly lr?: number;
  readonly device?: DeviceChoice;
  readonly log?: (line: string) => void;
}

export interface TrainResult {
  readonly device: string;
  readonly losses: number[];
  readonly msPerStep: number;
}

/** Trains LeNet-BN with plain SGD on fresh synthetic batches, logging the loss after every step. */
export async function train(options: TrainOptions = {}): Promise<TrainResult> {
  const { steps = 20, batchSize = 64, lr = 0.5, log = () => undefined } = options;
  const backend = await createBackend({ device: options.device ?? 'auto' });
  const model = lenetBN(backend, { seed: 0 });
  const device = `${backend.device.kind} (${backend.device.name})`;
  log(`LeNet-BN on ${device}, batch ${batchSize}, lr ${lr}`);
  const losses: number[] = [];
  const started = performance.now();
  try {
    for (let step = 1; step <= steps; step++) {
      const { images, labels } = syntheticBatch(batchSize, step);
      const x = backend.upload(images, [batchSize, 1, 28, 28]);
      const y = backend.upload(labels, [batchSize], 'int32');
      try {
        const loss = await trainStep(model, x, y, lr);
        losses.push(loss);
        log(`step ${String(step).padStart(3)}  loss ${loss.toFixed(4)}`);
      } finally {
        backend.dispose(x);
        backend.dispose(y);
      }
    }
    return { device, losses, msPerStep: (performance.now() - started) / steps };
  } finally {
    model.dispose();
    await backend.close();
  }
}
