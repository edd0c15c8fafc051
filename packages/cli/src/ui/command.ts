import { MissingDataFileError } from '@bnkit/data';
import { UsageError } from '../options/usage-error.js';
import type { ProgressStream } from './progress.js';
import { versionRequest } from './version.js';

/** Where a training command writes, and what stops it. */
export interface CommandIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: ProgressStream;
  /** Stops the run at the next batch boundary (Ctrl-C). */
  readonly signal?: AbortSignal;
}

export interface Command<O> {
  /** As the messages name it: `bnkit <name>: …`. */
  readonly name: string;
  /** Parses argv; throws UsageError on a bad command line. Pure: touches no file. */
  parse(argv: readonly string[]): { readonly help: true } | { readonly help: false; readonly options: O };
  readonly usage: string;
  /**
   * Checks what the options name on disk (outputs writable, files to resume from) before any work; throws
   * UsageError. May return the options to run with (a resumed run's, read from its checkpoint).
   */
  prepare?(options: O): Promise<O | void>;
  /** Runs with a signal that the first Ctrl-C aborts; resolves whether it stopped early. */
  run(options: O, signal: AbortSignal): Promise<{ readonly stopped: boolean }>;
  /** A failure of `run` that is the command line's fault (exit 2) beyond a UsageError or a data folder missing its files. */
  isUsageError?(e: unknown, options: O): boolean;
}

/** The exit statuses of pnpm train and pnpm experiment (their --help and the README list them). */
export const EXIT = { done: 0, failure: 1, usage: 2, interrupted: 130 } as const;

/**
 * The shell of a long-running bnkit command; returns its exit status: 0 done, 1 failure, 2 bad command
 * line (a bad flag, an output that cannot be written, an unknown backend or device, a data folder missing
 * its files), 130 interrupted. The first Ctrl-C asks the run to stop at the next batch; a second one quits
 * at once.
 */
export async function runCommand<O>(command: Command<O>, argv: readonly string[]): Promise<number> {
  const refuse = (e: unknown): number => {
    process.stderr.write(`bnkit ${command.name}: ${e instanceof Error ? e.message : String(e)}\n`);
    return EXIT.usage;
  };
  const version = versionRequest(argv, `bnkit-${command.name}`);
  if (version !== null) {
    process.stdout.write(`${version}\n`);
    return EXIT.done;
  }
  let parsed;
  try {
    parsed = command.parse(argv);
    if (!parsed.help) parsed = { help: false, options: (await command.prepare?.(parsed.options)) ?? parsed.options };
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    return refuse(e);
  }
  if (parsed.help) {
    process.stdout.write(`${command.usage}\n`);
    return EXIT.done;
  }
  const controller = new AbortController();
  const onSigint = (): void => {
    if (controller.signal.aborted) process.exit(EXIT.interrupted);
    process.stderr.write('\nstopping after this batch (Ctrl-C again to quit now)\n');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  try {
    const outcome = await command.run(parsed.options, controller.signal);
    return outcome.stopped ? EXIT.interrupted : EXIT.done;
  } catch (e) {
    if (e instanceof UsageError || e instanceof MissingDataFileError || command.isUsageError?.(e, parsed.options) === true) return refuse(e);
    process.stderr.write(`bnkit ${command.name}: ${e instanceof Error ? e.message : String(e)}\n`);
    return EXIT.failure;
  } finally {
    process.off('SIGINT', onSigint);
  }
}
