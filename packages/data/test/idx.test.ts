import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { IDX_FILES, MalformedDataFileError, MissingDataFileError, loadFashionMnist, parseIdx } from '@bnkit/data';

/** An IDX file of unsigned bytes, written by hand from the format's description. */
function idx(dims: number[], values: ArrayLike<number>, magic = [0, 0, 0x08, dims.length]): Uint8Array {
  const header = new Uint8Array(4 + 4 * dims.length);
  header.set(magic, 0);
  const view = new DataView(header.buffer);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  const out = new Uint8Array(header.length + values.length);
  out.set(header, 0);
  out.set(Array.from(values), header.length);
  return out;
}

/** n images whose pixel p of image i is (i * 7 + p) mod 256, and labels i mod 10. */
function imagesIdx(n: number, rows = 28, cols = 28): Uint8Array {
  return idx([n, rows, cols], Array.from({ length: n * rows * cols }, (_, k) => ((Math.floor(k / (rows * cols)) * 7 + (k % (rows * cols))) % 256)));
}
const labelsIdx = (n: number): Uint8Array => idx([n], Array.from({ length: n }, (_, i) => i % 10));

const dirs: string[] = [];
function folder(files: Record<string, Uint8Array>): string {
  const dir = mkdtempSync(join(tmpdir(), 'bnkit-idx-'));
  dirs.push(dir);
  for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, name), bytes);
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const validFiles = (): Record<string, Uint8Array> => ({
  [IDX_FILES.trainImages]: imagesIdx(5),
  [IDX_FILES.trainLabels]: labelsIdx(5),
  [IDX_FILES.testImages]: imagesIdx(3),
  [IDX_FILES.testLabels]: labelsIdx(3),
});

describe('parseIdx', () => {
  it('reads dimensions big-endian and the values after the header', () => {
    const parsed = parseIdx(idx([2, 3], [1, 2, 3, 4, 5, 255]), 'x');
    expect(parsed.dims).toEqual([2, 3]);
    expect(Array.from(parsed.data)).toEqual([1, 2, 3, 4, 5, 255]);
    expect(parseIdx(idx([300], new Uint8Array(300)), 'big').dims).toEqual([300]);
  });

  it('inflates gzipped content', () => {
    const parsed = parseIdx(gzipSync(idx([2, 2], [9, 8, 7, 6])), 'x.gz');
    expect(parsed.dims).toEqual([2, 2]);
    expect(Array.from(parsed.data)).toEqual([9, 8, 7, 6]);
  });

  it.each([
    ['a bad magic number', idx([1], [0], [0, 0, 0x0d, 1]), /bad magic number 0x00000d01/],
    ['a non-zero first byte', idx([1], [0], [1, 0, 0x08, 1]), /bad magic/],
    ['a header cut short', idx([4, 4], new Uint8Array(16)).subarray(0, 9), /declares 2 dimensions/],
    ['too few values', idx([2, 3], [1, 2, 3, 4, 5]), /need 6 values .* holds 5/],
    ['too many values', idx([2], [1, 2, 3]), /need 2 values .* holds 3/],
    ['fewer than 4 bytes', new Uint8Array([0, 0]), /too short/],
    ['broken gzip', new Uint8Array([0x1f, 0x8b, 1, 2, 3]), /gzip/],
  ])('rejects %s with MalformedDataFileError naming the file', (_what, bytes, message) => {
    expect(() => parseIdx(bytes, '/data/f-idx')).toThrow(MalformedDataFileError);
    expect(() => parseIdx(bytes, '/data/f-idx')).toThrow(message);
    expect(() => parseIdx(bytes, '/data/f-idx')).toThrow('/data/f-idx');
  });
});

