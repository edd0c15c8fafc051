import { estimateRemaining, formatCount, formatDuration, formatRate } from './format.js';

/** Where a progress bar draws: process.stderr, or anything shaped like it (tests). */
export interface ProgressStream {
  readonly isTTY?: boolean;
  write(text: string): unknown;
}

export interface ProgressBarOptions {
  /** Units of work (examples) in this pass. */
  readonly total: number;
  /** Prefix, e.g. 'epoch 3/10'. */
  readonly label: string;
  /** Bar width in characters on a terminal. */
  readonly width?: number;
  /** Units already done when the bar starts (a pass resumed half-way); they do not count towards the rate. */
  readonly startAt?: number;
  /** Name of a unit in the rate, default 'ex' (examples/s). */
  readonly unit?: string;
  /** Clock in seconds; injectable for tests. */
  readonly now?: () => number;
}

/** What the caller knows better than the bar's own clock. */
export interface ProgressTiming {
  /**
   * Seconds the work since `startAt` took, when the caller times it itself: the training loop does, so the
   * bar's rate is the epoch's training throughput, evaluation and checkpoints excluded.
   */
  readonly elapsed?: number;
  /** Appended to the line, e.g. the ETA of the whole run. */
  readonly note?: string;
}

const defaultNow = (): number => performance.now() / 1000;
/** Non-terminal output gets a line at every tenth of the way, so logs stay short. */
const LOG_STEPS = 10;
/** A terminal is redrawn at most this often (seconds). */
const REDRAW_INTERVAL = 0.1;

/**
 * A one-line progress bar with examples/s and ETA. On a terminal it redraws in place with '\r'; in a log
 * (CI, a pipe) it prints a line every ~10% instead, since '\r' would pile up as one huge line.
 */
export class ProgressBar {
  readonly #stream: ProgressStream;
  readonly #total: number;
  readonly #label: string;
  readonly #width: number;
  readonly #now: () => number;
  readonly #start: number;
  readonly #startAt: number;
  readonly #unit: string;
  #lastDraw = -Infinity;
  #nextLogStep = 1;
  #lastLogged = -1;
  #lastLength = 0;
  #done = 0;
  #timing: ProgressTiming = {};

  constructor(stream: ProgressStream, options: ProgressBarOptions) {
    this.#stream = stream;
    this.#total = Math.max(0, options.total);
    this.#label = options.label;
    this.#width = options.width ?? 24;
    this.#now = options.now ?? defaultNow;
    this.#start = this.#now();
    this.#startAt = options.startAt ?? 0;
    this.#unit = options.unit ?? 'ex';
    this.#done = this.#startAt;
  }

  /** The line shown for `done` units after `elapsed` seconds. */
  line(done: number, elapsed: number, note = ''): string {
    const fraction = this.#total > 0 ? Math.min(1, done / this.#total) : 1;
    const rate = elapsed > 0 && done > this.#startAt ? (done - this.#startAt) / elapsed : NaN;
    const percent = `${Math.floor(fraction * 100)}%`.padStart(4);
    const counts = `${formatCount(done)}/${formatCount(this.#total)}`;
    const timing = done >= this.#total ? `in ${formatDuration(elapsed)}` : `ETA ${formatDuration(estimateRemaining(done - this.#startAt, this.#total - this.#startAt, elapsed))}`;
    const filled = Math.round(fraction * this.#width);
    const bar = this.#stream.isTTY ? ` [${'#'.repeat(filled)}${'.'.repeat(this.#width - filled)}]` : '';
    return `${this.#label}${bar} ${percent} ${counts} ${formatRate(rate, this.#unit)} ${timing}${note ? `, ${note}` : ''}`;
  }

  /** Reports that `done` units (cumulative) are complete. */
  update(done: number, timing: ProgressTiming = {}): void {
    this.#done = done;
    this.#timing = timing;
    const t = this.#now();
    const elapsed = this.#elapsed(t);
    if (this.#stream.isTTY) {
      if (t - this.#lastDraw < REDRAW_INTERVAL && done < this.#total) return;
      this.#lastDraw = t;
      const text = this.line(done, elapsed, timing.note);
      // Pad over the previous, possibly longer, line.
      this.#stream.write(`\r${text.padEnd(this.#lastLength)}`);
      this.#lastLength = text.length;
      return;
    }
    const step = this.#total > 0 ? Math.floor((done / this.#total) * LOG_STEPS) : LOG_STEPS;
    if (step >= this.#nextLogStep) {
      this.#nextLogStep = step + 1;
      this.#log(done, elapsed);
    }
  }

  /** Ends the bar: the final state stays visible on its own line. */
  finish(): void {
    if (this.#stream.isTTY) {
      this.#lastDraw = -Infinity;
      this.update(this.#done);
      this.#stream.write('\n');
    } else if (this.#lastLogged !== this.#done) {
      this.#log(this.#done, this.#elapsed(this.#now()));
    }
  }

  #elapsed(t: number): number {
    return this.#timing.elapsed ?? t - this.#start;
  }

  #log(done: number, elapsed: number): void {
    this.#lastLogged = done;
    this.#stream.write(`${this.line(done, elapsed, this.#timing.note)}\n`);
  }
}
