import {
  DeviceUnavailableError, InvalidArgumentError, NotImplementedKernelError, UnknownBackendError, requireTraining, type TrainingBackend,
} from '@bnkit/core';
import { loadBackend } from '@bnkit/loader';
import type { BackendChoice } from './options/training.js';
import { UsageError } from './options/usage-error.js';

/**
 * The backend a command line chose, with its training kernels. Everything that can go wrong here is the
 * command line's fault, so it becomes a UsageError (exit 2): a name that does not resolve, a device or
 * option the factory refuses (`--device=bogus`), a device that cannot start on this machine, a backend
 * without training kernels.
 */
export async function openTrainingBackend(choice: BackendChoice): Promise<TrainingBackend> {
  const options = {
    ...(choice.device !== undefined ? { device: choice.device } : {}),
    ...(choice.threads !== undefined ? { threads: choice.threads } : {}),
  };
  let backend;
  try {
    backend = await loadBackend(choice.backend, options, import.meta.url);
  } catch (e) {
    if (e instanceof UnknownBackendError || e instanceof InvalidArgumentError || e instanceof DeviceUnavailableError) throw new UsageError(e.message);
    throw e;
  }
  try {
    return requireTraining(backend);
  } catch (e) {
    await backend.close();
    if (e instanceof NotImplementedKernelError) throw new UsageError(`--backend ${choice.backend} cannot train: ${e.message}`);
    throw e;
  }
}
