import { describe, expect, it } from 'vitest';
import { BufferPool } from '../src/execution/buffer-pool.js';
import { zeroCounters } from '../src/execution/counters.js';

/** Stands in for GPUDevice.createBuffer: the pool only creates, sizes and destroys buffers. */
function fakeDevice() {
  const made: { size: number; destroyed: boolean }[] = [];
  const device = {
    createBuffer: ({ size }: { size: number }) => {
      const b = { size, destroyed: false, destroy() { this.destroyed = true; } };
      made.push(b);
      return b;
    },
  };
  return { device: device as unknown as GPUDevice, made };
}

describe('BufferPool', () => {
  it('hands out a preferred buffer when it is free, else the last one returned', () => {
    const { device } = fakeDevice();
    const pool = new BufferPool(device, 0, zeroCounters());
    const [a, b, c] = [pool.acquire(8), pool.acquire(8), pool.acquire(8)];
    pool.give(a);
    pool.give(b);
    pool.give(c);
    expect(pool.acquire(8, [b])).toBe(b);
    expect(pool.acquire(8, [b])).toBe(c); // b is lent out: the last returned
    expect(pool.acquire(8)).toBe(a);
  });

  it('serves a size from returned buffers before creating one, and counts what it creates', () => {
    const { device, made } = fakeDevice();
    const counters = zeroCounters();
    const pool = new BufferPool(device, 0, counters);
    const a = pool.acquire(16);
    const b = pool.acquire(32);
    pool.give(a);
    expect(pool.acquire(32)).not.toBe(b); // a 32-byte request cannot take the 16-byte buffer
    expect(pool.acquire(16)).toBe(a);
    expect(counters).toMatchObject({ buffersCreated: 3, bytesAllocated: 16 + 32 + 32 });
    expect(new Set([pool.idOf(a), pool.idOf(b)]).size).toBe(2);
    pool.destroy();
    expect(made.every((m) => m.destroyed)).toBe(true);
  });
});
