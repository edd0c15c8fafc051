// The suite without Node (a page): the checks run on a backend instance, with fixtures the caller fetched
// (already validated, e.g. by the server that loaded them with loadFixtureDirs). No Node module.
export { openSession, runSession, runCheck, resolveSettings, PROFILES, type CheckSession, type ConformanceOptions } from './session.js';
export { provideOptionalPeers, OptionalPeerMissingError } from './optional.js';
export { CHECKS } from './checks/index.js';
export { ConformanceUsageError } from './errors.js';
export { formatReport } from './report/table.js';
export { isFailure } from './report/types.js';
export type * from './report/types.js';
export type { LoadedFixture, Fixture } from './fixtures/types.js';
