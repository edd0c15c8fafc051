import * as backendTs from '@bnkit/backend-ts';
import * as data from '@bnkit/data';
import * as nn from '@bnkit/nn';
import {
  CHECKS, formatReport, openSession, provideOptionalPeers, resolveSettings, runSession, type CheckResult, type ConformanceReport,
  type LoadedFixture, type Profile,
} from '@bnkit/conformance/browser';
import { backendFactory } from './backends.js';
import { byId, param, setState, showError } from './dom.js';

/*
 * The conformance page: the CLI's suite (same checks, built-in fixtures, table and JSON report) on a backend
 * in this page. The fixtures come from the server as JSON, validated there by the CLI's loader. Query:
 * backend=ts|gpu|<module URL>, device, profile=bn|training, lenet, seed, numRuns, filter; run=1 starts at once.
 */

// The suite imports these by name when a check needs them; a bundle has no package resolution at run time.
provideOptionalPeers({ '@bnkit/backend-ts': backendTs, '@bnkit/nn': nn, '@bnkit/data': data });

const STATUS_LABEL: Record<CheckResult['status'], string> = { pass: 'PASS', fail: 'FAIL', skip: 'SKIP', 'not-implemented': 'NOT IMPLEMENTED' };

declare global {
  interface Window {
    /** The last report, for whoever drives the page (the browser test). */
    bnkitReport?: ConformanceReport;
  }
}

function fillForm(): void {
  for (const [id, fallback] of [['backend', 'ts'], ['device', ''], ['profile', 'bn'], ['seed', ''], ['numRuns', '100'], ['filter', '']] as const) {
    (byId<HTMLInputElement>(id)).value = param(id, fallback);
  }
}

function progressRow(result: CheckResult): HTMLLIElement {
  const li = document.createElement('li');
  li.className = result.status;
  li.textContent = `${result.number} ${result.id}: ${STATUS_LABEL[result.status]} (${(result.durationMs / 1000).toFixed(1)} s)${result.message ? ` — ${result.message}` : ''}`;
  return li;
}

async function run(): Promise<void> {
  const value = (id: string): string => byId<HTMLInputElement>(id).value.trim();
  const spec = value('backend');
  const settings = resolveSettings({
    backend: spec,
    profile: value('profile') as Profile,
    numRuns: Number(value('numRuns')),
    ...(value('seed') ? { seed: Number(value('seed')) } : {}),
    ...(value('device') ? { device: value('device') } : {}),
    ...(value('filter') ? { filter: value('filter') } : {}),
    ...(param('lenet', '') ? { lenet: param('lenet', '') as 'off' | 'quick' | 'full' } : {}),
  });
  const list = byId('progress');
  list.replaceChildren();
  byId('report').textContent = '';
  byId('download').hidden = true;
  setState('running', 'loading fixtures…');
  const response = await fetch('fixtures.json');
  if (!response.ok) throw new Error(`fixtures.json: the server answered ${response.status}`);
  const fixtures = (await response.json()) as LoadedFixture[];
  setState('running', `opening backend ${spec}…`);
  const session = await openSession({ factory: await backendFactory(spec) }, settings, fixtures);
  const total = CHECKS.length;
  let done = 0;
  try {
    setState('running', `running ${total} checks on ${session.ctx.backend.name} (${session.ctx.backend.device.name}), seed ${settings.seed}…`);
    const report = await runSession(
      session,
      {
        onCheck: (result) => {
          done++;
          list.append(progressRow(result));
          setState('running', `${done} / ${total} checks done (last: ${result.id}, ${STATUS_LABEL[result.status]})`);
        },
      },
      { spec, fixtureDirs: [new URL('fixtures.json', location.href).href] },
    );
    window.bnkitReport = report;
    byId('report').textContent = formatReport(report);
    const link = byId<HTMLAnchorElement>('download');
    link.href = URL.createObjectURL(new Blob([JSON.stringify(report, null, 2)], { type: 'application/json' }));
    link.download = `conformance-${report.backend.name}-${report.profile}.json`;
    link.hidden = false;
    document.body.dataset.verdict = report.ok ? 'CONFORMANT' : 'NOT CONFORMANT';
    setState('done', `${report.ok ? 'CONFORMANT' : 'NOT CONFORMANT'} · ${(report.durationMs / 1000).toFixed(1)} s`);
  } finally {
    await session.close();
  }
}

fillForm();
byId('run').addEventListener('click', () => void run().catch(showError));
setState('idle', 'ready');
if (param('run', '0') === '1') void run().catch(showError);
