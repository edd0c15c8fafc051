import { constants, type Stats } from 'node:fs';
import { open } from 'node:fs/promises';

/*
 * Reading a file that must be a regular file (an IDX file, the cache, a checkpoint) without ever blocking:
 * it is opened non-blocking and checked on the open handle, so a FIFO in its place (which a plain read
 * would wait on until a writer comes, perhaps forever, holding one of libuv's four threads) is reported,
 * like a directory or a symlink loop, instead of read. Callers turn the outcome into their own typed error.
 */

export type RegularFileRead =
  | { readonly ok: true; readonly bytes: Buffer }
  /** `missing`: nothing there (or a path through a regular file); `not-a-file`: a directory, FIFO, device...; `unopenable`: any other failure to open. */
  | { readonly ok: false; readonly problem: 'missing' | 'not-a-file' | 'unopenable'; readonly detail: string };

function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isSocket()) return 'a socket';
  return 'a device or other non-regular file';
}

/** The bytes of the regular file at `path`, or what stands in the way (never throws for the path itself). */
export async function readRegularFile(path: string): Promise<RegularFileRead> {
  let fh;
  try {
    fh = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { ok: false, problem: 'missing', detail: 'no such file' };
    return { ok: false, problem: 'unopenable', detail: `cannot be opened (${code ?? (e as Error).message})` };
  }
  try {
    const stats = await fh.stat();
    if (!stats.isFile()) return { ok: false, problem: 'not-a-file', detail: `is ${kindOf(stats)}, not a regular file` };
    return { ok: true, bytes: await fh.readFile() };
  } finally {
    await fh.close();
  }
}
