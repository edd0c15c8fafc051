import { existsSync, lstatSync } from 'node:fs';
import { join } from 'node:path';
import { MalformedDataFileError, MissingDataFileError } from './errors.js';
import { readRegularFile } from './files.js';
import { IDX_FILES, idxToRawImages, parseIdx, type IdxArray } from './idx.js';
import type { RawImages } from './types.js';

const EXPECTED = Object.values(IDX_FILES);

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
