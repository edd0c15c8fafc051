// bnkit side of the weight exchange reference: a bnkit-initialised LeNet-BN, trained a few SGD steps on
// seeded noise, exported with PyTorch's names (bnkit-lenet-bn.safetensors), with its eval-mode logits on
// the fixed inputs of pytorch-lenet-bn.logits.safetensors (bnkit-lenet-bn.bnkit-logits.safetensors).
// Then `python3 lenet_bn.py check` loads the export into PyTorch. Run from packages/nn after a build.
import { readFileSync, writeFileSync } from 'node:fs';
import createBackend from '@bnkit/backend-ts';
import { decodeSafetensors, encodeSafetensors, exportPyTorchWeights, lenetBN, mulberry32, trainStep } from '../../dist/node.js';

const here = new URL('.', import.meta.url);
const backend = await createBackend({ threads: 1 });
const model = lenetBN(backend, { seed: 0 });
const rng = mulberry32(7);
for (let step = 0; step < 30; step++) {
  const images = Float32Array.from({ length: 64 * 784 }, () => rng());
  // Label: a band of the upper half's mean intensity, so the steps learn something.
  const labels = Int32Array.from({ length: 64 }, (_, n) => {
    let s = 0;
    for (let i = 0; i < 392; i++) s += images[n * 784 + i];
    return Math.floor((s / 392) * 40) % 10;
  });
  const x = backend.upload(images, [64, 1, 28, 28]);
  const y = backend.upload(labels, [64], 'int32');
  await trainStep(model, x, y, 0.9);
  backend.dispose(x);
  backend.dispose(y);
}
const fixed = decodeSafetensors(readFileSync(new URL('pytorch-lenet-bn.logits.safetensors', here)), 'inputs').tensors.get('x');
const x = backend.upload(fixed.data, fixed.shape);
const logits = await model.predict(x);
writeFileSync(new URL('bnkit-lenet-bn.safetensors', here), await exportPyTorchWeights(model));
writeFileSync(new URL('bnkit-lenet-bn.bnkit-logits.safetensors', here), encodeSafetensors([['logits', { dtype: 'F32', shape: [fixed.shape[0], 10], data: logits }]]));
console.log('wrote bnkit-lenet-bn.safetensors and bnkit-lenet-bn.bnkit-logits.safetensors');
model.dispose();
await backend.close();
