#!/usr/bin/env node
// Measures the weight exchange with PyTorch on Fashion-MNIST (after `pnpm build`; needs python3 with torch):
//   node packages/cli/scripts/pytorch-exchange.mjs [DIR]
// trains one LeNet-BN in bnkit and one in PyTorch (1 epoch on 6,000 training images, lr 1, batch 256), moves
// each to the other framework as safetensors with PyTorch's names, and prints the largest logit difference
// on 256 test images (the first 26 of each class, 256 in all) in both directions (bnkit → PyTorch, PyTorch → bnkit).
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import createBackend from '@bnkit/backend-ts';
import { loadFashionMnist, takePerClass } from '@bnkit/data';
import { encodeSafetensors, fit, lenetBN, loadPyTorchWeights, savePyTorchWeights } from '@bnkit/nn';

const dir = resolve(process.argv[2] ?? 'out/pytorch-exchange');
mkdirSync(dir, { recursive: true });
const script = fileURLToPath(new URL('../../nn/test/pytorch/lenet_bn.py', import.meta.url));
const python = process.env.PYTHON ?? 'python3';
const { train: full, test: fullTest } = await loadFashionMnist();
const train = takePerClass(full, 600);
const test = takePerClass(fullTest, 26);
const N = 256;
const testX = test.images.subarray(0, N * 784);
const f32 = (shape, data) => ({ dtype: 'F32', shape, data });
const i64 = (labels) => ({ dtype: 'I64', shape: [labels.length], data: BigInt64Array.from(labels, BigInt) });
const data = [
  ['train_x', f32([train.count, 1, 28, 28], train.images)], ['train_y', i64(train.labels)],
  ['test_x', f32([N, 1, 28, 28], testX)], ['test_y', i64(test.labels.subarray(0, N))],
];
const dataPath = join(dir, 'data.safetensors');
writeFileSync(dataPath, encodeSafetensors(data));
process.stdout.write(execFileSync(python, [script, 'train', dataPath, join(dir, 'pytorch_weights.safetensors')]));

const backend = await createBackend();
const logits = async (model) => {
  const x = backend.upload(testX, [N, 1, 28, 28]);
  try {
    return await model.predict(x);
  } finally {
    backend.dispose(x);
  }
};
const ours = lenetBN(backend, { seed: 0 });
await fit(ours, train, { epochs: 1, lr: 1.0, batchSize: 256, seed: 0 });
await savePyTorchWeights(join(dir, 'bnkit_weights.safetensors'), ours);
const theirs = lenetBN(backend);
await loadPyTorchWeights(join(dir, 'pytorch_weights.safetensors'), theirs);
writeFileSync(dataPath, encodeSafetensors([
  ...data, ['bnkit_logits_of_bnkit', f32([N, 10], await logits(ours))], ['bnkit_logits_of_pytorch', f32([N, 10], await logits(theirs))],
]));
await backend.close();
process.stdout.write(execFileSync(python, [script, 'compare', dataPath]));
