/**
 * Property runs per check when none is given. Every one of them runs: the same --seed and --num-runs try the
 * same inputs and give the same verdict on any machine at any load.
 */
export const DEFAULT_NUM_RUNS = 1000;
/**
 * The per-property wall-clock budget of an interactive run (a terminal, no --num-runs): a slow backend then
 * stops early and the report says the verdict is partial. Never applied in CI, through the API unless asked
 * for, or with an explicit --num-runs or --path.
 */
export const INTERACTIVE_PROPERTY_TIME_LIMIT_MS = 2500;
