import { createHash } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { MalformedDataFileError } from './errors.js';
import { readRegularFile } from './files.js';
import { PIXELS, type RawImages } from './types.js';

/*
 * Binary cache of a converted data set. Little-endian layout:
 *   0  magic "BNKITFM\0" (8 bytes)       8  format version (u32)     12  image count N (u32)
 *   16 values per image (u32, 784)      20  reserved (u32, 0)
 *   24 source fingerprint (32 bytes)    56  sha256 of the payload (32 bytes)
 *   88 payload: N labels (u8), then N*784 pixels (u8)
 * Bytes, not floats, keep it at 55 MB instead of 220 MB; scaling to [0, 1] on load costs ~0.1 s.
 */
const MAGIC = Buffer.from('BNKITFM\0', 'latin1');
export const CACHE_FORMAT_VERSION = 1;
const HEADER_BYTES = 88;

export type CacheRead =
  | { readonly ok: true; readonly raw: RawImages }
  | { readonly ok: false; readonly missing: boolean; readonly reason: string };

function sha256(bytes: Uint8Array): Buffer {
  return createHash('sha256').update(bytes).digest();
}

/** Writes the cache atomically (temporary file, then rename), so a reader never sees half a file. */
export async function writeCache(path: string, raw: RawImages, fingerprint: Uint8Array): Promise<void> {
  const payload = new Uint8Array(raw.count * (1 + PIXELS));
  payload.set(raw.labels, 0);
  payload.set(raw.pixels, raw.count);
  const header = Buffer.alloc(HEADER_BYTES);
  MAGIC.copy(header, 0);
  header.writeUInt32LE(CACHE_FORMAT_VERSION, 8);
  header.writeUInt32LE(raw.count, 12);
  header.writeUInt32LE(PIXELS, 16);
  Buffer.from(fingerprint).copy(header, 24);
  sha256(payload).copy(header, 56);
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, Buffer.concat([header, payload]));
    try {
      await rename(tmp, path);
    } catch (e) {
      // Only a directory (or the like) in the cache file's place stops a rename over it.
      throw new MalformedDataFileError(path, `the rebuilt cache cannot replace what is there (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); remove it or choose another cache folder`);
    }
  } finally {
    await rm(tmp, { force: true });
  }
}

/** Reads and verifies a cache; says why when it cannot be used (missing, truncated, corrupt, stale). */
export async function readCache(path: string, fingerprint: Uint8Array): Promise<CacheRead> {
  const read = await readRegularFile(path);
  if (!read.ok) return { ok: false, missing: read.problem === 'missing', reason: read.problem === 'missing' ? 'no cache yet' : read.detail };
  const bytes = read.bytes;
  const fail = (reason: string): CacheRead => ({ ok: false, missing: false, reason });
  if (bytes.length < HEADER_BYTES) return fail(`only ${bytes.length} bytes, shorter than its ${HEADER_BYTES}-byte header`);
  if (!bytes.subarray(0, 8).equals(MAGIC)) return fail('not a bnkit cache file (bad magic)');
  const version = bytes.readUInt32LE(8);
  if (version !== CACHE_FORMAT_VERSION) return fail(`format version ${version}, this bnkit reads ${CACHE_FORMAT_VERSION}`);
  const count = bytes.readUInt32LE(12);
  if (bytes.readUInt32LE(16) !== PIXELS) return fail(`${bytes.readUInt32LE(16)} values per image, expected ${PIXELS}`);
  if (!bytes.subarray(24, 56).equals(Buffer.from(fingerprint))) return fail('built from a different source');
  const expected = HEADER_BYTES + count * (1 + PIXELS);
  if (bytes.length !== expected) return fail(`${bytes.length} bytes, expected ${expected} for ${count} images (truncated?)`);
  const payload = bytes.subarray(HEADER_BYTES);
  if (!sha256(payload).equals(bytes.subarray(56, 88))) return fail('sha256 checksum mismatch (corrupt)');
  return { ok: true, raw: { labels: payload.subarray(0, count), pixels: payload.subarray(count), count } };
}
