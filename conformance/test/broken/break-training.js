import { createBackend } from '@bnkit/backend-ts';
import { KERNEL_GROUPS } from '@bnkit/core';
import { delegatingBackend } from '../delegating-backend.js';

/*
 * The TypeScript backend with one training kernel replaced by a host computation with one deliberate
 * fault; every other kernel is the real backend's.
 */

function withTrainingKernel(fault, kernel, implement) {
  return async (options) => {
    const base = await createBackend(options);
    return delegatingBackend(base, {
      name: `broken-${fault}`,
      device: { ...base.device, description: `backend-ts with a faulty ${kernel}` },
      capabilities: base.capabilities,
      kernels: [...KERNEL_GROUPS.batchNorm, ...KERNEL_GROUPS.training],
      overrides: { [kernel]: implement(base) },
    });
  };
}

/** Max pooling's gradient sent to the LAST maximum of each window (the contract says the first). */
export const maxPoolGradientToLastTie = withTrainingKernel('max-pool-last-tie', 'maxPool2dBackward', (b) => async ({ x, dy }, { kernel, stride, padding }) => {
  const xs = await b.read(x);
  const g = await b.read(dy);
  const [n, c, h, w] = x.shape;
  const [oh, ow] = dy.shape.slice(2);
  const dx = new Float32Array(xs.length);
  for (let p = 0; p < n * c; p++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        let best = -Infinity;
        let at = -1;
        for (let u = 0; u < kernel[0]; u++) {
          for (let v = 0; v < kernel[1]; v++) {
            const r = i * stride[0] - padding[0] + u;
            const s = j * stride[1] - padding[1] + v;
            if (r < 0 || r >= h || s < 0 || s >= w) continue;
            const k = (p * h + r) * w + s;
            if (xs[k] >= best) { best = xs[k]; at = k; } // >=: the fault
          }
        }
        if (at >= 0) dx[at] += g[(p * oh + i) * ow + j];
      }
    }
  }
  return b.upload(dx, x.shape);
});

/** ReLU's gradient passed through at x = 0 (the contract: dy only where x > 0). */
export const reluGradientAtZero = withTrainingKernel('relu-grad-at-zero', 'reluBackward', (b) => async ({ x, dy }) => {
  const xs = await b.read(x);
  const g = await b.read(dy);
  return b.upload(xs.map((v, i) => (v >= 0 ? g[i] : 0)), x.shape);
});

/** Softmax cross-entropy without the row maximum subtracted: exp overflows float32 from logits of about 89. */
export const softmaxWithoutMax = withTrainingKernel('softmax-without-max', 'softmaxCrossEntropy', (b) => async ({ logits, labels }) => {
  const z = await b.read(logits);
  const lab = await b.read(labels);
  const [n, k] = logits.shape;
  const dlogits = new Float32Array(n * k);
  let total = 0;
  for (let r = 0; r < n; r++) {
    let s = 0;
    for (let j = 0; j < k; j++) s += Math.fround(Math.exp(z[r * k + j]));
    total += Math.log(s) - z[r * k + lab[r]];
    for (let j = 0; j < k; j++) dlogits[r * k + j] = (Math.fround(Math.exp(z[r * k + j])) / s - (j === lab[r] ? 1 : 0)) / n;
  }
  return { loss: b.upload([total / n], [1]), dlogits: b.upload(dlogits, [n, k]) };
});

/** Max pooling whose padding acts as 0 instead of −∞: wrong exactly where a window is partly padding over negative data. */
export const maxPoolPaddingAsZero = withTrainingKernel('max-pool-padding-zero', 'maxPool2d', (b) => async ({ x }, { kernel, stride, padding }) => {
  const xs = await b.read(x);
  const [n, c, h, w] = x.shape;
  const oh = Math.floor((h + 2 * padding[0] - kernel[0]) / stride[0]) + 1;
  const ow = Math.floor((w + 2 * padding[1] - kernel[1]) / stride[1]) + 1;
  const y = new Float32Array(n * c * oh * ow);
  for (let p = 0; p < n * c; p++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        let best = -Infinity;
        for (let u = 0; u < kernel[0]; u++) {
          for (let v = 0; v < kernel[1]; v++) {
            const r = i * stride[0] - padding[0] + u;
            const s = j * stride[1] - padding[1] + v;
            const value = r < 0 || r >= h || s < 0 || s >= w ? 0 : xs[(p * h + r) * w + s]; // 0: the fault
            if (value > best) best = value;
          }
        }
        y[(p * oh + i) * ow + j] = best;
      }
    }
  }
  return b.upload(y, [n, c, oh, ow]);
});

/** argmax that returns the last of tied maxima (the contract: the first). */
export const argmaxLastTie = withTrainingKernel('argmax-last-tie', 'argmax', (b) => async ({ x }) => {
  const xs = await b.read(x);
  const k = x.shape[x.shape.length - 1];
  const rows = xs.length / k;
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let at = 0;
    for (let j = 1; j < k; j++) if (xs[r * k + j] >= xs[r * k + at]) at = j; // >=: the fault
    out[r] = at;
  }
  return b.upload(out, x.shape.slice(0, -1), 'int32');
});
