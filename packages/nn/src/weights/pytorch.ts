import { InvalidArgumentError, formatShape, shapesEqual } from '@bnkit/core';
import { CheckpointMismatchError } from '../checkpoint/errors.js';
import { BatchNorm } from '../layers/batchnorm.js';
import type { Sequential, StateRecord } from '../sequential.js';
import { decodeSafetensors, encodeSafetensors, type SafeTensor } from './safetensors.js';

/*
 * PyTorch's state_dict names for a bnkit Sequential. A torch.nn.Sequential names each tensor
 * `<module index>.<attribute>`, so layer i of the bnkit model (parameter-free layers included, as they
 * are modules in PyTorch) is module i: lenetBN's conv1, bn1, sigmoid1, pool1, conv2, ... are d2l's
 * 0, 1, 2, 3, 4, ... and bn1.gamma is `1.weight`. The layouts already agree (Conv2d OIHW, Linear
 * [out, in], one value per channel for BatchNorm), so only names change.
 */
const PYTORCH_ATTRIBUTE: Readonly<Record<string, string>> = {
  weight: 'weight', bias: 'bias', gamma: 'weight', beta: 'bias', runningMean: 'running_mean', runningVar: 'running_var',
};
const BATCHES_TRACKED = 'num_batches_tracked';

export interface NamePair {
  readonly bnkit: string;
  readonly pytorch: string;
}

/** bnkit name ↔ PyTorch name of every state tensor, in PyTorch's state_dict order (by module, parameters then buffers). */
export function pytorchNames(model: Sequential): NamePair[] {
  return model.layers().flatMap(([layerName, layer], i) =>
    [...Object.keys(layer.parameters()), ...Object.keys(layer.buffers())].map((local) => {
      const attribute = PYTORCH_ATTRIBUTE[local];
      if (!attribute) throw new InvalidArgumentError(`${layerName}.${local} has no PyTorch counterpart; known: ${Object.keys(PYTORCH_ATTRIBUTE).join(', ')}`);
      return { bnkit: `${layerName}.${local}`, pytorch: `${i}.${attribute}` };
    }),
  );
}

function lookup(model: Sequential, from: keyof NamePair, name: string): string {
  const pairs = pytorchNames(model);
  const found = pairs.find((p) => p[from] === name);
  if (!found) throw new InvalidArgumentError(`no state tensor '${name}' in this model; its ${from} names: ${pairs.map((p) => p[from]).join(', ')}`);
  return found[from === 'bnkit' ? 'pytorch' : 'bnkit'];
}

/** `bn1.gamma` → `1.weight` for lenetBN. */
export const toPyTorchName = (model: Sequential, bnkitName: string): string => lookup(model, 'bnkit', bnkitName);
/** `1.running_mean` → `bn1.runningMean` for lenetBN. */
export const fromPyTorchName = (model: Sequential, pytorchName: string): string => lookup(model, 'pytorch', pytorchName);

function batchNorms(model: Sequential): Array<[index: number, layer: BatchNorm]> {
  return model.layers().flatMap(([, layer], i): Array<[number, BatchNorm]> => (layer instanceof BatchNorm ? [[i, layer]] : []));
}

/**
 * The model as a safetensors file with PyTorch's state_dict names, in its order: what
 * `model.load_state_dict(safetensors.torch.load_file(path))` of the same torch.nn.Sequential accepts.
 * Each BatchNorm also gets `num_batches_tracked` (int64, shape []) from its `batchesTracked`.
 */
export async function exportPyTorchWeights(model: Sequential): Promise<Uint8Array> {
  const state = await model.state();
  const shapes = model.shapes();
  const tracked = new Map(batchNorms(model).map(([i, bn]) => [i, bn.batchesTracked]));
  const tensors: Array<[string, SafeTensor]> = [];
  for (const { bnkit, pytorch } of pytorchNames(model)) {
    tensors.push([pytorch, { dtype: 'F32', shape: shapes[bnkit], data: state[bnkit] }]);
    const index = Number(pytorch.split('.')[0]);
    // num_batches_tracked follows running_var, the module's last buffer, as in PyTorch.
    if (pytorch.endsWith('.running_var') && tracked.has(index)) {
      tensors.push([`${index}.${BATCHES_TRACKED}`, { dtype: 'I64', shape: [], data: BigInt64Array.of(BigInt(tracked.get(index) ?? 0)) }]);
    }
  }
  return encodeSafetensors(tensors, { format: 'pt' });
}

/**
 * Loads a safetensors file with PyTorch's names into the model. It must hold exactly the model's tensors
 * (float32, the model's shapes; each BatchNorm's int64 `num_batches_tracked` may be absent, as in
 * PyTorch files older than 0.4.1); otherwise CheckpointMismatchError lists every difference and the model
 * is unchanged. A file that is not valid safetensors is a CorruptCheckpointError.
 */
export function importPyTorchWeights(model: Sequential, bytes: Uint8Array, source = '<memory>'): void {
  const { tensors } = decodeSafetensors(bytes, source);
  const shapes = model.shapes();
  const problems: string[] = [];
  const record: StateRecord = {};
  const expected = new Set<string>();
  for (const { bnkit, pytorch } of pytorchNames(model)) {
    expected.add(pytorch);
    const t = tensors.get(pytorch);
    if (!t) problems.push(`missing ${pytorch} (bnkit ${bnkit})`);
    else if (t.dtype !== 'F32') problems.push(`${pytorch} is ${t.dtype}, expected F32`);
    else if (!shapesEqual(t.shape, shapes[bnkit])) problems.push(`${pytorch} has shape ${formatShape(t.shape)}, the model's ${bnkit} has ${formatShape(shapes[bnkit])}`);
    else record[bnkit] = t.data;
  }
  const tracked: Array<[BatchNorm, number]> = [];
  for (const [i, bn] of batchNorms(model)) {
    const name = `${i}.${BATCHES_TRACKED}`;
    expected.add(name);
    const t = tensors.get(name);
    if (!t) continue;
    const value = t.data.length === 1 ? Number(t.data[0]) : NaN;
    if (t.dtype !== 'I64' || t.shape.length !== 0 || !Number.isSafeInteger(value) || value < 0) {
      problems.push(`${name} must be one int64 >= 0 of shape [], got ${t.dtype} of shape ${formatShape(t.shape)}`);
    } else tracked.push([bn, value]);
  }
  for (const name of tensors.keys()) if (!expected.has(name)) problems.push(`unknown ${name}`);
  if (problems.length) {
    throw new CheckpointMismatchError(source, `does not fit the model as PyTorch names it (${problems.join('; ')}); the model:\n${model.describe()}`);
  }
  model.loadState(record);
  for (const [bn, value] of tracked) bn.batchesTracked = value;
}
