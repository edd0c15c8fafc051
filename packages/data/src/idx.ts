// fflate inflates gzip synchronously in any JavaScript runtime (node:zlib exists only in Node).
import { gunzipSync } from 'fflate';
import { MalformedDataFileError } from './errors.js';
import { IMAGE_SIZE, NUM_CLASSES, PIXELS, type RawImages } from './types.js';

/** The four files of the official Fashion-MNIST distribution (same names as MNIST's). */
export const IDX_FILES = Object.freeze({
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
});

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

/** The four official files' bytes, by IDX_FILES key. */
export type IdxFileBytes = { readonly [K in keyof typeof IDX_FILES]: Uint8Array };

/** Training (train-*) and test (t10k-*) sets from the bytes of the four official files (each may be gzipped). */
export function idxBytesToRawSets(files: IdxFileBytes): { train: RawImages; test: RawImages } {
  const set = (images: keyof typeof IDX_FILES, labels: keyof typeof IDX_FILES): RawImages =>
    idxToRawImages(parseIdx(files[images], IDX_FILES[images]), parseIdx(files[labels], IDX_FILES[labels]), IDX_FILES[images], IDX_FILES[labels]);
  return { train: set('trainImages', 'trainLabels'), test: set('testImages', 'testLabels') };
}

/** Encodes unsigned bytes as an IDX file (the inverse of parseIdx for uncompressed files). */
export function encodeIdx(dims: readonly number[], data: Uint8Array): Uint8Array {
  const size = dims.reduce((a, b) => a * b, 1);
  if (size !== data.length) throw new RangeError(`encodeIdx: dimensions [${dims.join(', ')}] need ${size} values, got ${data.length}`);
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(out.buffer);
  out[2] = UBYTE;
  out[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, 4 + 4 * dims.length);
  return out;
}

/** The images and labels files of a set of raw images. */
export function rawImagesToIdx(raw: RawImages): { images: Uint8Array; labels: Uint8Array } {
  return { images: encodeIdx([raw.count, IMAGE_SIZE, IMAGE_SIZE], raw.pixels), labels: encodeIdx([raw.count], raw.labels) };
}
