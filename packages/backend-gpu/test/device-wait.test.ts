import { describe, expect, it } from 'vitest';
import { deviceWait } from '../dist/execution/device-wait.js';

/*
 * deviceWait swaps the global setImmediate (which Dawn's binding re-arms to poll a pending promise) for a
 * throttled one while a wait is pending. These tests drive it with plain timers in place of the device.
 */

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const { setImmediate: originalSet, clearImmediate: originalClear } = globalThis;

describe('deviceWait', () => {
  it('defers setImmediate callbacks to timers once the wait is older than a few ms, in order, and clearImmediate still cancels', async () => {
    const ran: string[] = [];
    await deviceWait(async () => {
      await sleep(20);
      expect(globalThis.setImmediate).not.toBe(originalSet);
      const a = globalThis.setImmediate(() => ran.push('a'));
      const cancelled = globalThis.setImmediate(() => ran.push('cancelled'));
      globalThis.setImmediate(() => ran.push('b'));
      expect((a as object).constructor.name).toBe('Timeout');
      globalThis.clearImmediate(cancelled);
      await sleep(20);
    });
    expect(ran).toEqual(['a', 'b']);
  });

  it('puts the originals back when the wait settles, rejected or not, and after nested waits', async () => {
    await deviceWait(() => deviceWait(() => sleep(1)));
    expect(globalThis.setImmediate).toBe(originalSet);
    await expect(deviceWait(() => Promise.reject(new Error('device lost')))).rejects.toThrow('device lost');
    expect(globalThis.setImmediate).toBe(originalSet);
    expect(globalThis.clearImmediate).toBe(originalClear);
    // An Immediate made outside any wait is cancelled by the original clearImmediate, as always.
    let ran = false;
    clearImmediate(setImmediate(() => (ran = true)));
    await sleep(5);
    expect(ran).toBe(false);
  });

  it('leaves in place a setImmediate someone else installed during the wait', async () => {
    const replacement = ((fn: () => void) => originalSet(fn)) as unknown as typeof setImmediate;
    try {
      await deviceWait(async () => {
        globalThis.setImmediate = replacement;
      });
      expect(globalThis.setImmediate).toBe(replacement);
      expect(globalThis.clearImmediate).toBe(originalClear);
    } finally {
      globalThis.setImmediate = originalSet;
    }
  });
});
