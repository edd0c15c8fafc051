import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatCampaign, listAreas, runCampaign } from './run.mjs';

const planted = mkdtempSync(join(tmpdir(), 'bnkit-campaign-planted-'));
afterAll(() => rmSync(planted, { recursive: true, force: true }));

/*
 * An area whose trials do what a fault may do to a trial: refuse as required, be accepted though
 * malformed, refuse a benign input, crash, block the event loop past its bound, end its process, throw from
 * run(). The runner must count each as what it is and go on after the ones that take the process down.
 */
writeFileSync(join(planted, 'planted.mjs'), `
export const area = 'planted';
export const description = 'faults of every kind, planted';
export async function* trials() {
  yield { id: 'refused', run: async () => ({ outcome: 'refused', detail: 'typed error' }) };
  yield { id: 'accepted-malformed', run: async () => ({ outcome: 'accepted', detail: 'took it' }) };
  yield { id: 'benign-accepted', malformed: false, run: async () => ({ outcome: 'accepted', detail: 'fine' }) };
  yield { id: 'benign-refused', malformed: false, run: async () => ({ outcome: 'refused', detail: 'wrongly refused' }) };
  yield { id: 'crash', run: async () => ({ outcome: 'crash', detail: 'raw TypeError' }) };
  yield { id: 'never-settles', timeoutMs: 500, run: () => new Promise(() => {}) };
  yield { id: 'blocks-event-loop', timeoutMs: 500, run: () => { for (;;); } };
  yield { id: 'exits-process', run: () => process.exit(0) };
  yield { id: 'throws', run: () => { throw new Error('a bug in the area'); } };
  yield { id: 'after-all-that', run: async () => ({ outcome: 'refused', detail: 'still running' }) };
}
`);

describe('the fault campaign runner', () => {
  it('counts each kind of finding, and resumes after trials that block or end the area process', async () => {
    const result = await runCampaign({ areasDir: planted, graceMs: 2000 });
    const [counts] = result.areas;
    expect(counts).toMatchObject({
      area: 'planted', trials: 10, malformed: 8, refused: 2, acceptedMalformed: 1, crash: 3, hang: 2, benignAccepted: 1, benignRefused: 1,
    });
    expect(Object.fromEntries(counts.findings.map((f) => [f.id, f.kind]))).toEqual({
      'accepted-malformed': 'acceptedMalformed', 'benign-refused': 'benignRefused', crash: 'crash', 'never-settles': 'hang',
      'blocks-event-loop': 'hang', 'exits-process': 'crash', throws: 'crash',
    });
    expect(formatCampaign(result)).toMatch(/7 finding\(s\):\n {2}planted\/accepted-malformed: acceptedMalformed: took it/);
  });

  it('refuses an area that yields one trial id twice', async () => {
    const dir = mkdtempSync(join(planted, 'twice-'));
    writeFileSync(join(dir, 'twice.mjs'), `export const area = 'twice'; export const description = '';
      export async function* trials() { for (let i = 0; i < 2; i++) yield { id: 'same', run: async () => ({ outcome: 'refused', detail: '' }) }; }`);
    await expect(runCampaign({ areasDir: dir })).rejects.toThrow(/yields the trial id 'same' twice/);
  });
});

describe('the bounded fault campaign (what pnpm test runs; pnpm campaign runs the full one)', () => {
  it('every area refuses every malformed input as documented and accepts every benign control', async () => {
    const result = await runCampaign({ full: false });
    process.stdout.write(`${formatCampaign(result)}\n`);
    expect(result.areas.map((a) => a.area)).toEqual(listAreas().map((a) => a.name));
    for (const a of result.areas) {
      expect(a.malformed, `${a.area} tried no malformed input`).toBeGreaterThan(0);
      expect(a.benignAccepted, `${a.area} has no benign control`).toBeGreaterThan(0);
    }
    expect(result.total.findings).toEqual([]);
  }, 1_200_000);
});
