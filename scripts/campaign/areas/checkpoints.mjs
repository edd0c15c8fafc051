/*
 * Damaged checkpoint and weight files given to @bnkit/nn's readers (packages/nn/README.md, "Checkpoint
 * format"): truncations, bit flips, appended bytes, forged headers re-sealed with a valid SHA-256 (so the
 * header checks themselves are reached: huge or inconsistent sizes, which must be refused before
 * allocating, wrong fields, other versions), wrong magic, paths that are no regular file (a directory, a
 * FIFO, which must not block the reader), checkpoints of another model, and safetensors files damaged the
 * same ways. Each must be refused with a CheckpointError (code CHECKPOINT). Benign controls: a sound
 * checkpoint, one holding NaN and ±Infinity values and non-finite losses (they must round-trip bit for bit),
 * and a bare model, all accepted.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import createTs from '@bnkit/backend-ts';
import {
  CheckpointError, captureCheckpoint, decodeCheckpoint, encodeCheckpoint, exportPyTorchWeights, lenet, lenetBN,
  loadCheckpoint, loadPyTorchWeights, readCheckpoint, saveCheckpoint,
} from '@bnkit/nn';
import { describeError, refusalOf } from '../trial.mjs';

export const area = 'checkpoints';
export const description = 'damaged, forged and misplaced checkpoint and safetensors files given to the @bnkit/nn readers';

const EXPECTED = { codes: ['CHECKPOINT'], classes: [CheckpointError] };
const PREFIX = 12;
const DIGEST = 32;
/** Random truncations and bit flips: full, bounded. */
const RANDOM = { truncations: [60, 8], flips: [150, 15] };

const sha256 = (bytes) => createHash('sha256').update(bytes).digest();

/** Magic, header length, header text and payload as they are in a sound file. */
function split(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(8, true);
  return {
    header: JSON.parse(new TextDecoder().decode(bytes.subarray(PREFIX, PREFIX + headerLength))),
    payload: bytes.slice(PREFIX + headerLength, bytes.length - DIGEST),
  };
}

/**
 * A checkpoint file from parts, with a valid digest: `header` (an object, or text, or bytes as given),
 * `payload` bytes, and optionally a forged header length and magic.
 */
function seal({ header, payload, headerLength, magic = 'BNKITCKP' }) {
  let json = header instanceof Uint8Array ? header : new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  if (!(header instanceof Uint8Array) && json.length % 4 !== 0) {
    const padded = new Uint8Array(Math.ceil(json.length / 4) * 4).fill(0x20);
    padded.set(json);
    json = padded;
  }
  const body = new Uint8Array(PREFIX + json.length + payload.length);
  body.set(new TextEncoder().encode(magic).subarray(0, 8), 0);
  new DataView(body.buffer).setUint32(8, headerLength ?? json.length, true);
  body.set(json, PREFIX);
  body.set(payload, PREFIX + json.length);
  const file = new Uint8Array(body.length + DIGEST);
  file.set(body);
  file.set(sha256(body), body.length);
  return file;
}

/** The header with `edit(header)` applied to a deep copy. */
const forged = (header, edit) => {
  const h = structuredClone(header);
  edit(h);
  return h;
};

/** The training position of a run stopped mid-epoch, as fit writes it. */
const TRAINING = {
  seed: 3, batchSize: 4, lr: 0.5, trainCount: 40, epochsCompleted: 1, batchesCompleted: 2,
  partial: { lossSum: 4.5, correct: 3, seen: 8, seconds: 0.25 },
  history: [{ epoch: 1, loss: 2.1, trainAcc: 0.2, testAcc: null, seconds: 0.5 }],
};

