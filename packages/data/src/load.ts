import { join } from 'node:path';
import { readCache, writeCache } from './cache.js';
import { defaultSourceDir, readEmbeddedSource, sourceFingerprint } from './embedded.js';
import { readIdxDir } from './idx-dir.js';
import { defaultCacheDir } from './paths.js';
import { splitPerClass, TRAIN_PER_CLASS } from './select.js';
import { toLabeledImages, type FashionMnist, type LoadProgress, type RawImages } from './types.js';

/** File name of the embedded data set's cache inside the cache folder. */
export const CACHE_FILE = 'fashion-mnist.bin';

export interface LoadOptions {
  /** A folder with the official IDX files (train-*, t10k-*, optionally .gz); default: the embedded data set. */
  readonly dataDir?: string;
  /** Where the embedded data set's binary cache lives; default `defaultCacheDir()`. */
  readonly cacheDir?: string;
  /** The per-class JSON files to convert; default the `fashion-mnist` package's. */
  readonly sourceDir?: string;
  /** Called while the cache is being built (the one slow step). */
  readonly onProgress?: (progress: LoadProgress) => void;
  /** Where notices go (a corrupt cache being rebuilt); default stderr. */
  readonly log?: (line: string) => void;
}


const toStderr = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

/** The embedded data set as raw bytes, from the cache, (re)building the cache from the JSON source when needed. */
async function loadEmbedded(options: LoadOptions): Promise<RawImages> {
  const sourceDir = options.sourceDir ?? defaultSourceDir();
  const cachePath = join(options.cacheDir ?? defaultCacheDir(), CACHE_FILE);
  const fingerprint = sourceFingerprint(sourceDir);
  const cached = await readCache(cachePath, fingerprint);
  if (cached.ok) return cached.raw;
  if (!cached.missing) (options.log ?? toStderr)(`bnkit: Fashion-MNIST cache ${cachePath} is unusable (${cached.reason}); rebuilding it`);
  const raw = await readEmbeddedSource(sourceDir, options.onProgress);
  await writeCache(cachePath, raw, fingerprint);
  return raw;
}

/**
 * Fashion-MNIST as float32 images in [0, 1]. From `dataDir` when given (the official 60,000 / 10,000
 * split), else from the embedded `fashion-mnist` package split per class (60,000 / 10,002).
 */
export async function loadFashionMnist(options: LoadOptions = {}): Promise<FashionMnist> {
  const { train, test } = await loadFashionMnistBytes(options);
  return { train: toLabeledImages(train), test: toLabeledImages(test) };
}

/** loadFashionMnist's sets before scaling: one byte per pixel (what IDX files hold, e.g. to serve them to a page). */
export async function loadFashionMnistBytes(options: LoadOptions = {}): Promise<{ train: RawImages; test: RawImages }> {
  return options.dataDir ? readIdxDir(options.dataDir) : splitPerClass(await loadEmbedded(options), TRAIN_PER_CLASS);
}
