import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHILD_LIMIT_MS } from '../../../vitest.config.js';
import type { Backend } from '@bnkit/core';
import {
  CheckpointOverwriteError, CorruptCheckpointError, captureCheckpoint, checkpointFileKind, decodeCheckpoint, encodeCheckpoint, fit as fitModel, lenetBN,
  readCheckpoint, saveCheckpoint, type TrainingState,
} from '../dist/node.js';
import { newBackend, syntheticImages } from './helpers.js';

/**
 * A checkpoint whose header JSON is edited and whose file is then re-sealed, as a forger would: the magic,
 * the header length and the SHA-256 are all consistent again.
 */
function withHeader(bytes: Uint8Array, edit: (header: Record<string, unknown>) => void): Uint8Array {
  const length = new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, true);
  const header = JSON.parse(Buffer.from(bytes.subarray(12, 12 + length)).toString('utf8')) as Record<string, unknown>;
  edit(header);
  const text = Buffer.from(JSON.stringify(header));
  const json = Buffer.concat([text, Buffer.alloc((4 - (text.length % 4)) % 4, ' ')]);
  const payload = bytes.subarray(12 + length, bytes.length - 32);
  const prefix = Buffer.alloc(12);
  prefix.write('BNKITCKP', 'latin1');
  prefix.writeUInt32LE(json.length, 8);
  const body = Buffer.concat([prefix, json, payload]);
  return Buffer.concat([body, createHash('sha256').update(body).digest()]);
}

