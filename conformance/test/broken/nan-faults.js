// backend-ts with one kernel that mishandles NaN, each a classic way to break docs/nan-semantics.md. The
// faulty kernel rewrites its input or output on the host around the real kernel, so only the NaN handling
// differs from backend-ts.
import { withKernel } from './break-backend.js';

const nanTo = (data, value) => Float32Array.from(data, (v) => (Number.isNaN(v) ? value : v));

/** Calls the real kernel with NaNs of input `x` replaced by `value`. */
function replacingNan(fault, kernel, value) {
  return (options) =>
    withKernel(`broken-${fault}`, options, kernel, (b) => async (inputs, attrs) => {
      const x = b.upload(nanTo(await b.read(inputs.x), value), inputs.x.shape);
      try {
        return await b[kernel]({ ...inputs, x }, attrs);
      } finally {
        b.dispose(x);
      }
    });
}

/** batchNormTrain that treats NaN inputs as 0 (a sanitising kernel that hides bad data). */
export const bnNanToZero = replacingNan('bn-nan-to-zero', 'batchNormTrain', 0);

/** maxPool2d whose `v > best` comparison never picks a NaN: the NaN is skipped as if it were -Infinity. */
export const maxPoolSkipsNan = replacingNan('max-pool-skips-nan', 'maxPool2d', -Infinity);

/** argmax that never picks a NaN. */
export const argmaxIgnoresNan = replacingNan('argmax-ignores-nan', 'argmax', -Infinity);

/** batchNormTrain where a NaN anywhere in x makes every channel's y NaN (statistics reduced across channels). */
export const bnNanPoisonsAll = (options) =>
  withKernel('broken-bn-nan-poisons-all', options, 'batchNormTrain', (b) => async (inputs, attrs) => {
    const out = await b.batchNormTrain(inputs, attrs);
    if (!(await b.read(inputs.x)).some(Number.isNaN)) return out;
    b.dispose(out.y);
    return { ...out, y: b.upload(new Float32Array(await b.read(inputs.x)).fill(NaN), inputs.x.shape) };
  });

/** relu written as `x > 0 ? x : 0`, which maps NaN to 0. */
export const reluNanToZero = (options) =>
  withKernel('broken-relu-nan-to-zero', options, 'relu', (b) => async (inputs) =>
    b.upload(Float32Array.from(await b.read(inputs.x), (v) => (v > 0 ? v : 0)), inputs.x.shape));
