/*
 * Corrupted data given to @bnkit/data (packages/data/README.md): sets of IDX files built small in the
 * area's temp folder, each with one file damaged (truncated, wrong magic, element type or dimensions,
 * labels >= 10, counts that disagree, broken gzip, a folder, FIFO or symlink loop in its place, missing),
 * which loadFashionMnist({ dataDir }) must refuse with a DataError; damaged per-class JSON sources; and a
 * binary cache corrupted every way its header and payload can be, which the README documents as detected,
 * reported and rebuilt: such a trial is `refused` when the load notices, says why, and returns the data
 * of the source. Nothing is downloaded; the embedded 149 MB source is never read (a synthetic one is).
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { CACHE_FILE, DataError, IDX_FILES, SOURCE_FILES, loadFashionMnist } from '@bnkit/data';
import { describeError, outcomeOfError } from '../trial.mjs';

export const area = 'data';
export const description = 'bad IDX sets, damaged JSON sources and corrupted caches given to loadFashionMnist';

const EXPECTED = { codes: ['DATA_FILE_MISSING', 'DATA_FILE_MALFORMED', 'DATA_INVALID_ARGUMENT'], classes: [DataError] };
const PIXELS = 784;
/** Images per IDX set: training, test. */
const COUNTS = { train: 12, t10k: 6 };

/** An IDX file of unsigned bytes: magic 0x0000080N, big-endian dimensions, the values. */
function idx(dims, values, { type = 0x08, ndims = dims.length } = {}) {
  const header = new Uint8Array(4 + 4 * dims.length);
  header.set([0, 0, type, ndims]);
  const view = new DataView(header.buffer);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d >>> 0, false));
  return Uint8Array.from([...header, ...values]);
}
const images = (count, rows = 28, cols = 28) => idx([count, rows, cols], Array.from({ length: count * rows * cols }, (_, i) => (i * 31) % 256));
const labels = (count) => idx([count], Array.from({ length: count }, (_, i) => i % 10));

/** The four files of a sound set, by their official names. */
function soundSet() {
  return {
    [IDX_FILES.trainImages]: images(COUNTS.train), [IDX_FILES.trainLabels]: labels(COUNTS.train),
    [IDX_FILES.testImages]: images(COUNTS.t10k), [IDX_FILES.testLabels]: labels(COUNTS.t10k),
  };
}

/** Damage done to one file of a set: [id, (bytes, file name) => new bytes, or a function of the path for non-files]. */
function damages(name) {
  const isImages = name.includes('images');
  const count = name.startsWith('train') ? COUNTS.train : COUNTS.t10k;
  const list = [
    ['empty', () => new Uint8Array(0)],
    ['truncated-header', (b) => b.subarray(0, 3)],
    ['truncated-dims', (b) => b.subarray(0, 6)],
    ['truncated-values', (b) => b.subarray(0, b.length - 1)],
    ['truncated-half', (b) => b.subarray(0, b.length >> 1)],
    ['one-byte-extra', (b) => Uint8Array.from([...b, 0])],
    ['magic-nonzero', (b) => Uint8Array.from([1, ...b.subarray(1)])],
    ['type-int32', (b) => Uint8Array.from([0, 0, 0x0c, ...b.subarray(3)])],
    ['type-float', (b) => Uint8Array.from([0, 0, 0x0d, ...b.subarray(3)])],
    ['ndims-zero', (b) => Uint8Array.from([0, 0, 8, 0, ...b.subarray(4)])],
    ['ndims-255', (b) => Uint8Array.from([0, 0, 8, 255, ...b.subarray(4)])],
    ['count-huge', (b) => { const c = b.slice(); new DataView(c.buffer).setUint32(4, 0xffffffff, false); return c; }],
    ['count-zero', (b) => { const c = b.slice(); new DataView(c.buffer).setUint32(4, 0, false); return c; }],
    ['gzip-broken', () => Uint8Array.from([0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5])],
    ['gzip-truncated', (b) => { const z = gzipSync(b); return z.subarray(0, z.length >> 1); }],
    ['text', () => new TextEncoder().encode('not an IDX file\n')],
  ];
  if (isImages) {
    list.push(
      ['rows-27', () => images(count, 27, 28)], ['cols-29', () => images(count, 28, 29)],
      ['four-dims', () => idx([count, 28, 28, 1], new Array(count * PIXELS).fill(0))], ['one-dim', () => idx([count * PIXELS], new Array(count * PIXELS).fill(0))],
      ['one-image-fewer', () => images(count - 1)],
    );
  } else {
    list.push(
      ['label-10', () => idx([count], Array.from({ length: count }, (_, i) => (i === count - 1 ? 10 : 0)))],
      ['label-255', () => idx([count], Array.from({ length: count }, (_, i) => (i === 0 ? 255 : 0)))],
      ['labels-two-dims', () => idx([count, 1], new Array(count).fill(0))],
      ['one-label-more', () => labels(count + 1)], ['one-label-fewer', () => labels(count - 1)],
    );
  }
  return list;
}