/** Header forgeries: [id, edit of the parsed header]. */
function headerForgeries() {
  const t0 = (h) => h.tensors[0];
  const list = [
    ['format-wrong', (h) => (h.format = 'bnkit-checkpoint-2')], ['format-missing', (h) => delete h.format],
    ['version-2', (h) => (h.version = 2)], ['version-string', (h) => (h.version = '1')], ['version-null', (h) => (h.version = null)],
    ['model-number', (h) => (h.model = 5)], ['model-missing', (h) => delete h.model],
    ['tensors-object', (h) => (h.tensors = {})], ['tensors-missing', (h) => delete h.tensors], ['tensor-null', (h) => (h.tensors[0] = null)],
    ['tensor-name-empty', (h) => (t0(h).name = '')], ['tensor-name-number', (h) => (t0(h).name = 5)],
    ['tensor-name-duplicate', (h) => (h.tensors[1].name = t0(h).name)],
    ['tensor-name-proto', (h) => (t0(h).name = '__proto__')], ['tensor-name-constructor', (h) => (t0(h).name = 'constructor')],
    ['shape-missing', (h) => delete t0(h).shape], ['shape-negative', (h) => (t0(h).shape = [-1, ...t0(h).shape.slice(1)])],
    ['shape-fraction', (h) => (t0(h).shape = [1.5])], ['shape-string', (h) => (t0(h).shape = ['6'])], ['shape-not-list', (h) => (t0(h).shape = 6)],
    // Sizes no memory holds, made consistent with offset and length so only the payload bound refuses them.
    ['shape-huge', (h) => Object.assign(t0(h), { shape: [2 ** 26, 2 ** 26], length: 2 ** 52 })],
    ['shape-huge-last', (h) => Object.assign(h.tensors.at(-1), { shape: [2 ** 31, 2 ** 20], length: 2 ** 51 })],
    ['shape-unsafe', (h) => Object.assign(t0(h), { shape: [2 ** 53, 2], length: 2 ** 54 })],
    ['length-wrong', (h) => (t0(h).length += 1)], ['offset-wrong', (h) => (h.tensors[1].offset += 1)], ['offset-negative', (h) => (t0(h).offset = -1)],
    ['tensor-dropped', (h) => h.tensors.pop()], ['tensor-extra', (h) => h.tensors.push({ name: 'extra', shape: [1], offset: 99999, length: 1 })],
    ['training-string', (h) => (h.training = 'x')], ['training-list', (h) => (h.training = [])], ['training-missing', (h) => delete h.training],
    ...['seed', 'batchSize', 'trainCount', 'epochsCompleted', 'batchesCompleted', 'lr', 'partial', 'history'].map((k) => [`training-${k}-missing`, (h) => delete h.training[k]]),
    ['training-seed-negative', (h) => (h.training.seed = -1)], ['training-seed-fraction', (h) => (h.training.seed = 1.5)],
    ['training-batchSize-string', (h) => (h.training.batchSize = '4')], ['training-lr-nan-string', (h) => (h.training.lr = 'NaN')],
    ['training-lr-null', (h) => (h.training.lr = null)], ['training-partial-null', (h) => (h.training.partial = null)],
    ['training-lossSum-lowercase-nan', (h) => (h.training.partial.lossSum = 'nan')], ['training-lossSum-null', (h) => (h.training.partial.lossSum = null)],
    ['training-seen-negative', (h) => (h.training.partial.seen = -3)], ['training-history-string', (h) => (h.training.history = 'x')],
    ['training-history-null-row', (h) => (h.training.history = [null])], ['training-history-loss-inf', (h) => (h.training.history[0].loss = 'Inf')],
    ['training-history-epoch-negative', (h) => (h.training.history[0].epoch = -1)], ['training-history-testAcc-string', (h) => (h.training.history[0].testAcc = 'x')],
  ];
  return list;
}

/** Benign variants of the training position: non-finite losses, written as the reader documents them. */
const NON_FINITE_TRAINING = { ...TRAINING, partial: { ...TRAINING.partial, lossSum: NaN }, history: [{ ...TRAINING.history[0], loss: Infinity }, { epoch: 2, loss: -Infinity, trainAcc: 0.1, testAcc: 0.5, seconds: 1 }] };

