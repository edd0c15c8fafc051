// backend-ts's kernels and data plane without the checked() wrapper: nothing validates the calls, so
// misuse reaches the implementation and fails there, or not at all.
import { createBackend } from '@bnkit/backend-ts';

const INNER = Symbol.for('bnkit.checked.inner');

export default async function createUnchecked(options) {
  const wrapped = await createBackend(options);
  return wrapped[INNER];
}
