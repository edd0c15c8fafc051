import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '@bnkit/core';
import {
  CheckpointMismatchError, CheckpointNotFoundError, CorruptCheckpointError, captureCheckpoint, decodeCheckpoint,
  encodeCheckpoint, lenet, lenetBN, loadCheckpoint, loadPyTorchWeights, nodeIo, readCheckpoint, saveCheckpoint, writeFileAtomic, type AtomicWriteIo, type WritableFile,
} from '../dist/node.js';
import { newBackend } from './helpers.js';

describe('checkpoints', () => {
  let backend: Backend;
  let dir: string;
  beforeAll(async () => {
    backend = await newBackend();
    dir = mkdtempSync(join(tmpdir(), 'bnkit-ckpt-'));
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await backend.close();
  });

  it('round-trips the model and the training position exactly', async () => {
    const path = join(dir, 'a.ckpt');
    const model = lenetBN(backend, { seed: 4 });
    const training = {
      seed: 3, batchSize: 256, lr: 1, trainCount: 12000, epochsCompleted: 1, batchesCompleted: 7,
      partial: { lossSum: 123.456789012345, correct: 1000, seen: 1792, seconds: 1.5 },
      history: [{ epoch: 1, loss: 0.9, trainAcc: 0.7, testAcc: null, seconds: 3.25 }],
    };
    await saveCheckpoint(path, model, training);
    const bytes = readFileSync(path);
    expect(bytes.subarray(0, 8).toString('latin1')).toBe('BNKITCKP');
    const loaded = await readCheckpoint(path);
    expect(loaded.training).toEqual(training);
    expect(loaded.model).toBe(model.describe());
    const fresh = lenetBN(backend, { seed: 5 });
    await loadCheckpoint(path, fresh);
    expect(await fresh.state()).toEqual(await model.state());
    model.dispose();
    fresh.dispose();
  });

  it('refuses a missing, damaged, truncated or foreign file with typed errors', async () => {
    const path = join(dir, 'b.ckpt');
    const model = lenetBN(backend);
    await saveCheckpoint(path, model);
    const good = new Uint8Array(readFileSync(path));
    await expect(readCheckpoint(join(dir, 'nope.ckpt'))).rejects.toThrow(CheckpointNotFoundError);
    const flipped = good.slice();
    flipped[good.length - 1000] ^= 0x04;
    expect(() => decodeCheckpoint(flipped)).toThrow(/checksum mismatch/);
    expect(() => decodeCheckpoint(good.subarray(0, good.length - 5))).toThrow(CorruptCheckpointError);
    expect(() => decodeCheckpoint(new TextEncoder().encode('{"not":"a checkpoint"}' + ' '.repeat(40)))).toThrow(/does not start with/);
    writeFileSync(path, good.subarray(0, 20));
    await expect(readCheckpoint(path)).rejects.toThrow(CorruptCheckpointError);
    model.dispose();
  });

  it('refuses a path that is no regular file with typed errors, a FIFO included, without waiting for a writer', async () => {
    const folder = join(dir, 'folder.ckpt');
    mkdirSync(folder);
    const notes = join(dir, 'notes.txt');
    writeFileSync(notes, 'my notes');
    const loop = join(dir, 'loop.ckpt');
    symlinkSync(loop, loop);
    const fifo = join(dir, 'fifo.ckpt');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const model = lenetBN(backend);
    await expect(readCheckpoint(folder)).rejects.toThrow(/is a directory, not a regular file/);
    await expect(readCheckpoint(fifo)).rejects.toThrow(/is a FIFO, not a regular file/);
    await expect(loadPyTorchWeights(fifo, model)).rejects.toThrow(CorruptCheckpointError);
    await expect(readCheckpoint(loop)).rejects.toThrow(/cannot be opened \(ELOOP\)/);
    await expect(readCheckpoint(join(notes, 'x.ckpt'))).rejects.toThrow(CheckpointNotFoundError);
    model.dispose();
  });

  it("keeps the saving program's description of the run as given, and refuses one that is not a flat object", async () => {
    const path = join(dir, 'run.ckpt');
    const model = lenet(backend);
    const run = { program: 'bnkit-train', model: 'lenet', epochs: 3, lr: 0.5, 'train-per-class': null, resumable: true };
    await saveCheckpoint(path, model, null, run);
    expect((await readCheckpoint(path)).run).toEqual(run);
    expect(decodeCheckpoint(encodeCheckpoint(await captureCheckpoint(model))).run).toBeUndefined();
    for (const bad of [[1, 2], { nested: { a: 1 } }, { tags: ['a'] }, 'lenet']) {
      const forged = encodeCheckpoint({ ...(await captureCheckpoint(model)), run: bad as never });
      expect(() => decodeCheckpoint(forged)).toThrow(/header\.run must be an object of strings, finite numbers, booleans or null/);
    }
    model.dispose();
  });

  it('refuses an unknown format version', async () => {
    const model = lenet(backend);
    const checkpoint = await captureCheckpoint(model);
    const bytes = encodeCheckpoint(checkpoint);
    // Rewrite the version inside the header and re-seal the file with a valid digest.
    const patched = bytes.slice();
    const at = Buffer.from(patched.buffer).indexOf('"version":1');
    patched[at + '"version":'.length] = '9'.charCodeAt(0);
    const { createHash } = await import('node:crypto');
    patched.set(createHash('sha256').update(patched.subarray(0, patched.length - 32)).digest(), patched.length - 32);
    expect(() => decodeCheckpoint(patched)).toThrow(/version 9 is not supported/);
    model.dispose();
  });

  it('refuses a checkpoint of another architecture, leaving the model unchanged', async () => {
    const path = join(dir, 'c.ckpt');
    const plain = lenet(backend, { seed: 1 });
    await saveCheckpoint(path, plain);
    const model = lenetBN(backend, { seed: 2 });
    const before = await model.state();
    await expect(loadCheckpoint(path, model)).rejects.toThrow(CheckpointMismatchError);
    await expect(loadCheckpoint(path, model)).rejects.toThrow(/missing bn1\.gamma/);
    expect(await model.state()).toEqual(before);
    plain.dispose();
    model.dispose();
  });

  it('a save that fails midway leaves the previous checkpoint intact and no temporary file', async () => {
    const path = join(dir, 'd.ckpt');
    const model = lenetBN(backend, { seed: 1 });
    await saveCheckpoint(path, model);
    const previous = await model.state();
    const other = lenetBN(backend, { seed: 2 });
    const failing: AtomicWriteIo = {
      ...nodeIo,
      async create(p) {
        const file = await nodeIo.create(p);
        return {
          ...file,
          write: async (data) => {
            await file.write(data.subarray(0, data.length >> 1));
            throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
          },
        };
      },
    };
    await expect(writeFileAtomic(path, encodeCheckpoint(await captureCheckpoint(other)), failing)).rejects.toThrow(/ENOSPC/);
    expect(readdirSync(dir).filter((f) => f.includes('d.ckpt'))).toEqual(['d.ckpt']);
    const restored = lenetBN(backend, { seed: 3 });
    await loadCheckpoint(path, restored);
    expect(await restored.state()).toEqual(previous);
    for (const m of [model, other, restored]) m.dispose();
  });

  it('a crash before the rename (no cleanup at all) leaves the previous checkpoint loadable', async () => {
    const path = join(dir, 'e.ckpt');
    const model = lenetBN(backend, { seed: 1 });
    await saveCheckpoint(path, model);
    let orphan: WritableFile | undefined;
    const crashing: AtomicWriteIo = {
      ...nodeIo,
      async create(p) {
        const file = await nodeIo.create(p);
        orphan = file;
        // The process "dies" after writing half: the write never completes and nothing is cleaned up.
        return { ...file, write: async (data) => { await file.write(data.subarray(0, data.length >> 1)); await new Promise<never>(() => undefined); } };
      },
    };
    const other = lenetBN(backend, { seed: 2 });
    void writeFileAtomic(path, encodeCheckpoint(await captureCheckpoint(other)), crashing);
    await new Promise((r) => setTimeout(r, 100));
    expect(readdirSync(dir).filter((f) => f.includes('e.ckpt')).length).toBe(2); // the target and the orphaned temp file
    const restored = lenetBN(backend, { seed: 3 });
    await loadCheckpoint(path, restored);
    expect(await restored.state()).toEqual(await model.state());
    expect(existsSync(path)).toBe(true);
    await orphan?.close();
    for (const m of [model, other, restored]) m.dispose();
  });
});