/** A synthetic per-class JSON source in the fashion-mnist package's format: class c holds c + 2 images. */
function soundSource() {
  return Object.fromEntries(SOURCE_FILES.map((f, c) => [f, JSON.stringify({ data: Array.from({ length: c + 2 }, (_, i) => Array.from({ length: PIXELS }, (_, p) => (c * 31 + i * 7 + p) % 256)) })]));
}

/** Cache corruptions: [id, (bytes) => new bytes]; the header layout is in packages/data/src/cache.ts. */
const CACHE_DAMAGES = [
  ['empty', () => new Uint8Array(0)], ['truncated-header', (b) => b.subarray(0, 40)], ['truncated-payload', (b) => b.subarray(0, b.length - 100)],
  ['one-byte-extra', (b) => Uint8Array.from([...b, 0])], ['magic', (b) => patch(b, 0, [0x58])], ['version-2', (b) => patch32(b, 8, 2)],
  ['count-plus-one', (b) => patch32(b, 12, new DataView(b.buffer, b.byteOffset).getUint32(12, true) + 1)], ['count-huge', (b) => patch32(b, 12, 0xffffffff)],
  ['values-per-image', (b) => patch32(b, 16, 783)], ['fingerprint', (b) => patch(b, 24, [b[24] ^ 1])], ['digest', (b) => patch(b, 56, [b[56] ^ 1])],
  ['label-byte', (b) => patch(b, 88, [b[88] ^ 0x40])], ['pixel-byte', (b) => patch(b, b.length - 1, [b[b.length - 1] ^ 1])],
  ['text', () => new TextEncoder().encode('not a cache')],
];
function patch(b, at, bytes) {
  const c = b.slice();
  c.set(bytes, at);
  return c;
}
function patch32(b, at, v) {
  const c = b.slice();
  new DataView(c.buffer, c.byteOffset).setUint32(at, v >>> 0, true);
  return c;
}

/** Source damages: [id, edit of the files (name → text)]. */
const SOURCE_DAMAGES = [
  ['class-not-json', (s) => (s['3.json'] = '{"data": [')], ['class-no-data', (s) => (s['3.json'] = '{"images": []}')],
  ['class-null', (s) => (s['3.json'] = 'null')], ['pixel-256', (s) => (s['4.json'] = JSON.stringify({ data: [new Array(PIXELS).fill(256)] }))],
  ['pixel-fraction', (s) => (s['4.json'] = JSON.stringify({ data: [new Array(PIXELS).fill(0.5)] }))],
  ['pixel-string', (s) => (s['4.json'] = JSON.stringify({ data: [new Array(PIXELS).fill('7')] }))],
  ['image-783', (s) => (s['5.json'] = JSON.stringify({ data: [new Array(783).fill(0)] }))], ['image-not-list', (s) => (s['5.json'] = JSON.stringify({ data: [5] }))],
  ['class-missing', (s) => delete s['9.json']],
];

