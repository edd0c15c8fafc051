/**
 * Typed errors of the bnkit contract. Every error says what was wrong and what is allowed, and carries a
 * stable `code` so callers (and the conformance suite) can branch on the kind without parsing messages.
 */
export type BnkitErrorCode =
  | 'SHAPE'
  | 'AXIS'
  | 'EPS'
  | 'MOMENTUM'
  | 'DEGENERATE_BATCH'
  | 'INVALID_ARGUMENT'
  | 'NOT_IMPLEMENTED'
  | 'UNKNOWN_BACKEND'
  | 'DEVICE_UNAVAILABLE'
  | 'DISPOSED'
  | 'CLOSED'
  | 'CHECKPOINT';

export class BnkitError extends Error {
  readonly code: BnkitErrorCode;
  constructor(code: BnkitErrorCode, message: string) {
    super(message);
    this.code = code;
    this.name = new.target.name;
  }
}

/** A tensor has the wrong rank or extent for the kernel it was passed to. */
export class ShapeError extends BnkitError {
  constructor(message: string) {
    super('SHAPE', message);
  }
}

/** The channel axis is not an integer in [-rank, rank). */
export class AxisError extends BnkitError {
  constructor(message: string) {
    super('AXIS', message);
  }
}

/** eps must be finite and > 0. */
export class EpsError extends BnkitError {
  constructor(message: string) {
    super('EPS', message);
  }
}

/** momentum (the weight of the old running value) must lie in [0, 1]. */
export class MomentumError extends BnkitError {
  constructor(message: string) {
    super('MOMENTUM', message);
  }
}

/**
 * Training-mode BatchNorm with a single value per channel: the batch variance is 0 by construction, the
 * output is beta whatever the input and the layer learns nothing. PyTorch raises here too.
 */
export class DegenerateBatchError extends BnkitError {
  constructor(message: string) {
    super('DEGENERATE_BATCH', message);
  }
}

/** Any other argument outside its allowed set (a non-integer stride, an unknown option value...). */
export class InvalidArgumentError extends BnkitError {
  constructor(message: string) {
    super('INVALID_ARGUMENT', message);
  }
}

/** The backend does not implement a kernel of the contract. */
export class NotImplementedKernelError extends BnkitError {
  readonly kernel: string;
  readonly backend: string;
  constructor(backend: string, kernel: string) {
    super('NOT_IMPLEMENTED', `backend '${backend}' does not implement kernel '${kernel}'`);
    this.kernel = kernel;
    this.backend = backend;
  }
}

/** A backend name, package or path could not be resolved to a backend module. */
export class UnknownBackendError extends BnkitError {
  constructor(message: string) {
    super('UNKNOWN_BACKEND', message);
  }
}

/** A device was required (e.g. `device: 'webgpu'`) but is not available on this machine. */
export class DeviceUnavailableError extends BnkitError {
  constructor(message: string) {
    super('DEVICE_UNAVAILABLE', message);
  }
}

/**
 * A tensor handle that this backend cannot use: it was disposed already (the message says "disposed"), or
 * this backend instance never created it, e.g. it came from another backend instance or is not a handle
 * at all (the message says "not created by this backend").
 */
export class DisposedTensorError extends BnkitError {
  constructor(message: string) {
    super('DISPOSED', message);
  }
}

/** A backend was used after `close()`. Only `close()` itself (a no-op then) and `memory()` stay callable. */
export class BackendClosedError extends BnkitError {
  constructor(message: string) {
    super('CLOSED', message);
  }
}
