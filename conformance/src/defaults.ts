/**
 * Property runs per check when none is given. The TypeScript backend does them all in about 5 s on 2 cores
 * (inputs are mostly small, one in twenty a batch of up to ~14k values); a slower backend stops at
 * DEFAULT_PROPERTY_TIME_LIMIT_MS per property and reports how many ran, so a default run stays under a minute.
 */
export const DEFAULT_NUM_RUNS = 1000;
export const DEFAULT_PROPERTY_TIME_LIMIT_MS = 2500;
