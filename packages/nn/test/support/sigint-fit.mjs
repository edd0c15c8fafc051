// Trains on one thread and sends itself SIGINT from the hook after batch K (argv[2]); the SIGINT handler
// aborts, as pnpm train's does. Prints the position fit stopped at as JSON.
import createBackend from '@bnkit/backend-ts';
import { fit, lenetBN } from '../../dist/node.js';

const k = Number(process.argv[2]);
const count = 64;
const images = new Float32Array(count * 28 * 28);
let s = 1;
for (let i = 0; i < images.length; i++) images[i] = (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
const labels = Uint8Array.from({ length: count }, (_, i) => i % 10);

const backend = await createBackend({ threads: 1 });
const controller = new AbortController();
process.on('SIGINT', () => controller.abort());
const result = await fit(lenetBN(backend), { images, labels, count, shape: [1, 28, 28] }, {
  epochs: 1, lr: 0.1, batchSize: 8, seed: 0, signal: controller.signal,
  onBatch: (p) => {
    if (p.batch === k) process.kill(process.pid, 'SIGINT');
  },
});
process.stdout.write(JSON.stringify({ stopped: result.stopped, batchesCompleted: result.state.batchesCompleted, epochsCompleted: result.state.epochsCompleted }));
await backend.close();
