import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TfjsLenetRequest, TfjsLenetResult } from './tfjs-lenet.js';

/** Longest a tfjs anchor may run; tfjs-cpu takes seconds per batch-256 step, a hung GPU driver forever. */
const ANCHOR_TIMEOUT_MS = 15 * 60_000;

/**
 * Trains the tfjs LeNet-BN anchor in a child process (see tfjs-child.ts) and returns its measurement, or
 * why it could not train. The child's output is tfjs and Dawn chatter; it is kept only to explain a crash.
 */
export function runTfjsLenetAnchor(request: TfjsLenetRequest): Promise<TfjsLenetResult> {
  const child = fork(fileURLToPath(new URL('./tfjs-child.js', import.meta.url)), [], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  let chatter = '';
  const keep = (chunk: Buffer): void => {
    chatter = (chatter + chunk.toString()).slice(-2000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  return new Promise<TfjsLenetResult>((resolve) => {
    let result: TfjsLenetResult | undefined;
    const timer = setTimeout(() => child.kill(), ANCHOR_TIMEOUT_MS);
    child.once('message', (m: TfjsLenetResult) => {
      result = m;
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      const lastLine = chatter.trim().split('\n').filter((l) => !l.startsWith('Warning:')).pop() ?? '';
      resolve(
        result ?? {
          ok: false,
          device: request.device,
          reason: `tfjs ${request.device} process ended (${signal ?? `exit code ${code}`}) without a result${lastLine ? `: ${lastLine}` : ''}`,
        },
      );
    });
    child.send(request);
  });
}
