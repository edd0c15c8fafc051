import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './usage-error.js';

/*
 * Flag values as the bnkit CLIs read them: strictly (no coercion of '', ' 7', '1e3' or '0x10' into numbers),
 * within stated ranges, and with a message that names the flag and says what is allowed.
 */

type Options = NonNullable<ParseArgsConfig['options']>;
type StrictConfig<T extends Options> = { args: string[]; strict: true; allowPositionals: false; options: T };
export type Flags<T extends Options> = ReturnType<typeof parseArgs<StrictConfig<T>>>['values'];

/** node:util's parseArgs in strict mode, with its errors ("Unknown option '--foo'") as UsageError. */
export function readFlags<T extends Options>(argv: readonly string[], options: T): Flags<T> {
  try {
    return parseArgs({ args: [...argv], strict: true, allowPositionals: false, options }).values;
  } catch (e) {
    throw new UsageError(`${(e as Error).message.trimEnd().replace(/\.$/, '')} (see --help)`);
  }
}

export interface IntegerRange {
  readonly min: number;
  readonly max: number;
  /** Why the bound, when it is not obvious (appended to the message). */
  readonly why?: string;
}

/** The flag's integer within [min, max]; the text must be plain decimal digits (optionally signed). */
export function integer(flag: string, text: string, range: IntegerRange): number {
  const n = Number(text);
  if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(n) || n < range.min || n > range.max) {
    const why = range.why ? ` (${range.why})` : '';
    throw new UsageError(`--${flag} must be an integer from ${range.min} to ${range.max}${why}, got '${text}'`);
  }
  return n;
}

/** Positive integers of counts the CLIs take (epochs, examples per class, threads): at most a billion. */
const COUNT: IntegerRange = { min: 1, max: 1_000_000_000 };

/** The flag's positive integer, `fallback` when absent; UsageError otherwise. */
export function positiveInteger(flag: string, text: string | undefined, fallback: number, range?: IntegerRange): number;
export function positiveInteger(flag: string, text: string | undefined): number | undefined;
export function positiveInteger(flag: string, text: string | undefined, fallback?: number, range: IntegerRange = COUNT): number | undefined {
  return text === undefined ? fallback : integer(flag, text, range);
}

/** Seeds of weights and shuffling: what @bnkit/nn accepts, every 32-bit pattern signed or unsigned. */
export function seed(text: string | undefined): number {
  return text === undefined ? 0 : integer('seed', text, { min: -(2 ** 31), max: 2 ** 32 - 1, why: 'a 32-bit seed' });
}

/** A finite number > 0 (learning rates). */
export function positiveNumber(flag: string, text: string): number {
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v) || v <= 0) throw new UsageError(`--${flag} must be a finite number > 0, got '${text}'`);
  return v;
}

/** The value, refusing an empty one (`--backend=`), which would otherwise mean "the default" or hang a lookup. */
export function nonEmpty(flag: string, text: string | undefined): string | undefined {
  if (text !== undefined && text.trim() === '') throw new UsageError(`--${flag} needs a value`);
  return text;
}
