import { describe, expect, it } from 'vitest';
import {
  BackendClosedError, DisposedTensorError, InvalidArgumentError, SPECIFICATION_VERSION, ShapeError,
  batchNormAttrs, checked, type Backend, type Shape, type Tensor,
} from '@bnkit/core';

/** A backend that records what reached it: every call here must already have passed `checked`'s rules. */
function recordingBackend(seen: unknown[][]) {
  const handle = (shape: Shape, dtype: Tensor['dtype'] = 'float32'): Tensor => ({ shape, dtype, backend: 'rec' });
  const backend: Backend = {
    specificationVersion: SPECIFICATION_VERSION,
    name: 'rec',
    device: { kind: 'cpu', name: 'test' },
    capabilities: ['batchNorm', 'training'],
    upload: (data, shape, dtype) => (seen.push(['upload', dtype]), handle(shape, dtype)),
    read: async (t) => (seen.push(['read']), t.dtype === 'int32' ? Int32Array.of(0, 3) : new Float32Array(t.shape.reduce((a, b) => a * b, 1))),
    reshape: (t, shape) => handle(shape, t.dtype),
    dispose: (t) => void seen.push(['dispose', t.shape]),
    memory: () => ({ tensors: 7, bytes: 28 }),
    close: async () => void seen.push(['close']),
    batchNormTrain: async (i) => ({ y: handle(i.x.shape), runningMean: handle([3]), runningVar: handle([3]), mean: handle([3]), invStd: handle([3]) }),
    batchNormTrainBackward: async (i) => ({ dx: handle(i.x.shape), dgamma: handle([3]), dbeta: handle([3]) }),
    batchNormEval: async (i) => handle(i.x.shape),
    batchNormEvalBackward: async (i) => ({ dx: handle(i.x.shape), dgamma: handle([3]), dbeta: handle([3]) }),
    conv2d: async (_i, a) => (seen.push(['conv2d', a]), handle([1, 1, 2, 2])),
    maxPool2d: async (_i, a) => (seen.push(['maxPool2d', a]), handle([1, 1, 1, 1])),
    softmaxCrossEntropy: async () => (seen.push(['softmaxCrossEntropy']), { loss: handle([1]), dlogits: handle([2, 3]) }),
  };
  return backend;
}

function setup() {
  const seen: unknown[][] = [];
  const b = checked(recordingBackend(seen));
  return { seen, b, up: (shape: Shape) => b.upload(new Float32Array(shape.reduce((a, d) => a * d, 1)), shape) };
}

describe('checked: lifecycle', () => {
  it('double dispose, and use after dispose, throw DisposedTensorError saying "disposed"', async () => {
    const { b, up, seen } = setup();
    const t = up([2, 3]);
    b.dispose(t);
    expect(() => b.dispose(t)).toThrow(DisposedTensorError);
    expect(() => b.dispose(t)).toThrow(/disposed/);
    await expect(b.read(t)).rejects.toMatchObject({ code: 'DISPOSED', message: expect.stringMatching(/disposed/) });
    expect(() => b.reshape(t, [6])).toThrow(DisposedTensorError);
    await expect(b.batchNormEval({ x: t, gamma: up([3]), beta: up([3]), runningMean: up([3]), runningVar: up([3]) }, batchNormAttrs()))
      .rejects.toThrow(/input 'x'.*disposed/);
    expect(seen.filter((c) => c[0] === 'dispose')).toHaveLength(1);
  });

  it('kernel outputs and reshapes are handles of the backend; foreign handles are rejected', async () => {
    const { b, up } = setup();
    const other = setup();
    const x = up([2, 3]);
    const y = await b.batchNormEval({ x, gamma: up([3]), beta: up([3]), runningMean: up([3]), runningVar: up([3]) }, batchNormAttrs());
    const view = b.reshape(y, [6]);
    await expect(b.read(view)).resolves.toHaveLength(6);
    b.dispose(y);
    expect(() => b.dispose(other.up([2]))).toThrow(/not created by this backend/);
    expect(() => b.dispose({ shape: [2], dtype: 'float32', backend: 'rec' })).toThrow(DisposedTensorError);
    await expect(b.read(42 as unknown as Tensor)).rejects.toThrow(/not created by this backend/);
  });

  it('every call after close throws BackendClosedError; close twice is a no-op; memory reports nothing', async () => {
    const { b, up, seen } = setup();
    const t = up([2]);
    expect(b.memory()).toEqual({ tensors: 7, bytes: 28 });
    await b.close();
    await b.close();
    expect(seen.filter((c) => c[0] === 'close')).toHaveLength(1);
    expect(() => up([2])).toThrow(BackendClosedError);
    expect(() => b.dispose(t)).toThrow(expect.objectContaining({ code: 'CLOSED' }));
    await expect(b.read(t)).rejects.toThrow(BackendClosedError);
    await expect(b.relu!({ x: t })).rejects.toThrow(BackendClosedError);
    expect(b.memory()).toEqual({ tensors: 0, bytes: 0 });
  });
});

