import { describe, expect, it } from 'vitest';
import * as backendTsPackage from '@bnkit/backend-ts';
import * as dataPackage from '@bnkit/data';
import * as nnPackage from '@bnkit/nn';
import { runConformance, type CheckDefinition } from '../dist/index.js';
import { importOptional, OptionalPeerMissingError, type BackendTsModule, type DataModule, type NnModule } from '../dist/optional.js';

describe('optional peers', () => {
  it('types what the suite uses of each the way the package exports it', () => {
    // Each assignment compiles only while the package still matches what the suite calls.
    const ts: BackendTsModule = backendTsPackage;
    const nn: NnModule = nnPackage;
    const data: DataModule = dataPackage;
    for (const f of [ts.createBackend, ts.isTsBackend, nn.lenetBN, nn.trainStep, nn.fit, data.loadFashionMnist, data.takePerClass]) {
      expect(f).toBeTypeOf('function');
    }
  });

  it('an absent one is a typed error naming it and what needed it', async () => {
    const missing = importOptional('@bnkit/not-installed', 'check 99');
    await expect(missing).rejects.toBeInstanceOf(OptionalPeerMissingError);
    await expect(missing).rejects.toMatchObject({
      code: 'OPTIONAL_PEER_MISSING',
      packageName: '@bnkit/not-installed',
      message: 'check 99 needs @bnkit/not-installed, which is not installed (npm install --save-dev @bnkit/not-installed)',
    });
  });

  it('a check that needs an absent one is SKIPPED with the reason, not passed', async () => {
    const needsAbsent: CheckDefinition = {
      id: 'needs-absent',
      number: 99,
      title: 'needs an absent peer',
      async run() {
        await importOptional('@bnkit/not-installed', 'check 99');
        return { status: 'pass' };
      },
    };
    const backend = await backendTsPackage.createBackend();
    try {
      const report = await runConformance({ backend, seed: 1, numRuns: 1, checks: [needsAbsent] });
      expect(report.checks).toMatchObject([{ id: 'needs-absent', status: 'skip', message: expect.stringContaining('needs @bnkit/not-installed') }]);
    } finally {
      await backend.close();
    }
  });
});
