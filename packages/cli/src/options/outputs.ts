import { prepareOutputs as prepareOutputLocations, type OutputLocation } from '@bnkit/loader';
import { UsageError } from './usage-error.js';

export type { OutputLocation } from '@bnkit/loader';

/** `@bnkit/loader`'s check of where a command writes, failing with this package's UsageError (exit 2). */
export const prepareOutputs = (locations: readonly OutputLocation[]): void => prepareOutputLocations(locations, (message) => new UsageError(message));
