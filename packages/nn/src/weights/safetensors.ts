import { sizeOf } from '@bnkit/core';
import { CorruptCheckpointError } from '../checkpoint/errors.js';

/*
 * safetensors (huggingface/safetensors), the whole format:
 *
 *   offset 0      8 bytes  N, header length, uint64 little-endian
 *   offset 8      N bytes  header: UTF-8 JSON object, may be padded with spaces;
 *                          { "<name>": { "dtype": "F32", "shape": [6, 1, 5, 5], "data_offsets": [begin, end] }, ...,
 *                            "__metadata__": { "<key>": "<string>" } (optional) }
 *   offset 8+N             the byte buffer: each tensor's values row-major, little-endian, at
 *                          [begin, end) from the start of the buffer; the tensors cover it without gaps or overlaps.
 *
 * Only the dtypes bnkit exchanges are supported: F32 (weights, statistics) and I64 (num_batches_tracked).
 */

export type SafeTensor =
  | { readonly dtype: 'F32'; readonly shape: readonly number[]; readonly data: Float32Array }
  | { readonly dtype: 'I64'; readonly shape: readonly number[]; readonly data: BigInt64Array };

export interface SafetensorsFile {
  /** Tensors in the order of their data in the file. */
  readonly tensors: ReadonlyMap<string, SafeTensor>;
  readonly metadata: Readonly<Record<string, string>>;
}

const BYTES = { F32: 4, I64: 8 } as const;
const DTYPES = Object.keys(BYTES) as Array<keyof typeof BYTES>;
/** The reference implementation refuses larger headers too; it bounds what a hostile file can make us parse. */
const MAX_HEADER = 100_000_000;

/** Encodes tensors in the given order; the header is padded with spaces so the buffer starts 8-byte aligned. */
export function encodeSafetensors(tensors: ReadonlyArray<readonly [string, SafeTensor]>, metadata: Readonly<Record<string, string>> = {}): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let end = 0;
  for (const [name, t] of tensors) {
    const begin = end;
    end += t.data.length * BYTES[t.dtype];
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [begin, end] };
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((new TextEncoder().encode(json).length + 8) % 8)) % 8);
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + end);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const [, t] of tensors) {
    for (const v of t.data) {
      if (t.dtype === 'F32') view.setFloat32(at, v as number, true);
      else view.setBigInt64(at, v as bigint, true);
      at += BYTES[t.dtype];
    }
  }
  return out;
}

const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

/** Decodes and validates a safetensors file; any inconsistency is a CorruptCheckpointError naming `source`. */
export function decodeSafetensors(bytes: Uint8Array, source: string): SafetensorsFile {
  const fail = (why: string): never => {
    throw new CorruptCheckpointError(source, `not a valid safetensors file: ${why}`);
  };
  if (bytes.length < 8) fail(`${bytes.length} bytes, shorter than the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getBigUint64(0, true);
  if (n > BigInt(Math.min(bytes.length - 8, MAX_HEADER))) fail(`header length ${n} exceeds the ${bytes.length - 8} bytes after it`);
  const headerEnd = 8 + Number(n);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, headerEnd)));
  } catch (e) {
    fail(`the header is not UTF-8 JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) fail('the header is not a JSON object');
  const dataLength = bytes.length - headerEnd;
  const entries: Array<{ name: string; dtype: keyof typeof BYTES; shape: number[]; begin: number; end: number }> = [];
  let metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.values(value).every((v) => typeof v === 'string')) {
        fail('__metadata__ must be an object of strings');
      }
      metadata = value as Record<string, string>;
      continue;
    }
    const e = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown } | null;
    if (typeof e !== 'object' || e === null) fail(`tensor '${name}' is not an object`);
    const { dtype, shape, data_offsets: offsets } = e as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (!DTYPES.includes(dtype as keyof typeof BYTES)) fail(`tensor '${name}' has dtype ${JSON.stringify(dtype)}; supported: ${DTYPES.join(', ')}`);
    if (!Array.isArray(shape) || !shape.every(isCount)) fail(`tensor '${name}' has shape ${JSON.stringify(shape)}; a shape is a list of integers >= 0`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount) || offsets[0] > offsets[1]) {
      fail(`tensor '${name}' has data_offsets ${JSON.stringify(offsets)}; expected [begin, end] with 0 <= begin <= end`);
    }
    const [begin, end] = offsets as [number, number];
    const d = dtype as keyof typeof BYTES;
    const expected = sizeOf(shape as number[]) * BYTES[d];
    if (end - begin !== expected) fail(`tensor '${name}' (${d}, shape [${(shape as number[]).join(', ')}]) needs ${expected} bytes, its data_offsets span ${end - begin}`);
    entries.push({ name, dtype: d, shape: shape as number[], begin, end });
  }
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  for (const e of entries) {
    if (e.begin !== covered) fail(`tensor '${e.name}' starts at byte ${e.begin} of the buffer, expected ${covered} (the tensors must cover it without gaps or overlaps)`);
    covered = e.end;
  }
  if (covered !== dataLength) fail(`the tensors cover ${covered} bytes of data, the file has ${dataLength} after the header`);
  const tensors = new Map<string, SafeTensor>();
  for (const e of entries) {
    const at = headerEnd + e.begin;
    const count = (e.end - e.begin) / BYTES[e.dtype];
    if (e.dtype === 'F32') {
      const data = new Float32Array(count);
      for (let i = 0; i < count; i++) data[i] = view.getFloat32(at + 4 * i, true);
      tensors.set(e.name, { dtype: 'F32', shape: e.shape, data });
    } else {
      const data = new BigInt64Array(count);
      for (let i = 0; i < count; i++) data[i] = view.getBigInt64(at + 8 * i, true);
      tensors.set(e.name, { dtype: 'I64', shape: e.shape, data });
    }
  }
  return { tensors, metadata };
}
