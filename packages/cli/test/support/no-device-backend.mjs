// A backend module whose factory cannot start the device it is asked for, as gpu or tfjs do on a machine
// without the driver: the CLIs must call that a bad command line (exit 2), not a failure.
import { DeviceUnavailableError } from '@bnkit/core';

export default function createBackend(options = {}) {
  throw new DeviceUnavailableError(`no driver for device '${options.device ?? 'default'}' on this machine`);
}