export async function* trials({ full, rng, tmp }) {
  let n = 0;
  const folder = (files) => {
    const dir = join(tmp, `set${n++}`);
    mkdirSync(dir);
    for (const [name, content] of Object.entries(files)) if (content !== undefined) writeFileSync(join(dir, name), content);
    return dir;
  };
  let fifoWorks = true;
  const special = (dir, name, kind) => {
    const path = join(dir, name);
    rmSync(path, { force: true });
    if (kind === 'directory') mkdirSync(path);
    if (kind === 'symlink-loop') symlinkSync(path, path);
    if (kind === 'fifo') {
      try {
        execFileSync('mkfifo', [path]);
      } catch {
        fifoWorks = false;
      }
    }
  };

  // ---- IDX sets
  yield { id: 'idx-sound', malformed: false, run: () => accepts(() => loadFashionMnist({ dataDir: folder(soundSet()) }), (d) => d.train.count === COUNTS.train && d.test.count === COUNTS.t10k) };
  yield {
    id: 'idx-gzipped', malformed: false,
    run: () => accepts(() => loadFashionMnist({ dataDir: folder(Object.fromEntries(Object.entries(soundSet()).map(([k, v]) => [`${k}.gz`, gzipSync(v)]))) }), (d) => d.train.count === COUNTS.train),
  };
  for (const name of Object.values(IDX_FILES)) {
    for (const [id, damage] of damages(name)) {
      // Every damage in the full campaign; a seeded half of them in a bounded one.
      if (!full && rng() >= 0.5) continue;
      yield { id: `idx-${name}-${id}`, run: () => refused(() => { const set = soundSet(); set[name] = damage(set[name]); return loadFashionMnist({ dataDir: folder(set) }); }) };
    }
    yield { id: `idx-${name}-missing`, run: () => refused(() => loadFashionMnist({ dataDir: folder({ ...soundSet(), [name]: undefined }) })) };
    for (const kind of ['directory', 'symlink-loop', 'fifo']) {
      yield {
        id: `idx-${name}-is-a-${kind}`, timeoutMs: 10_000,
        run: () => {
          const set = soundSet();
          const dir = folder({ ...set, [name]: undefined });
          special(dir, name, kind);
          if (kind === 'fifo' && !fifoWorks) return { outcome: 'refused', detail: 'mkfifo unavailable here: nothing to try' };
          return refused(() => loadFashionMnist({ dataDir: dir }));
        },
      };
    }
  }
  yield { id: 'idx-folder-missing', run: () => refused(() => loadFashionMnist({ dataDir: join(tmp, 'no-such-folder') })) };

  // ---- the per-class JSON source and its cache
  const sourceDir = folder(soundSource());
  const goodCache = join(tmp, 'good-cache');
  const reference = await loadFashionMnist({ sourceDir, cacheDir: goodCache, log: () => {} });
  const cacheBytes = new Uint8Array(readFileSync(join(goodCache, CACHE_FILE)));
  const sameData = (d) => d.train.count === reference.train.count && Buffer.from(d.train.images.buffer).equals(Buffer.from(reference.train.images.buffer))
    && Buffer.from(d.train.labels.buffer).equals(Buffer.from(reference.train.labels.buffer));
  yield { id: 'cache-sound', malformed: false, run: () => accepts(() => loadFashionMnist({ sourceDir, cacheDir: goodCache, log: () => {} }), sameData) };
  const cacheDir = () => {
    const dir = join(tmp, `cache${n++}`);
    mkdirSync(dir);
    return dir;
  };
  for (const [id, damage] of CACHE_DAMAGES) {
    yield {
      id: `cache-${id}`,
      run: () => {
        const dir = cacheDir();
        writeFileSync(join(dir, CACHE_FILE), damage(cacheBytes));
        return rebuilt(sourceDir, dir, sameData);
      },
    };
  }
  for (const kind of ['directory', 'symlink-loop', 'fifo']) {
    yield {
      id: `cache-is-a-${kind}`, timeoutMs: 10_000,
      run: () => {
        const dir = cacheDir();
        special(dir, CACHE_FILE, kind);
        if (kind === 'fifo' && !fifoWorks) return { outcome: 'refused', detail: 'mkfifo unavailable here: nothing to try' };
        return rebuilt(sourceDir, dir, sameData);
      },
    };
  }
  for (const [id, edit] of SOURCE_DAMAGES) {
    yield {
      id: `source-${id}`,
      run: () => {
        const files = soundSource();
        edit(files);
        return refused(() => loadFashionMnist({ sourceDir: folder(files), cacheDir: cacheDir(), log: () => {} }));
      },
    };
  }
  // A cache built from a sound source must not be served for a source changed since (its fingerprint differs).
  yield {
    id: 'cache-of-another-source',
    run: () => {
      const dir = cacheDir();
      cpSync(join(goodCache, CACHE_FILE), join(dir, CACHE_FILE));
      const files = soundSource();
      files['9.json'] = JSON.stringify({ data: [new Array(PIXELS).fill(1)] });
      const other = folder(files);
      return rebuilt(other, dir, (d) => d.train.count === reference.train.count - 11 + 1);
    },
  };
}

/** A malformed input: refused when a DataError of a documented code is thrown. */
async function refused(call) {
  try {
    await call();
  } catch (e) {
    return outcomeOfError(e, EXPECTED);
  }
  return { outcome: 'accepted', detail: 'loaded' };
}

/** A benign control: accepted when it loads and `check` holds for the data. */
async function accepts(call, check) {
  try {
    const data = await call();
    return check(data) ? { outcome: 'accepted', detail: 'loaded' } : { outcome: 'refused', detail: 'loaded the wrong data' };
  } catch (e) {
    return { outcome: 'refused', detail: describeError(e) };
  }
}

/**
 * A damaged cache: `refused` (as documented) when the load reports it unusable and returns the source's
 * data, or throws a DataError; `accepted` when it serves the damaged cache without a word.
 */
async function rebuilt(sourceDir, cacheDir, check) {
  const notices = [];
  let data;
  try {
    data = await loadFashionMnist({ sourceDir, cacheDir, log: (line) => notices.push(line) });
  } catch (e) {
    return outcomeOfError(e, EXPECTED);
  }
  if (!check(data)) return { outcome: 'accepted', detail: `served data that is not the source's (notices: ${notices.join(' | ') || 'none'})` };
  if (notices.length === 0) return { outcome: 'accepted', detail: 'served without reporting the damaged cache' };
  return { outcome: 'refused', detail: `rebuilt: ${notices[0]}` };
}
