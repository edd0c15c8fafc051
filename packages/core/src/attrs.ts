import { InvalidArgumentError } from './errors.js';
import type {
  Conv2dAttrs, Conv2dAttrsInit, Conv2dBackwardAttrs, Conv2dBackwardAttrsInit, Pool2dAttrs, Pool2dAttrsInit,
} from './kernels.js';
import { describeValue } from './describe-value.js';

/*
 * The one place where attribute defaults are filled. `checked()` calls these before validating, so a
 * backend's kernels always receive complete attributes; layers and fixtures use them too. Values are not
 * validated here (the kernel's validator does that, naming the attribute); only the shape of the record.
 */

/** The attribute record of a call, or InvalidArgumentError when it is not an object (undefined reads as {}). */
function attrRecord<T extends object>(attrs: T | undefined, what: string): Partial<T> {
  if (attrs === undefined) return {};
  if (attrs === null || typeof attrs !== 'object' || Array.isArray(attrs)) {
    throw new InvalidArgumentError(`${what} attributes must be an object, got ${describeValue(attrs)}`);
  }
  return attrs;
}

/** Fills conv2d attribute defaults (stride [1, 1], padding [0, 0]). */
export function conv2dAttrs(attrs?: Conv2dAttrsInit): Conv2dAttrs {
  const a = attrRecord(attrs, 'conv2d');
  return { stride: a.stride ?? [1, 1], padding: a.padding ?? [0, 0] };
}

/** Fills conv2dBackward attribute defaults: conv2d's, and `inputGradient` true. */
export function conv2dBackwardAttrs(attrs?: Conv2dBackwardAttrsInit): Conv2dBackwardAttrs {
  const a = attrRecord(attrs, 'conv2dBackward');
  const inputGradient = a.inputGradient ?? true;
  if (typeof inputGradient !== 'boolean') {
    throw new InvalidArgumentError(`conv2dBackward attribute 'inputGradient' must be a boolean, got ${describeValue(inputGradient)}`);
  }
  return { ...conv2dAttrs(a), inputGradient };
}

/** Fills pooling attribute defaults (stride = kernel, padding [0, 0]); `kernel` has none and is required. */
export function pool2dAttrs(attrs: Pool2dAttrsInit): Pool2dAttrs {
  const a = attrRecord(attrs, 'pool2d');
  if (a.kernel === undefined) {
    throw new InvalidArgumentError(`pool2d attribute 'kernel' is required (it has no default): a pair of integers >= 1`);
  }
  return { kernel: a.kernel, stride: a.stride ?? a.kernel, padding: a.padding ?? [0, 0] };
}