/** The id of a process that has exited, so no process runs under it. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

describe('training state that can always be saved, inspected and resumed', () => {
  let backend: Backend;
  let dir: string;
  beforeAll(async () => {
    backend = await newBackend();
    dir = mkdtempSync(join(tmpdir(), 'bnkit-ckpt-state-'));
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await backend.close();
  });

  it('non-finite losses round-trip through a checkpoint (JSON alone would write null)', async () => {
    const path = join(dir, 'nan.ckpt');
    const model = lenetBN(backend);
    const training: TrainingState = {
      seed: 1, batchSize: 8, lr: 1e38, trainCount: 40, epochsCompleted: 2, batchesCompleted: 1,
      partial: { lossSum: Number.NaN, correct: 0, seen: 8, seconds: 0.5 },
      history: [
        { epoch: 1, loss: Number.POSITIVE_INFINITY, trainAcc: 0.1, testAcc: null, seconds: 1 },
        { epoch: 2, loss: Number.NEGATIVE_INFINITY, trainAcc: 0.1, testAcc: 0.1, seconds: 1 },
      ],
    };
    await saveCheckpoint(path, model, training);
    expect((await readCheckpoint(path)).training).toEqual(training);
    model.dispose();
  });

  it('a run whose loss becomes NaN (lr 1e38) writes checkpoints it can read back and resume from', async () => {
    const path = join(dir, 'diverged.ckpt');
    const train = syntheticImages(40, 3);
    const model = lenetBN(backend, { seed: 0 });
    const first = await fitModel(model, train, { epochs: 1, lr: 1e38, batchSize: 8, seed: 0, checkpoint: { path } });
    expect(Number.isNaN(first.history[0].loss)).toBe(true);
    const saved = await readCheckpoint(path);
    expect(Number.isNaN(saved.training?.history[0].loss)).toBe(true);
    const resumed = await fitModel(model, train, { epochs: 2, lr: 1e38, batchSize: 8, seed: 0, resumeFrom: path });
    expect(resumed.history.map((r) => r.epoch)).toEqual([1, 2]);
    model.dispose();
  });

  it('refuses a header value that is neither a finite number nor a non-finite name, naming the field', async () => {
    const model = lenetBN(backend);
    const training: TrainingState = {
      seed: 0, batchSize: 8, lr: 1, trainCount: 40, epochsCompleted: 0, batchesCompleted: 0,
      partial: { lossSum: 0, correct: 0, seen: 0, seconds: 0 }, history: [],
    };
    const good = encodeCheckpoint(await captureCheckpoint(model, training));
    const forged = withHeader(good, (h) => Object.assign((h.training as { partial: object }).partial, { lossSum: 'nan' }));
    expect(() => decodeCheckpoint(forged)).toThrow(/header\.training\.partial\.lossSum is malformed/);
    const noLr = withHeader(good, (h) => Object.assign(h.training as object, { lr: 'Infinity' }));
    expect(() => decodeCheckpoint(noLr)).toThrow(/header\.training\.lr is malformed/);
    model.dispose();
  });

  it('refuses a forged header before allocating what it lists (typed error, no RangeError)', async () => {
    const model = lenetBN(backend);
    const good = encodeCheckpoint(await captureCheckpoint(model));
    for (const shape of [[4e9], [65536, 65536, 65536], [2 ** 53, 2]]) {
      const forged = withHeader(good, (h) => {
        const [first] = h.tensors as { shape: number[]; length: number }[];
        first.shape = shape;
        first.length = shape.reduce((a, b) => a * b, 1);
      });
      let thrown: unknown;
      try {
        decodeCheckpoint(forged, 'forged.ckpt');
      } catch (e) {
        thrown = e;
      }
      expect(thrown, JSON.stringify(shape)).toBeInstanceOf(CorruptCheckpointError);
      expect((thrown as Error).message).toMatch(/forged\.ckpt: header\.tensors\[0\]/);
    }
    model.dispose();
  });

  it('removes temporary files of killed saves on the next save and load, not those of a running process', async () => {
    const sub = join(dir, 'temps');
    mkdirSync(sub);
    const path = join(sub, 'run.ckpt');
    const model = lenetBN(backend);
    await saveCheckpoint(path, model);
    const dead = deadPid();
    const orphan = `.run.ckpt.${dead}.0badc0de.tmp`;
    const live = `.run.ckpt.${process.pid}.00c0ffee.tmp`;
    const unrelated = `.other.ckpt.${dead}.0badc0de.tmp`;
    for (const name of [orphan, live, unrelated]) writeFileSync(join(sub, name), 'half a checkpoint');
    await saveCheckpoint(path, model);
    expect(readdirSync(sub).sort()).toEqual([live, unrelated, 'run.ckpt'].sort());
    writeFileSync(join(sub, orphan), 'half a checkpoint');
    await readCheckpoint(path);
    expect(readdirSync(sub)).not.toContain(orphan);
    model.dispose();
  });

  it('never replaces a file that is not a bnkit checkpoint, nor a directory', async () => {
    const notes = join(dir, 'notes.txt');
    writeFileSync(notes, 'my notes');
    const model = lenetBN(backend);
    await expect(saveCheckpoint(notes, model)).rejects.toThrow(CheckpointOverwriteError);
    expect(readFileSync(notes, 'utf8')).toBe('my notes');
    const folder = join(dir, 'a-folder');
    mkdirSync(folder);
    await expect(saveCheckpoint(folder, model)).rejects.toThrow(/not a bnkit checkpoint/);
    expect(await checkpointFileKind(notes)).toBe('other');
    expect(await checkpointFileKind(folder)).toBe('other');
    expect(await checkpointFileKind(join(dir, 'none.ckpt'))).toBe('none');
    // A FIFO is never opened (reading one would wait for a writer forever).
    const fifo = join(dir, 'fifo.ckpt');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    expect(await checkpointFileKind(fifo)).toBe('other');
    await expect(saveCheckpoint(fifo, model)).rejects.toThrow(CheckpointOverwriteError);
    await saveCheckpoint(join(dir, 'real.ckpt'), model);
    expect(await checkpointFileKind(join(dir, 'real.ckpt'))).toBe('checkpoint');
    model.dispose();
  });

  it('an abort raised by a macrotask (as Ctrl-C is) stops fit before the next batch, on one thread', async () => {
    const train = syntheticImages(80, 5);
    const model = lenetBN(backend, { seed: 0 });
    const controller = new AbortController();
    const k = 3;
    const path = join(dir, 'stopped.ckpt');
    const result = await fitModel(model, train, {
      epochs: 2, lr: 0.1, batchSize: 8, seed: 0, signal: controller.signal, checkpoint: { path },
      // Like a signal handler: the abort runs only when the event loop gets a turn.
      onBatch: (p) => {
        if (p.epoch === 1 && p.batch === k) setImmediate(() => controller.abort());
      },
    });
    expect(result.stopped).toBe(true);
    expect(result.state).toMatchObject({ epochsCompleted: 0, batchesCompleted: k });
    expect((await readCheckpoint(path)).training).toMatchObject({ epochsCompleted: 0, batchesCompleted: k });
    model.dispose();
  });

  it('a real SIGINT sent after batch k stops a one-thread run before batch k+1', () => {
    const script = fileURLToPath(new URL('./support/sigint-fit.mjs', import.meta.url));
    const child = spawnSync(process.execPath, [script, '3'], { encoding: 'utf8', timeout: CHILD_LIMIT_MS });
    expect(child.status, child.stderr).toBe(0);
    expect(JSON.parse(child.stdout)).toEqual({ stopped: true, batchesCompleted: 3, epochsCompleted: 0 });
  });
});
