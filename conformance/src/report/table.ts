import { formatDeviation } from '../tolerance.js';
import { replayFlags, type CaseResult, type CheckResult, type ConformanceReport, type Status } from './types.js';

const LABEL: Record<Status, string> = { pass: 'PASS', fail: 'FAIL', skip: 'SKIP', 'not-implemented': 'NOT IMPLEMENTED' };

function worstText(r: Pick<CheckResult, 'worst'>): string {
  if (!r.worst) return '';
  const share = Number.isFinite(r.worst.ratio) ? `${(r.worst.ratio * 100).toFixed(r.worst.ratio < 0.01 ? 2 : 0)}% of tol` : 'not finite';
  return `${formatDeviation(r.worst)} (${share})`;
}

function replayText(r: CheckResult, report: ConformanceReport): string {
  if (r.replay) return replayFlags(r.replay, r.id);
  return r.propertyRuns > 0 ? `--seed ${report.seed}` : '';
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

function rows(report: ConformanceReport): string[][] {
  const out: string[][] = [];
  for (const c of report.checks) {
    out.push([String(c.number), c.id, LABEL[c.status], c.propertyRuns ? String(c.propertyRuns) : '', worstText(c), replayText(c, report)]);
    for (const k of c.cases ?? []) out.push(['', `  ${k.id}`, LABEL[k.status], '', k.status === 'pass' ? worstText(k) : (k.message ?? worstText(k)), '']);
  }
  return out;
}

/** The header naming backend and device, the table, the failure details and the counts. */
export function formatReport(report: ConformanceReport): string {
  const d = report.backend.device;
  const header = [
    `bnkit conformance · backend ${report.backend.spec} (${report.backend.name}) on ${d.kind}: ${d.name}${d.description ? ` — ${d.description}` : ''}`,
    `profile ${report.profile} · seed ${report.seed} · ${report.numRuns} runs per property · lenet ${report.lenet}` +
      `${report.filter ? ` · filter '${report.filter}'` : ''}`,
    '',
  ];
  const table = [['#', 'check', 'status', 'runs', 'worst error vs tolerance', 'replay'], ...rows(report)];
  const widths = table[0].map((_, i) => Math.max(...table.map((r) => r[i].length)));
  const lines = table.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : pad(cell, widths[i]))).join('  ').trimEnd());
  lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));

  const details: string[] = [];
  for (const c of report.checks) {
    if (!c.message && !c.replay) continue;
    details.push(`${c.number} ${c.id}: ${LABEL[c.status]}${c.message ? ` — ${c.message}` : ''}`);
    if (c.replay?.counterexample) details.push(`    counterexample: ${c.replay.counterexample}`);
    if (c.replay) details.push(`    replay: bnkit-conformance --backend=${report.backend.spec} --profile ${report.profile} ${replayFlags(c.replay, c.id)}`);
    for (const k of (c.cases ?? []).filter((k: CaseResult) => k.status === 'fail')) details.push(`    ${k.id} (${k.file}): ${k.message}`);
  }

  const { checks, fixtures, propertyRuns } = report.counts;
  const part = (t: typeof checks) =>
    [`${t.passed} passed`, t.failed && `${t.failed} failed`, t.notImplemented && `${t.notImplemented} not implemented`, t.skipped && `${t.skipped} skipped`]
      .filter(Boolean)
      .join(', ');
  const summary = [
    `checks: ${checks.total} (${part(checks)}) · fixtures: ${fixtures.total} (${part(fixtures)}) · property runs: ${propertyRuns} · ` +
      `${(report.durationMs / 1000).toFixed(1)} s`,
    ...(report.partial
      ? [`WARNING: partial verdict — a time budget stopped ${report.checks.filter((c) => c.partial).map((c) => c.id).join(', ')} early; ` +
          `rerun with --num-runs ${report.numRuns} for a full, reproducible verdict`]
      : []),
    ...(checks.passed === 0 && checks.failed === 0 && checks.notImplemented === 0 ? ['no check passed: this run checked nothing, so it gives no verdict of conformance'] : []),
    report.ok ? 'CONFORMANT' : 'NOT CONFORMANT',
  ];
  return [...header, ...lines, '', ...(details.length ? [...details, ''] : []), ...summary].join('\n');
}