describe('loadFashionMnist({ dataDir })', () => {
  it('reads the train-* and t10k-* sets, scaling bytes to [0, 1]', async () => {
    const { train, test } = await loadFashionMnist({ dataDir: folder(validFiles()) });
    expect(train.count).toBe(5);
    expect(test.count).toBe(3);
    expect(train.shape).toEqual([1, 28, 28]);
    expect(train.images.length).toBe(5 * 784);
    expect(Array.from(train.labels)).toEqual([0, 1, 2, 3, 4]);
    // image 2, pixel 10: (2 * 7 + 10) mod 256 = 24
    expect(train.images[2 * 784 + 10]).toBe(Math.fround(24 / 255));
    expect(train.images[783]).toBe(Math.fround(((0 + 783) % 256) / 255));
  });

  it('accepts gzipped files with a .gz suffix, mixed with plain ones', async () => {
    const files = validFiles();
    const mixed = {
      [`${IDX_FILES.trainImages}.gz`]: gzipSync(files[IDX_FILES.trainImages]),
      [IDX_FILES.trainLabels]: files[IDX_FILES.trainLabels],
      [`${IDX_FILES.testImages}.gz`]: gzipSync(files[IDX_FILES.testImages]),
      [`${IDX_FILES.testLabels}.gz`]: gzipSync(files[IDX_FILES.testLabels]),
    };
    const plain = await loadFashionMnist({ dataDir: folder(files) });
    const gz = await loadFashionMnist({ dataDir: folder(mixed) });
    expect(gz.train.images).toEqual(plain.train.images);
    expect(gz.test.labels).toEqual(plain.test.labels);
  });

  it.each(Object.values(IDX_FILES))('names the missing file %s and lists the expected ones', async (name) => {
    const files = validFiles();
    delete files[name];
    const dir = folder(files);
    const error = await loadFashionMnist({ dataDir: dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MissingDataFileError);
    expect((error as MissingDataFileError).file).toBe(name);
    expect((error as Error).message).toContain(dir);
    for (const expected of Object.values(IDX_FILES)) expect((error as Error).message).toContain(expected);
  });

  it.each([
    ['a directory', (path: string) => mkdirSync(path), /is a directory, not a regular file/],
    ['a FIFO (never waited on)', (path: string) => expect(spawnSync('mkfifo', [path]).status).toBe(0), /is a FIFO, not a regular file/],
    ['a symlink to itself', (path: string) => symlinkSync(path, path), /cannot be opened \(ELOOP\)/],
  ])('rejects %s in the place of an IDX file with MalformedDataFileError', async (_what, make, message) => {
    const files = validFiles();
    delete files[IDX_FILES.trainLabels];
    const dir = folder(files);
    make(join(dir, IDX_FILES.trainLabels));
    const error = await loadFashionMnist({ dataDir: dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MalformedDataFileError);
    expect((error as Error).message).toMatch(message);
  });

  it.each([
    ['images of 27 x 28 pixels', { [IDX_FILES.trainImages]: imagesIdx(5, 27, 28) }, /dimensions \[count, 28, 28\], got \[5, 27, 28\]/],
    ['images with two dimensions', { [IDX_FILES.testImages]: idx([3, 784], new Uint8Array(3 * 784)) }, /got \[3, 784\]/],
    ['labels with two dimensions', { [IDX_FILES.trainLabels]: idx([5, 1], [0, 1, 2, 3, 4]) }, /one dimension/],
    ['fewer labels than images', { [IDX_FILES.trainLabels]: labelsIdx(4) }, /holds 4 labels but .* holds 5 images/],
    ['a label outside 0..9', { [IDX_FILES.testLabels]: idx([3], [0, 10, 1]) }, /label 10 at index 1/],
    ['a bad magic number', { [IDX_FILES.testLabels]: idx([3], [0, 1, 2], [0, 0, 0x09, 1]) }, /bad magic/],
  ])('rejects %s with MalformedDataFileError', async (_what, override, message) => {
    const dir = folder({ ...validFiles(), ...override });
    const error = await loadFashionMnist({ dataDir: dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MalformedDataFileError);
    expect((error as Error).message).toMatch(message);
    expect((error as MalformedDataFileError).file.startsWith(dir)).toBe(true);
  });
});
