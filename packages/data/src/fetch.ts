import { MissingDataFileError } from './errors.js';
import { IDX_FILES, idxBytesToRawSets, type IdxFileBytes } from './idx.js';
import { toLabeledImages, type FashionMnist } from './types.js';

export interface FetchOptions {
  /** The fetch to use; default the global one (a page's, or Node's). */
  readonly fetch?: typeof globalThis.fetch;
  /** Called after each of the four files arrives. */
  readonly onFile?: (file: string, done: number, total: number) => void;
}

/**
 * Fashion-MNIST from the four official IDX files (gzipped or not) served under `baseUrl`, e.g. next to a
 * page: `fetchFashionMnist(new URL('./fashion-mnist/', location.href))`. Works in any runtime with fetch.
 */
export async function fetchFashionMnist(baseUrl: string | URL, options: FetchOptions = {}): Promise<FashionMnist> {
  const get = options.fetch ?? globalThis.fetch;
  // A relative baseUrl is resolved against the page (lib has no DOM types, hence the cast).
  const page = (globalThis as { location?: { href: string } }).location?.href;
  const base = new URL(String(baseUrl).endsWith('/') ? String(baseUrl) : `${String(baseUrl)}/`, page);
  const keys = Object.keys(IDX_FILES) as (keyof typeof IDX_FILES)[];
  const bytes: Partial<Record<keyof typeof IDX_FILES, Uint8Array>> = {};
  let done = 0;
  await Promise.all(keys.map(async (key) => {
    const name = IDX_FILES[key];
    const response = await get(new URL(name, base));
    if (!response.ok) {
      throw new MissingDataFileError(name, Object.values(IDX_FILES), base.href, ` (the server answered ${response.status} ${response.statusText})`);
    }
    bytes[key] = new Uint8Array(await response.arrayBuffer());
    options.onFile?.(name, ++done, keys.length);
  }));
  const { train, test } = idxBytesToRawSets(bytes as IdxFileBytes);
  return { train: toLabeledImages(train), test: toLabeledImages(test) };
}

/** Where a page's `loadFashionMnist` looks when given no `baseUrl`: a folder next to the page. */
export const DEFAULT_DATA_URL = 'fashion-mnist/';

export interface PageLoadOptions extends FetchOptions {
  /** The folder holding the four IDX files; default DEFAULT_DATA_URL, relative to the page. */
  readonly baseUrl?: string | URL;
}

/**
 * `loadFashionMnist` where there is no file system (a page): the IDX files served at `baseUrl`. Under Node,
 * @bnkit/data's Node entry replaces it with the embedded data set behind its file cache (load.ts).
 */
export function loadFashionMnist(options: PageLoadOptions = {}): Promise<FashionMnist> {
  return fetchFashionMnist(options.baseUrl ?? DEFAULT_DATA_URL, options);
}
