import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError, type Backend } from '@bnkit/core';
import {
  CheckpointMismatchError, CheckpointNotFoundError, CorruptCheckpointError, decodeSafetensors, encodeSafetensors, exportPyTorchWeights, fit as fitModel,
  fromPyTorchName, importPyTorchWeights, lenet, lenetBN, loadPyTorchWeights, pytorchNames, savePyTorchWeights, toPyTorchName,
  type BatchNorm, type SafeTensor, type Sequential,
} from '../dist/node.js';
import { expectBitIdentical, newBackend, syntheticImages } from './helpers.js';

/* Reference files made by test/pytorch/lenet_bn.py (torch 1.13) and make-bnkit-reference.mjs; see test/pytorch/check.txt. */
const reference = (name: string): Uint8Array => readFileSync(fileURLToPath(new URL(`pytorch/${name}`, import.meta.url)));
const tensor = (file: string, name: string): SafeTensor => {
  const t = decodeSafetensors(reference(file), file).tensors.get(name);
  if (!t) throw new Error(`${file} has no ${name}`);
  return t;
};
const maxDelta = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  expect(a.length).toBe(b.length);
  return Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
};

describe('PyTorch weights (safetensors, state_dict names)', () => {
  let backend: Backend;
  let dir: string;
  let inputs: SafeTensor;
  const logitsOn = async (model: Sequential): Promise<Float32Array> => {
    const x = backend.upload(inputs.data as Float32Array, inputs.shape);
    try {
      return await model.predict(x);
    } finally {
      backend.dispose(x);
    }
  };
  beforeAll(async () => {
    backend = await newBackend();
    dir = mkdtempSync(join(tmpdir(), 'bnkit-pt-'));
    inputs = tensor('pytorch-lenet-bn.logits.safetensors', 'x');
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await backend.close();
  });

  it("names every tensor as d2l's nn.Sequential state_dict does, in its order", () => {
    const model = lenetBN(backend);
    const torchKeys = [...decodeSafetensors(reference('pytorch-lenet-bn.safetensors'), 'pt').tensors.keys()];
    expect(pytorchNames(model).map((p) => p.pytorch)).toEqual(torchKeys.filter((k) => !k.endsWith('num_batches_tracked')));
    expect(toPyTorchName(model, 'bn1.gamma')).toBe('1.weight');
    expect(toPyTorchName(model, 'fc1.weight')).toBe('9.weight');
    expect(fromPyTorchName(model, '13.running_var')).toBe('bn4.runningVar');
    expect(() => toPyTorchName(model, 'bn9.gamma')).toThrow(InvalidArgumentError);
    expect(() => fromPyTorchName(model, '2.weight')).toThrow(InvalidArgumentError);
    model.dispose();
  });

  it("PyTorch → bnkit: a PyTorch-trained LeNet-BN gives PyTorch's logits within 1e-4", async () => {
    const model = lenetBN(backend, { seed: 3 });
    importPyTorchWeights(model, reference('pytorch-lenet-bn.safetensors'), 'pytorch-lenet-bn.safetensors');
    const expected = tensor('pytorch-lenet-bn.logits.safetensors', 'logits').data as Float32Array;
    expect(maxDelta(await logitsOn(model), expected)).toBeLessThan(1e-4);
    // PyTorch counted 30 training steps in every BatchNorm.
    expect(['bn1', 'bn2', 'bn3', 'bn4'].map((n) => model.layer<BatchNorm>(n).batchesTracked)).toEqual([30, 30, 30, 30]);
    model.dispose();
  });

  it("bnkit → PyTorch: the export PyTorch loaded gives, in bnkit, PyTorch's logits within 1e-4, and bnkit re-exports it byte for byte", async () => {
    const file = reference('bnkit-lenet-bn.safetensors');
    const model = lenetBN(backend, { seed: 3 });
    importPyTorchWeights(model, file);
    const pytorchSide = tensor('bnkit-lenet-bn.pytorch-logits.safetensors', 'logits').data as Float32Array;
    expect(maxDelta(await logitsOn(model), pytorchSide)).toBeLessThan(1e-4);
    expect(Buffer.from(await exportPyTorchWeights(model)).equals(Buffer.from(file))).toBe(true);
    model.dispose();
  });

  it('export then import restores a trained model bit for bit, through a file', async () => {
    const trained = lenetBN(backend, { seed: 1 });
    await fitModel(trained, syntheticImages(70, 4), { epochs: 1, lr: 0.5, batchSize: 32, seed: 2 });
    const path = join(dir, 'm.safetensors');
    await savePyTorchWeights(path, trained);
    const copy = lenetBN(backend, { seed: 8 });
    await loadPyTorchWeights(path, copy);
    expectBitIdentical(await copy.state(), await trained.state());
    expect(copy.layer<BatchNorm>('bn2').batchesTracked).toBe(3);
    trained.dispose();
    copy.dispose();
  });

  it('refuses malformed files with CorruptCheckpointError and misfits with CheckpointMismatchError, leaving the model unchanged', async () => {
    const model = lenetBN(backend);
    const before = await model.state();
    const good = reference('pytorch-lenet-bn.safetensors');
    const withHeader = (header: object, data = new Uint8Array(0)): Uint8Array => {
      const json = new TextEncoder().encode(JSON.stringify(header));
      const out = new Uint8Array(8 + json.length + data.length);
      new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
      out.set(json, 8);
      out.set(data, 8 + json.length);
      return out;
    };
    const corrupt: Array<[Uint8Array, RegExp]> = [
      [good.subarray(0, 5), /shorter than the 8-byte header length/],
      [good.subarray(0, 2000), /header length \d+ exceeds|cover/],
      [good.subarray(0, good.length - 4), /cover/],
      [withHeader({ a: { dtype: 'F16', shape: [2], data_offsets: [0, 4] } }, new Uint8Array(4)), /dtype "F16"; supported: F32, I64/],
      [withHeader({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 4] } }, new Uint8Array(4)), /needs 8 bytes/],
      [withHeader({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, new Uint8Array(8)), /starts at byte 4/],
      [withHeader({ a: { dtype: 'F32', shape: [-1], data_offsets: [0, 0] } }), /shape \[-1\]/],
      [withHeader([1, 2]), /not a JSON object/],
      [withHeader({ __metadata__: { n: 1 } }), /__metadata__/],
    ];
    const notJson = withHeader({});
    notJson[8] = 0x7b + 1;
    corrupt.push([notJson, /not UTF-8 JSON/]);
    for (const [bytes, why] of corrupt) {
      expect(() => importPyTorchWeights(model, bytes, 'bad.safetensors'), String(why)).toThrow(CorruptCheckpointError);
      expect(() => importPyTorchWeights(model, bytes, 'bad.safetensors'), String(why)).toThrow(why);
    }
    const tensors = [...decodeSafetensors(good, 'pt').tensors];
    const misfits: Array<[Array<[string, SafeTensor]>, RegExp]> = [
      [tensors.filter(([n]) => n !== '9.bias'), /missing 9.bias \(bnkit fc1.bias\)/],
      [[...tensors, ['16.weight', { dtype: 'F32', shape: [1], data: new Float32Array(1) }]], /unknown 16.weight/],
      [tensors.map(([n, t]) => [n, n === '0.weight' ? { dtype: 'F32', shape: [6, 25], data: t.data as Float32Array } : t]), /0.weight has shape \[6, 25\]/],
      [tensors.map(([n, t]) => [n, n === '1.num_batches_tracked' ? { dtype: 'F32', shape: [], data: new Float32Array(1) } : t]), /1.num_batches_tracked must be one int64/],
    ];
    for (const [entries, why] of misfits) {
      expect(() => importPyTorchWeights(model, encodeSafetensors(entries), 'x.safetensors')).toThrow(CheckpointMismatchError);
      expect(() => importPyTorchWeights(model, encodeSafetensors(entries), 'x.safetensors')).toThrow(why);
    }
    // num_batches_tracked may be absent, as in PyTorch files from before it existed.
    importPyTorchWeights(model, encodeSafetensors(tensors.filter(([n]) => !n.endsWith('num_batches_tracked'))));
    expect(model.layer<BatchNorm>('bn1').batchesTracked).toBe(0);
    importPyTorchWeights(model, await exportPyTorchWeights(lenetBN(backend)));
    expectBitIdentical(await model.state(), before);
    const plain = lenet(backend);
    expect(() => importPyTorchWeights(plain, good)).toThrow(/unknown 1.weight/);
    await expect(loadPyTorchWeights(join(dir, 'none.safetensors'), model)).rejects.toBeInstanceOf(CheckpointNotFoundError);
    writeFileSync(join(dir, 'junk.safetensors'), 'not a model');
    await expect(loadPyTorchWeights(join(dir, 'junk.safetensors'), model)).rejects.toBeInstanceOf(CorruptCheckpointError);
    plain.dispose();
    model.dispose();
  });
});