describe('checked: arguments', () => {
  it('resolves the upload dtype once and passes it explicitly', () => {
    const { b, seen } = setup();
    expect(b.upload(Int32Array.of(1, 2), [2]).dtype).toBe('int32');
    expect(b.upload([1, 2], [2]).dtype).toBe('float32');
    expect(b.upload(Float32Array.of(1, 2), [2], 'int32').dtype).toBe('int32');
    expect(seen.map((c) => c[1])).toEqual(['int32', 'float32', 'int32']);
    expect(() => b.upload([1.5], [1], 'int32')).toThrow(/int32 data must be integers.*1\.5 at index 0/);
    expect(() => b.upload('abc' as unknown as number[], [3])).toThrow(InvalidArgumentError);
  });

  it('fills conv2d and pool defaults before the backend sees them', async () => {
    const { b, up, seen } = setup();
    await b.conv2d!({ x: up([1, 1, 3, 3]), weight: up([1, 1, 2, 2]), bias: up([1]) });
    await b.maxPool2d!({ x: up([1, 1, 2, 2]) }, { kernel: [2, 2] });
    expect(seen.filter((c) => c[0] !== 'upload')).toEqual([
      ['conv2d', { stride: [1, 1], padding: [0, 0] }],
      ['maxPool2d', { kernel: [2, 2], stride: [2, 2], padding: [0, 0] }],
    ]);
  });

  it('names a missing attribute that has no default, never a raw TypeError', async () => {
    const { b, up } = setup();
    const x = up([1, 1, 2, 2]);
    await expect(b.maxPool2d!({ x }, undefined as never)).rejects.toThrow(/pool2d attribute 'kernel' is required/);
    await expect(b.maxPool2d!({ x }, { kernel: [2] } as never)).rejects.toThrow(/pool2d kernel must be a pair/);
    await expect(b.conv2d!({ x, weight: up([1, 1, 1, 1]), bias: up([1]) }, 'wide' as never)).rejects.toThrow(InvalidArgumentError);
    const bn = { x: up([2, 3]), gamma: up([3]), beta: up([3]), runningMean: up([3]), runningVar: up([3]) };
    for (const key of ['axis', 'eps', 'momentum', 'runningVar'] as const) {
      const attrs = { ...batchNormAttrs(), [key]: undefined };
      await expect(b.batchNormTrain(bn, attrs as never)).rejects.toThrow(new RegExp(`attribute '${key}' is missing`));
    }
    await expect(b.batchNormTrain(bn, undefined as never)).rejects.toThrow(InvalidArgumentError);
    await expect(b.batchNormTrain({ x: bn.x } as never, batchNormAttrs())).rejects.toThrow(/input 'gamma' is missing/);
    await expect(b.conv2d!(undefined as never)).rejects.toThrow(InvalidArgumentError);
  });

  it('rejects an out-of-range label naming the row, the value and the allowed range', async () => {
    const { b, up, seen } = setup();
    const labels = b.upload(Int32Array.of(0, 3), [2]);
    await expect(b.softmaxCrossEntropy!({ logits: up([2, 3]), labels })).rejects.toThrow(
      /label 3 at row 1 is outside \[0, 2\], the allowed range for K = 3 classes/,
    );
    expect(seen.some((c) => c[0] === 'softmaxCrossEntropy')).toBe(false);
    await expect(b.softmaxCrossEntropy!({ logits: up([2, 4]), labels })).resolves.toBeDefined();
  });

  it('checks uploaded labels (and views of them) from a host copy, so the check reads nothing from the device', async () => {
    const { b, up, seen } = setup();
    // The recording backend would read back [0, 3], out of range for K = 3: only the host copy [0, 2] passes.
    const labels = b.reshape(b.upload(Int32Array.of(0, 2), [1, 2]), [2]);
    await expect(b.softmaxCrossEntropy!({ logits: up([2, 3]), labels })).resolves.toBeDefined();
    expect(seen.some((c) => c[0] === 'read')).toBe(false);
  });

  it('rejects empty tensors in kernels, accepts them in upload and read', async () => {
    const { b, up } = setup();
    const empty = up([0, 3]);
    await expect(b.read(empty)).resolves.toHaveLength(0);
    await expect(b.batchNormEval({ x: empty, gamma: up([3]), beta: up([3]), runningMean: up([3]), runningVar: up([3]) }, batchNormAttrs()))
      .rejects.toThrow(ShapeError);
  });
});
