// @noble/hashes: a synchronous SHA-256 in any runtime (node:crypto is Node's only, WebCrypto's is asynchronous).
import { sha256 } from '@noble/hashes/sha2.js';
import { sizeOf } from '@bnkit/core';
import type { TrainingState } from '../training-state.js';
import { CorruptCheckpointError } from './errors.js';
import { decodeTrainingState, encodeTrainingState } from './training-header.js';

/*
 * bnkit checkpoint file, format version 1 (see README "Checkpoint format"):
 *
 *   offset 0        8 bytes   magic "BNKITCKP" (ASCII)
 *   offset 8        4 bytes   H, header length in bytes, uint32 little-endian, a multiple of 4
 *   offset 12       H bytes   header: UTF-8 JSON, padded with spaces
 *   offset 12+H     P bytes   payload: every tensor's values as float32 little-endian, back to back
 *   offset 12+H+P  32 bytes   SHA-256 of all preceding bytes
 *
 * The header's `tensors` list gives each tensor's name, shape, and offset/length in float32 values
 * from the start of the payload. The trailing digest covers header and payload, so any damaged or
 * truncated file is refused instead of loading half a model.
 */

export const CHECKPOINT_MAGIC = 'BNKITCKP';
export const CHECKPOINT_FORMAT = 'bnkit-checkpoint';
export const CHECKPOINT_VERSION = 1;
const PREFIX = 12;
const DIGEST = 32;

export interface HostTensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/**
 * What the program that trained says about its run (bnkit-train keeps its options here, so `--resume`
 * continues the run without them): flat, JSON-safe values, kept as given; @bnkit/nn does not read them.
 */
export type RunDescription = Readonly<Record<string, string | number | boolean | null>>;

export interface Checkpoint {
  /** Parameters and running statistics by qualified name (`conv1.weight`, `bn1.runningMean`, ...). */
  readonly tensors: Readonly<Record<string, HostTensor>>;
  /** The run's position, or null for a bare model. */
  readonly training: TrainingState | null;
  /** Description of the model that was saved (`Sequential.describe()`), for messages. */
  readonly model: string;
  /** The saving program's description of the run, when it gave one. */
  readonly run?: RunDescription;
}

interface TensorEntry {
  readonly name: string;
  readonly shape: number[];
  readonly offset: number;
  readonly length: number;
}

interface Header {
  readonly format: typeof CHECKPOINT_FORMAT;
  readonly version: number;
  readonly model: string;
  readonly tensors: TensorEntry[];
  /** As training-header.ts writes it (non-finite losses as strings); null for a bare model. */
  readonly training: unknown;
  readonly run?: unknown;
}

/** A run description as a header holds it, or undefined when it is anything else. */
function runDescriptionOf(v: unknown): RunDescription | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  const flat = Object.values(v).every((x) => x === null || typeof x === 'string' || typeof x === 'boolean' || (typeof x === 'number' && Number.isFinite(x)));
  return flat ? (v as RunDescription) : undefined;
}

export function encodeCheckpoint(checkpoint: Checkpoint): Uint8Array {
  const entries: TensorEntry[] = [];
  let offset = 0;
  for (const [name, t] of Object.entries(checkpoint.tensors)) {
    entries.push({ name, shape: [...t.shape], offset, length: t.data.length });
    offset += t.data.length;
  }
  const header: Header = {
    format: CHECKPOINT_FORMAT, version: CHECKPOINT_VERSION, model: checkpoint.model, tensors: entries,
    training: checkpoint.training === null ? null : encodeTrainingState(checkpoint.training),
    ...(checkpoint.run !== undefined ? { run: checkpoint.run } : {}),
  };
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 4) * 4;
  if (padded !== json.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const bytes = new Uint8Array(PREFIX + json.length + offset * 4 + DIGEST);
  const view = new DataView(bytes.buffer);
  bytes.set(new TextEncoder().encode(CHECKPOINT_MAGIC), 0);
  view.setUint32(8, json.length, true);
  bytes.set(json, PREFIX);
  let at = PREFIX + json.length;
  for (const t of Object.values(checkpoint.tensors)) {
    for (let i = 0; i < t.data.length; i++, at += 4) view.setFloat32(at, t.data[i], true);
  }
  bytes.set(sha256(bytes.subarray(0, at)), at);
  return bytes;
}

