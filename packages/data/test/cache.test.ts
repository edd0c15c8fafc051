import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CACHE_FILE, MalformedDataFileError, MissingDataFileError, defaultCacheDir, loadFashionMnist, type LoadProgress } from '@bnkit/data';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'bnkit-cache-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A tiny source in the fashion-mnist package's format: class c holds c + 2 images; pixel p of image i is (c*31 + i*7 + p) mod 256. */
function syntheticSource(): string {
  const dir = tempDir();
  for (let c = 0; c < 10; c++) {
    const images = Array.from({ length: c + 2 }, (_, i) => Array.from({ length: 784 }, (_, p) => (c * 31 + i * 7 + p) % 256));
    if (c === 0) images.push([]); // the real package has empty entries too: they load as blank images
    writeFileSync(join(dir, `${c}.json`), JSON.stringify({ data: images }));
  }
  return dir;
}

function expectSyntheticContent(train: { images: Float32Array; labels: Int32Array; count: number }): void {
  // 3 in class 0, then 3 + 4 + ... + 11 images, all training (fewer than 6,000 per class).
  expect(train.count).toBe(3 + 63);
  expect(Array.from(train.labels.subarray(0, 4))).toEqual([0, 0, 0, 1]);
  // class 1, image 0 is sample 3: pixel 5 = (31 + 5) mod 256
  expect(train.images[3 * 784 + 5]).toBe(Math.fround(36 / 255));
  // the empty entry of class 0 is sample 2
  expect(train.images.subarray(2 * 784, 3 * 784).every((v) => v === 0)).toBe(true);
}

