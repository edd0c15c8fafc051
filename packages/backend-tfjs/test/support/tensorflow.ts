import { createRequire } from 'node:module';
import { TENSORFLOW_PACKAGES } from '@bnkit/backend-tfjs';

const require = createRequire(import.meta.url);

function resolves(pkg: string): boolean {
  try {
    require.resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

/** The libtensorflow package installed here, if any (the backend resolves it the same way). */
export const tensorflowPackage = TENSORFLOW_PACKAGES.find(resolves);

/** Why the tensorflow device tests cannot run here, or undefined when they can. */
export const tensorflowSkipReason = tensorflowPackage
  ? undefined
  : `neither ${TENSORFLOW_PACKAGES.join(' nor ')} is installed (their install script downloads libtensorflow)`;
