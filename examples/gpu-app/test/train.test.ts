import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CHILD_LIMIT_MS } from '../../../vitest.config.js';

const main = join(dirname(fileURLToPath(import.meta.url)), '../dist/main.js');

describe('gpu-app', () => {
  it('trains LeNet-BN on WebGPU, the loss falls, and the process exits by itself', () => {
    const run = spawnSync(process.execPath, [main, '25', '32', 'webgpu'], { encoding: 'utf8', timeout: CHILD_LIMIT_MS });
    expect(run.signal, 'killed by the timeout: the app did not exit').toBeNull();
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/LeNet-BN on webgpu/);
    const losses = [...run.stdout.matchAll(/step +\d+ +loss (\S+)/g)].map((m) => Number(m[1]));
    expect(losses).toHaveLength(25);
    expect(losses.every(Number.isFinite)).toBe(true);
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    // Ten balanced classes start near ln 10 ≈ 2.3; the bars are easy to tell apart.
    expect(mean(losses.slice(0, 3))).toBeGreaterThan(1.8);
    expect(mean(losses.slice(-5))).toBeLessThan(0.7 * mean(losses.slice(0, 3)));
  });
});