export function decodeCheckpoint(bytes: Uint8Array, source = '<memory>'): Checkpoint {
  const bad = (why: string): CorruptCheckpointError => new CorruptCheckpointError(source, why);
  if (bytes.length < PREFIX + DIGEST) throw bad(`only ${bytes.length} bytes; not a bnkit checkpoint (or truncated)`);
  if (new TextDecoder().decode(bytes.subarray(0, 8)) !== CHECKPOINT_MAGIC) throw bad(`does not start with "${CHECKPOINT_MAGIC}"; not a bnkit checkpoint`);
  const body = bytes.subarray(0, bytes.length - DIGEST);
  const digest = sha256(body);
  const stored = bytes.subarray(bytes.length - DIGEST);
  if (!digest.every((b, i) => b === stored[i])) throw bad('SHA-256 checksum mismatch: the file is damaged or truncated');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(8, true);
  if (headerLength % 4 !== 0 || PREFIX + headerLength > body.length) throw bad(`header length ${headerLength} does not fit the file`);
  let header: Header;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(PREFIX, PREFIX + headerLength))) as Header;
  } catch (e) {
    throw bad(`header is not valid UTF-8 JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (!header || header.format !== CHECKPOINT_FORMAT) throw bad(`header.format must be "${CHECKPOINT_FORMAT}"`);
  if (header.version !== CHECKPOINT_VERSION) {
    throw bad(`format version ${String(header.version)} is not supported; this bnkit reads version ${CHECKPOINT_VERSION}`);
  }
  if (typeof header.model !== 'string') throw bad('header.model must be a string');
  const payloadStart = PREFIX + headerLength;
  const payloadValues = (body.length - payloadStart) / 4;
  if (!Array.isArray(header.tensors)) throw bad('header.tensors must be a list');
  const tensors: Record<string, HostTensor> = {};
  let expectedOffset = 0;
  for (const [i, e] of header.tensors.entries()) {
    const where = `header.tensors[${i}]`;
    if (!e || typeof e.name !== 'string' || e.name === '' || e.name in tensors) throw bad(`${where}.name must be a unique non-empty string`);
    if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw bad(`${where}.shape must be a list of non-negative integers`);
    const size = sizeOf(e.shape);
    if (e.length !== size || e.offset !== expectedOffset) throw bad(`${where} ('${e.name}') has offset/length ${e.offset}/${e.length}, expected ${expectedOffset}/${size}`);
    // Before allocating: a forged header may list more values than any memory holds; the payload bounds them.
    if (expectedOffset + size > payloadValues) throw bad(`${where} ('${e.name}') lists ${size} values but the payload holds only ${payloadValues - expectedOffset} more`);
    const data = new Float32Array(size);
    const base = payloadStart + e.offset * 4;
    for (let k = 0; k < size; k++) data[k] = view.getFloat32(base + k * 4, true);
    tensors[e.name] = { shape: e.shape, data };
    expectedOffset += size;
  }
  if (expectedOffset !== payloadValues) throw bad(`payload holds ${payloadValues} values but the header lists ${expectedOffset}`);
  const training: TrainingState | null = header.training === null ? null : decodeTrainingState(header.training, bad);
  const run = header.run === undefined ? undefined : runDescriptionOf(header.run);
  if (header.run !== undefined && run === undefined) throw bad('header.run must be an object of strings, finite numbers, booleans or null');
  return { tensors, training, model: header.model, ...(run !== undefined ? { run } : {}) };
}
