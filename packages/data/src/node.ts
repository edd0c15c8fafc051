// Node-only pieces: the embedded data set behind its file cache, and IDX files read from a folder.
export * from './index.js';
// Replaces the page's loadFashionMnist (a local export wins over `export *`).
export { readIdxDir } from './idx-dir.js';
export { readRegularFile, type RegularFileRead } from './files.js';
export { SOURCE_FILES, defaultSourceDir, readEmbeddedSource } from './embedded.js';
export { CACHE_FORMAT_VERSION } from './cache.js';
export { defaultCacheDir } from './paths.js';
export { loadFashionMnist, loadFashionMnistBytes, CACHE_FILE } from './load.js';
export type { LoadOptions } from './load.js';