describe('embedded data set cache', () => {
  it('converts the source once with progress, then serves the cache', async () => {
    const sourceDir = syntheticSource();
    const cacheDir = tempDir();
    const progress: LoadProgress[] = [];
    const logs: string[] = [];
    const first = await loadFashionMnist({ sourceDir, cacheDir, onProgress: (p) => progress.push(p), log: (l) => logs.push(l) });
    expect(progress.map((p) => p.done)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(progress.every((p) => p.total === 10 && p.phase === 'convert')).toBe(true);
    expect(statSync(join(cacheDir, CACHE_FILE)).size).toBe(88 + 66 * 785);
    expectSyntheticContent(first.train);
    expect(first.test.count).toBe(0);

    const again = await loadFashionMnist({ sourceDir, cacheDir, onProgress: (p) => progress.push(p), log: (l) => logs.push(l) });
    expect(progress).toHaveLength(10); // no second conversion
    expect(logs).toEqual([]);
    expect(again.train.images).toEqual(first.train.images);
    expect(again.train.labels).toEqual(first.train.labels);
  });

  const corruptions: [string, (file: string) => void, RegExp][] = [
    ['a flipped payload byte', (f) => {
      const b = readFileSync(f);
      b[b.length - 100] ^= 0xff;
      writeFileSync(f, b);
    }, /checksum mismatch/],
    ['a flipped label byte', (f) => {
      const b = readFileSync(f);
      b[88] ^= 0x01;
      writeFileSync(f, b);
    }, /checksum mismatch/],
    ['a truncated file', (f) => truncateSync(f, statSync(f).size - 1000), /truncated/],
    ['a file cut inside its header', (f) => truncateSync(f, 40), /shorter than its 88-byte header/],
    ['a foreign file', (f) => writeFileSync(f, Buffer.alloc(200, 7)), /bad magic/],
    ['another format version', (f) => {
      const b = readFileSync(f);
      b.writeUInt32LE(99, 8);
      writeFileSync(f, b);
    }, /format version 99/],
  ];

  it.each(corruptions)('detects %s, says so, and rebuilds', async (_what, corrupt, reason) => {
    const sourceDir = syntheticSource();
    const cacheDir = tempDir();
    const cacheFile = join(cacheDir, CACHE_FILE);
    await loadFashionMnist({ sourceDir, cacheDir, log: () => undefined });
    const good = readFileSync(cacheFile);
    corrupt(cacheFile);

    const logs: string[] = [];
    let conversions = 0;
    const rebuilt = await loadFashionMnist({ sourceDir, cacheDir, log: (l) => logs.push(l), onProgress: () => conversions++ });
    expect(logs).toHaveLength(1);
    expect(logs[0]).toContain(cacheFile);
    expect(logs[0]).toMatch(reason);
    expect(logs[0]).toMatch(/rebuilding/);
    expect(conversions).toBe(10);
    expectSyntheticContent(rebuilt.train);
    expect(readFileSync(cacheFile).equals(good)).toBe(true);
  });

  it('rebuilds over a FIFO in the cache file\'s place without waiting on it, and refuses a directory there', async () => {
    const sourceDir = syntheticSource();
    const fifoDir = tempDir();
    expect(spawnSync('mkfifo', [join(fifoDir, CACHE_FILE)]).status).toBe(0);
    const logs: string[] = [];
    const { train } = await loadFashionMnist({ sourceDir, cacheDir: fifoDir, log: (l) => logs.push(l) });
    expect(logs.join()).toMatch(/is a FIFO, not a regular file\); rebuilding it/);
    expectSyntheticContent(train);
    expect(statSync(join(fifoDir, CACHE_FILE)).isFile()).toBe(true);
    const dirDir = tempDir();
    mkdirSync(join(dirDir, CACHE_FILE));
    await expect(loadFashionMnist({ sourceDir, cacheDir: dirDir, log: () => {} })).rejects.toThrow(MalformedDataFileError);
  });

  it('rebuilds a cache made from a different source', async () => {
    const sourceDir = syntheticSource();
    const cacheDir = tempDir();
    await loadFashionMnist({ sourceDir, cacheDir });
    writeFileSync(join(sourceDir, '9.json'), JSON.stringify({ data: [new Array(784).fill(255)] }));
    const logs: string[] = [];
    const { train } = await loadFashionMnist({ sourceDir, cacheDir, log: (l) => logs.push(l) });
    expect(logs.join()).toMatch(/different source/);
    expect(train.count).toBe(66 - 11 + 1);
    expect(train.images[train.images.length - 1]).toBe(1);
  });

  it('reports a missing or malformed source file by name', async () => {
    const sourceDir = syntheticSource();
    rmSync(join(sourceDir, '4.json'));
    await expect(loadFashionMnist({ sourceDir, cacheDir: tempDir() })).rejects.toThrow(MissingDataFileError);
    await expect(loadFashionMnist({ sourceDir, cacheDir: tempDir() })).rejects.toThrow(/missing data file 4\.json/);
    writeFileSync(join(sourceDir, '4.json'), JSON.stringify({ data: [[1, 2, 3]] }));
    await expect(loadFashionMnist({ sourceDir, cacheDir: tempDir() })).rejects.toThrow(MalformedDataFileError);
    writeFileSync(join(sourceDir, '4.json'), JSON.stringify({ data: [new Array(784).fill(256)] }));
    await expect(loadFashionMnist({ sourceDir, cacheDir: tempDir() })).rejects.toThrow(/integers in \[0, 255\]/);
  });
});

describe('defaultCacheDir', () => {
  it('prefers $BNKIT_CACHE_DIR, else .cache/bnkit at the workspace root, else in the working directory', () => {
    const root = tempDir();
    const nested = join(root, 'packages', 'app');
    mkdirSync(nested, { recursive: true });
    expect(defaultCacheDir({ BNKIT_CACHE_DIR: '/var/cache/x' }, nested)).toBe('/var/cache/x');
    expect(defaultCacheDir({ BNKIT_CACHE_DIR: 'rel' }, nested)).toBe(join(nested, 'rel'));
    expect(defaultCacheDir({}, nested)).toBe(join(nested, '.cache', 'bnkit'));
    writeFileSync(join(root, 'pnpm-workspace.yaml'), 'packages: []\n');
    expect(defaultCacheDir({}, nested)).toBe(join(root, '.cache', 'bnkit'));
  });
});
