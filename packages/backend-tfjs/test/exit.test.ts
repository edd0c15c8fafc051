import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CHILD_LIMIT_MS } from '../../../vitest.config.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

/** A whole program: open a device, run a kernel, close. Node must then exit by itself. */
const program = `
import { createBackend } from '@bnkit/backend-tfjs';
const b = await createBackend({ device: process.argv[1] });
const y = await b.sigmoid({ x: b.upload([0], [1]) });
console.log(b.device.kind, (await b.read(y))[0]);
await b.close();
`;

describe('process exit after close()', () => {
  it.each(['webgpu', 'wasm', 'cpu'])('%s: node exits on its own with status 0', (device) => {
    const started = Date.now();
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', program, device], {
      cwd: packageDir,
      encoding: 'utf8',
      timeout: CHILD_LIMIT_MS,
    });
    expect(child.error, child.stderr).toBeUndefined();
    expect(child.status, child.stderr).toBe(0);
    expect(child.stdout.trim()).toBe(`${device} 0.5`);
    expect(Date.now() - started).toBeLessThan(50_000);
  });
});
