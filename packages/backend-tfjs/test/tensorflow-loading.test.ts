import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CHILD_LIMIT_MS } from '../../../vitest.config.js';
import { tensorflowPackage } from './support/tensorflow.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const doubles = fileURLToPath(new URL('./doubles', import.meta.url));

/** Automatic selection, then a conv2d backward (libtensorflow's own Conv2DBackpropFilter path) and close. */
const program = `
import { createBackend } from '@bnkit/backend-tfjs';
const b = await createBackend();
const x = b.upload(Float32Array.from({ length: 2 * 1 * 4 * 4 }, (_, i) => i / 8), [2, 1, 4, 4]);
const w = b.upload([1, 0, 0, -1], [1, 1, 2, 2]);
const g = await b.conv2dBackward({ x, weight: w, dy: b.upload(new Float32Array(18).fill(1), [2, 1, 3, 3]) }, { stride: [1, 1], padding: [0, 0] });
console.log(JSON.stringify({ device: b.device, dweight: Array.from(await b.read(g.dweight)), dbias: Array.from(await b.read(g.dbias)) }));
await b.close();
`;

describe('loading the tensorflow device from an installed tfjs-node package', () => {
  it.skipIf(tensorflowPackage !== undefined)(
    'automatic selection imports @tensorflow/tfjs-node when it resolves, activates its backend and reports it (a stand-in package; the real one is not installed)',
    () => {
      const child = spawnSync(process.execPath, ['--input-type=module', '-e', program], {
        cwd: packageDir,
        encoding: 'utf8',
        timeout: CHILD_LIMIT_MS,
        env: { ...process.env, NODE_PATH: doubles },
      });
      expect(child.status, child.stderr).toBe(0);
      const out = JSON.parse(child.stdout.trim().split('\n').pop() as string);
      expect(out.device.kind).toBe('tensorflow');
      expect(out.device.name).toBe('CPU');
      expect(out.device.description).toContain('@tensorflow/tfjs-node 0.0.0-test-double');
      expect(out.device.description).toContain('@tensorflow/tfjs-node-gpu is not installed');
      expect(out.device.description).toContain('CPU build of libtensorflow');
      // dW[0,0,i,j] = Σ over both samples and the 3x3 outputs of x shifted by (i, j); x = index / 8.
      const shifted = (i: number, j: number) => {
        let s = 0;
        for (let n = 0; n < 2; n++) for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) s += (n * 16 + (r + i) * 4 + (c + j)) / 8;
        return s;
      };
      expect(out.dweight).toEqual([shifted(0, 0), shifted(0, 1), shifted(1, 0), shifted(1, 1)]);
      expect(out.dbias).toEqual([18]);
    },
  );
});
