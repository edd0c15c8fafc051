import { randomBytes } from 'node:crypto';
import { open, readdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** An open file being written. */
export interface WritableFile {
  write(data: Uint8Array): Promise<void>;
  /** Flushes the file's data to the storage device (fsync). */
  sync(): Promise<void>;
  close(): Promise<void>;
}

/** The file operations an atomic write uses; tests pass failing ones to simulate a crash. */
export interface AtomicWriteIo {
  create(path: string): Promise<WritableFile>;
  rename(from: string, to: string): Promise<void>;
  remove(path: string): Promise<void>;
  /** fsync of a directory, so the rename itself is durable. */
  syncDirectory(path: string): Promise<void>;
}

export const nodeIo: AtomicWriteIo = {
  async create(path) {
    const fh = await open(path, 'wx', 0o644);
    return {
      write: async (data) => {
        await fh.writeFile(data);
      },
      sync: () => fh.sync(),
      close: () => fh.close(),
    };
  },
  rename: (from, to) => rename(from, to),
  remove: (path) => rm(path, { force: true }),
  async syncDirectory(path) {
    const fh = await open(path, 'r');
    try {
      await fh.sync();
    } catch (e) {
      // Some platforms and file systems cannot fsync a directory; the rename is still atomic there.
      if (!['EINVAL', 'EISDIR', 'EPERM', 'EBADF'].includes((e as NodeJS.ErrnoException).code ?? '')) throw e;
    } finally {
      await fh.close();
    }
  },
};

/**
 * Replaces `path` with `data` so that a crash at any moment leaves either the old file or the new one,
 * never a mix: the data goes to a temporary file in the same directory (same file system, so the rename
 * is atomic), is fsynced, and only then renamed over the target. On failure the temporary file is removed
 * and the target is untouched.
 */
export async function writeFileAtomic(path: string, data: Uint8Array, io: AtomicWriteIo = nodeIo): Promise<void> {
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  await removeOrphanedTemps(path);
  let file: WritableFile | null = null;
  try {
    file = await io.create(temp);
    await file.write(data);
    await file.sync();
    const f = file;
    file = null;
    await f.close();
    await io.rename(temp, path);
  } catch (e) {
    if (file) await file.close().catch(() => undefined);
    await io.remove(temp).catch(() => undefined);
    throw e;
  }
  await io.syncDirectory(dir);
}

/** Whether a process with this id is running (signal 0 only checks); EPERM means it runs as another user. */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the temporary files that writes of `path` left when their process was killed before the rename
 * (`.<name>.<pid>.<hex>.tmp` whose pid no longer runs); a write in progress in a live process is left alone.
 * Returns the names removed.
 */
export async function removeOrphanedTemps(path: string): Promise<string[]> {
  const dir = dirname(path);
  const prefix = `.${basename(path)}.`;
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return []; // No directory yet: nothing was ever written there.
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const pid = /^(\d+)\.[0-9a-f]{8}\.tmp$/.exec(name.slice(prefix.length))?.[1];
    // This process counts as running: one of its own writes of the same file may be in flight.
    if (pid === undefined || isRunning(Number(pid))) continue;
    await rm(join(dir, name), { force: true });
    removed.push(name);
  }
  return removed;
}
