import { existsSync, lstatSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { MalformedDataFileError, MissingDataFileError } from './errors.js';
import { readRegularFile } from './files.js';
import { IMAGE_SIZE, NUM_CLASSES, PIXELS, type RawImages } from './types.js';

/** The four files of the official Fashion-MNIST distribution (same names as MNIST's). */
export const IDX_FILES = Object.freeze({
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
});

const EXPECTED = Object.values(IDX_FILES);
/** IDX type byte for unsigned bytes, the only element type Fashion-MNIST uses. */
const UBYTE = 0x08;

export interface IdxArray {
  readonly dims: readonly number[];
  readonly data: Uint8Array;
}

/**
 * Parses an IDX file (http://yann.lecun.com/exdb/mnist/): two zero bytes, a type byte, the number of
 * dimensions, each dimension as a big-endian uint32, then the values. Gzipped content is inflated first.
 */
export function parseIdx(bytes: Uint8Array, file: string): IdxArray {
  let buf = bytes;
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      buf = gunzipSync(buf);
    } catch (e) {
      throw new MalformedDataFileError(file, `gzip data could not be inflated (${(e as Error).message})`);
    }
  }
  if (buf.length < 4) throw new MalformedDataFileError(file, `only ${buf.length} bytes, too short for an IDX header`);
  const magic = ((buf[0] << 24) | (buf[1] << 16) | (buf[2] << 8) | buf[3]) >>> 0;
  if (buf[0] !== 0 || buf[1] !== 0 || buf[2] !== UBYTE) {
    throw new MalformedDataFileError(
      file,
      `bad magic number 0x${magic.toString(16).padStart(8, '0')}; expected 0x0000080N (unsigned bytes, N dimensions)`,
    );
  }
  const ndims = buf[3];
  const headerBytes = 4 + 4 * ndims;
  if (buf.length < headerBytes) {
    throw new MalformedDataFileError(file, `header declares ${ndims} dimensions but the file ends after ${buf.length} bytes`);
  }
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const dims: number[] = [];
  for (let d = 0; d < ndims; d++) dims.push(view.getUint32(4 + 4 * d, false));
  const size = dims.reduce((a, b) => a * b, 1);
  if (buf.length - headerBytes !== size) {
    throw new MalformedDataFileError(
      file,
      `dimensions [${dims.join(', ')}] need ${size} values after the header but the file holds ${buf.length - headerBytes}`,
    );
  }
  return { dims, data: buf.subarray(headerBytes) };
}

/** Checks an images array and a labels array belong together and returns them as raw images. */
export function idxToRawImages(images: IdxArray, labels: IdxArray, imagesFile: string, labelsFile: string): RawImages {
  if (images.dims.length !== 3 || images.dims[1] !== IMAGE_SIZE || images.dims[2] !== IMAGE_SIZE) {
    throw new MalformedDataFileError(
      imagesFile,
      `images must have dimensions [count, ${IMAGE_SIZE}, ${IMAGE_SIZE}], got [${images.dims.join(', ')}]`,
    );
  }
  if (labels.dims.length !== 1) {
    throw new MalformedDataFileError(labelsFile, `labels must have one dimension [count], got [${labels.dims.join(', ')}]`);
  }
  const count = images.dims[0];
  if (labels.dims[0] !== count) {
    throw new MalformedDataFileError(labelsFile, `holds ${labels.dims[0]} labels but ${imagesFile} holds ${count} images`);
  }
  const bad = labels.data.findIndex((l) => l >= NUM_CLASSES);
  if (bad >= 0) {
    throw new MalformedDataFileError(labelsFile, `label ${labels.data[bad]} at index ${bad} is outside [0, ${NUM_CLASSES})`);
  }
  return { pixels: images.data.subarray(0, count * PIXELS), labels: labels.data, count };
}

async function readIdxFile(dir: string, name: string): Promise<{ file: string; array: IdxArray }> {
  const candidates = [join(dir, name), join(dir, `${name}.gz`)];
  // existsSync follows links; a dangling or looping symlink counts as there too, so it is reported, not called missing.
  const file = candidates.find((f) => existsSync(f) || isLink(f));
  if (file === undefined) throw new MissingDataFileError(name, EXPECTED, dir, ' (each may also be gzipped, with a .gz suffix)');
  const read = await readRegularFile(file);
  if (!read.ok) {
    if (read.problem === 'missing') throw new MissingDataFileError(name, EXPECTED, dir, ' (each may also be gzipped, with a .gz suffix)');
    throw new MalformedDataFileError(file, read.detail);
  }
  return { file, array: parseIdx(read.bytes, file) };
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

async function readIdxSet(dir: string, imagesName: string, labelsName: string): Promise<RawImages> {
  const images = await readIdxFile(dir, imagesName);
  const labels = await readIdxFile(dir, labelsName);
  return idxToRawImages(images.array, labels.array, images.file, labels.file);
}

/** Reads the official training (train-*) and test (t10k-*) sets from a folder; `.gz` files are accepted too. */
export async function readIdxDir(dir: string): Promise<{ train: RawImages; test: RawImages }> {
  return {
    train: await readIdxSet(dir, IDX_FILES.trainImages, IDX_FILES.trainLabels),
    test: await readIdxSet(dir, IDX_FILES.testImages, IDX_FILES.testLabels),
  };
}