export async function* trials({ full, rng, tmp }) {
  const backend = await createTs({ threads: 1 });
  const model = lenetBN(backend, { seed: 0 });
  const fresh = () => lenetBN(backend, { seed: 1 });
  const sound = encodeCheckpoint(await captureCheckpoint(model, TRAINING));
  const { header, payload } = split(sound);
  let n = 0;
  const file = (bytes, name = `f${n++}.ckpt`) => {
    const path = join(tmp, name);
    writeFileSync(path, bytes);
    return path;
  };
  /** A file given to readCheckpoint and then loadCheckpoint: must be refused with a CheckpointError. */
  const refusedFile = (id, bytes) => ({ id, run: () => refusalOf(async () => loadCheckpoint(file(bytes), fresh()), EXPECTED) });

  // ---- benign controls
  yield { id: 'sound-checkpoint', malformed: false, run: () => accepted(async () => loadCheckpoint(file(sound), fresh())) };
  yield { id: 'bare-model', malformed: false, run: () => accepted(async () => loadCheckpoint(file(encodeCheckpoint(await captureCheckpoint(model, null))), fresh())) };
  yield {
    id: 'non-finite-values-round-trip', malformed: false,
    run: () => accepted(async () => {
      const c = await captureCheckpoint(model, NON_FINITE_TRAINING);
      const specials = [NaN, Infinity, -Infinity, -0, 3.4e38, 1e-45];
      const first = Object.keys(c.tensors)[0];
      c.tensors[first].data.set(specials);
      const back = await readCheckpoint(file(encodeCheckpoint(c)));
      const bits = (a) => Array.from(new Uint32Array(a.buffer, a.byteOffset, specials.length));
      if (bits(back.tensors[first].data).join() !== bits(c.tensors[first].data).join()) throw new Error('non-finite tensor values did not round-trip bit for bit');
      const t = back.training;
      if (!Number.isNaN(t.partial.lossSum) || t.history[0].loss !== Infinity || t.history[1].loss !== -Infinity) throw new Error(`non-finite losses came back as ${JSON.stringify(t)}`);
    }),
  };
  yield { id: 'save-over-own-checkpoint', malformed: false, run: () => accepted(async () => saveCheckpoint(file(sound, 'own.ckpt'), model, TRAINING)) };

  // ---- truncations and appended bytes
  const h = new DataView(sound.buffer, sound.byteOffset).getUint32(8, true);
  const lengths = new Set([0, 1, 7, 8, 11, 12, 13, PREFIX + (h >> 1), PREFIX + h, PREFIX + h + 4, PREFIX + h + (payload.length >> 1), sound.length - 33, sound.length - 32, sound.length - 1]);
  for (let i = 0; i < (full ? RANDOM.truncations[0] : RANDOM.truncations[1]); i++) lengths.add(Math.floor(rng() * sound.length));
  for (const len of [...lengths].sort((a, b) => a - b)) yield refusedFile(`truncated-to-${len}`, sound.subarray(0, len));
  for (const extra of [1, 4, 32]) yield refusedFile(`appended-${extra}-bytes`, Uint8Array.from([...sound, ...new Array(extra).fill(7)]));

  // ---- bit flips anywhere (the digest must catch each), and in the digest itself
  const flips = new Set([0, 8, 11, 12, PREFIX + h, sound.length - 1].map((byte) => byte * 8));
  for (let i = 0; i < (full ? RANDOM.flips[0] : RANDOM.flips[1]); i++) flips.add(Math.floor(rng() * sound.length * 8));
  for (const bit of flips) {
    const bytes = sound.slice();
    bytes[bit >> 3] ^= 1 << (bit & 7);
    yield refusedFile(`bit-${bit}-flipped`, bytes);
  }

  // ---- forged, re-sealed: the header checks behind the digest
  yield refusedFile('magic-wrong', seal({ header, payload, magic: 'BNKITCKQ' }));
  yield refusedFile('magic-safetensors-like', seal({ header, payload, magic: '\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000' }));
  for (const [id, headerLength] of [['header-length-huge', 0xfffffffc], ['header-length-unaligned', 3], ['header-length-zero', 0], ['header-length-past-end', 1 << 20]]) {
    yield refusedFile(id, seal({ header, payload, headerLength }));
  }
  for (const [id, text] of [['header-empty', ''], ['header-null', 'null'], ['header-list', '[]'], ['header-cut', '{"format":'], ['header-deep', `${'['.repeat(50_000)}${']'.repeat(50_000)}`]]) {
    yield refusedFile(id, seal({ header: text, payload }));
  }
  yield refusedFile('header-not-utf8', seal({ header: Uint8Array.of(0xff, 0xfe, 0xfd, 0xfc), payload }));
  for (const [id, edit] of headerForgeries()) yield refusedFile(`forged-${id}`, seal({ header: forged(header, edit), payload }));
  yield refusedFile('payload-longer-than-header', seal({ header, payload: Uint8Array.from([...payload, 0, 0, 0, 0]) }));
  yield refusedFile('payload-empty', seal({ header, payload: new Uint8Array(0) }));

  // ---- sound files that do not fit the model
  yield { id: 'checkpoint-of-lenet-into-lenetBN', run: () => refusalOf(async () => loadCheckpoint(file(encodeCheckpoint(await captureCheckpoint(lenet(backend, { seed: 0 }), null))), fresh()), EXPECTED) };
  yield {
    id: 'checkpoint-with-other-shape', run: () => refusalOf(async () => {
      const c = decodeCheckpoint(sound);
      const [name, t] = Object.entries(c.tensors)[0];
      const other = { ...c, tensors: { ...c.tensors, [name]: { shape: [t.data.length], data: t.data } } };
      return loadCheckpoint(file(encodeCheckpoint(other)), fresh());
    }, EXPECTED),
  };

  // ---- paths that are not a checkpoint file
  const dir = join(tmp, 'a-directory.ckpt');
  mkdirSync(dir);
  const fifo = join(tmp, 'a-fifo.ckpt');
  let haveFifo = true;
  try {
    execFileSync('mkfifo', [fifo]);
  } catch {
    haveFifo = false;
  }
  const loop = join(tmp, 'loop.ckpt');
  symlinkSync(loop, loop);
  const text = file(new TextEncoder().encode('notes, not a checkpoint\n'), 'notes.txt');
  const paths = [
    ['path-directory', dir], ['path-missing', join(tmp, 'missing.ckpt')], ['path-under-a-file', join(text, 'x.ckpt')], ['path-empty', ''],
    ['path-symlink-loop', loop], ['path-dev-null', '/dev/null'], ['path-text-file', text], ['path-empty-file', file(new Uint8Array(0))],
    ...(haveFifo ? [['path-fifo', fifo]] : []),
  ];
  for (const [id, path] of paths) {
    yield { id: `read-${id}`, timeoutMs: 10_000, run: () => refusalOf(() => readCheckpoint(path), EXPECTED) };
    yield { id: `load-weights-${id}`, timeoutMs: 10_000, run: () => refusalOf(() => loadPyTorchWeights(path, fresh()), EXPECTED) };
  }
  for (const [id, path] of [['save-over-directory', dir], ['save-over-text-file', text], ...(haveFifo ? [['save-over-fifo', fifo]] : [])]) {
    yield { id, timeoutMs: 10_000, run: () => refusalOf(() => saveCheckpoint(path, model, null), EXPECTED) };
  }

  // ---- safetensors (PyTorch weights): the same reader of model files, the same errors
  const weights = await exportPyTorchWeights(model);
  const weightsFile = (bytes) => file(bytes, `w${n++}.safetensors`);
  const refusedWeights = (id, bytes) => ({ id: `weights-${id}`, run: () => refusalOf(() => loadPyTorchWeights(weightsFile(bytes), fresh()), EXPECTED) });
  yield { id: 'weights-sound', malformed: false, run: () => accepted(() => loadPyTorchWeights(weightsFile(weights), fresh())) };
  const wView = new DataView(weights.buffer, weights.byteOffset, weights.byteLength);
  const wHeaderLength = Number(wView.getBigUint64(0, true));
  const wHeader = JSON.parse(new TextDecoder().decode(weights.subarray(8, 8 + wHeaderLength)));
  const wData = weights.subarray(8 + wHeaderLength);
  const sealWeights = (hdr, data = wData, length) => {
    const json = new TextEncoder().encode(typeof hdr === 'string' ? hdr : JSON.stringify(hdr));
    const out = new Uint8Array(8 + json.length + data.length);
    new DataView(out.buffer).setBigUint64(0, BigInt(length ?? json.length), true);
    out.set(json, 8);
    out.set(data, 8 + json.length);
    return out;
  };
  const firstName = Object.keys(wHeader).find((k) => k !== '__metadata__');
  const wForge = (edit) => {
    const copy = structuredClone(wHeader);
    edit(copy[firstName], copy);
    return sealWeights(copy);
  };
  for (const len of [0, 4, 8, 9, 8 + (wHeaderLength >> 1), 8 + wHeaderLength, weights.length - 1]) yield refusedWeights(`truncated-to-${len}`, weights.subarray(0, len));
  for (const [id, length] of [['header-length-huge', 2 ** 53 - 1], ['header-length-2^40', 2 ** 40], ['header-length-zero', 0]]) yield refusedWeights(id, sealWeights(wHeader, wData, length));
  for (const [id, text] of [['header-not-json', '{"a":'], ['header-null', 'null'], ['header-list', '[]']]) yield refusedWeights(id, sealWeights(text));
  const weightForgeries = [
    ['dtype-f64', (t) => (t.dtype = 'F64')], ['dtype-missing', (t) => delete t.dtype], ['shape-wrong', (t) => (t.shape = [1])],
    ['shape-huge', (t) => (t.shape = [2 ** 26, 2 ** 26])], ['offsets-past-end', (t) => (t.data_offsets = [0, 2 ** 40])],
    ['offsets-reversed', (t) => (t.data_offsets = [t.data_offsets[1], t.data_offsets[0]])], ['offsets-fraction', (t) => (t.data_offsets = [0.5, 4])],
    ['offsets-missing', (t) => delete t.data_offsets], ['tensor-dropped', (_t, all) => delete all[firstName]],
    ['tensor-unknown', (_t, all) => (all['99.weight'] = { ...all[firstName] })], ['metadata-number', (_t, all) => (all.__metadata__ = 5)],
  ];
  for (const [id, edit] of weightForgeries) yield refusedWeights(`forged-${id}`, wForge(edit));

  await backend.close();
}

/** A benign control: accepted when `call` resolves, refused (a finding) when it throws. */
async function accepted(call) {
  try {
    await call();
    return { outcome: 'accepted', detail: 'read back as saved' };
  } catch (e) {
    return { outcome: 'refused', detail: describeError(e) };
  }
}
