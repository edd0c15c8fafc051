import { formatDeviation } from '../tolerance.js';
import { replayFlags, type CheckResult, type ConformanceReport, type Status } from './types.js';

function xml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

interface TestCase {
  readonly name: string;
  readonly status: Status;
  readonly seconds: number;
  readonly text: string;
}

function testCase(classname: string, t: TestCase): string {
  const open = `    <testcase classname="${xml(classname)}" name="${xml(t.name)}" time="${t.seconds.toFixed(3)}"`;
  if (t.status === 'pass') return `${open}/>`;
  const body = t.status === 'skip'
    ? `<skipped message="${xml(t.text)}"/>`
    : `<failure message="${xml(t.text.split('\n')[0])}" type="${t.status === 'fail' ? 'FAIL' : 'NOT_IMPLEMENTED'}">${xml(t.text)}</failure>`;
  return `${open}>\n      ${body}\n    </testcase>`;
}

function casesOf(c: CheckResult, report: ConformanceReport): TestCase[] {
  if (c.cases && c.cases.length > 0) {
    return c.cases.map((k) => ({ name: k.id, status: k.status, seconds: k.durationMs / 1000, text: `${k.message ?? (k.worst ? formatDeviation(k.worst) : '')} (${k.file ?? ''})` }));
  }
  const replay = c.replay ? `\nreplay: ${replayFlags(c.replay, c.id)}\ncounterexample: ${c.replay.counterexample ?? ''}` : '';
  return [{ name: `${c.number} ${c.title}`, status: c.status, seconds: c.durationMs / 1000, text: `${c.message ?? ''}${replay}` || `seed ${report.seed}` }];
}

/** JUnit XML: one testsuite per check, one testcase per fixture (check 8) or per property. */
export function toJUnit(report: ConformanceReport): string {
  const suites = report.checks.map((c) => {
    const cases = casesOf(c, report);
    const count = (s: Status[]) => cases.filter((t) => s.includes(t.status)).length;
    return [
      `  <testsuite name="${xml(`${c.number} ${c.id}`)}" tests="${cases.length}" failures="${count(['fail', 'not-implemented'])}" errors="0" ` +
        `skipped="${count(['skip'])}" time="${(c.durationMs / 1000).toFixed(3)}">`,
      ...cases.map((t) => testCase(`bnkit.conformance.${report.backend.name}.${c.id}`, t)),
      '  </testsuite>',
    ].join('\n');
  });
  const all = report.checks.flatMap((c) => casesOf(c, report));
  const failures = all.filter((t) => t.status === 'fail' || t.status === 'not-implemented').length;
  const skipped = all.filter((t) => t.status === 'skip').length;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="bnkit-conformance ${xml(report.backend.spec)} (${xml(report.backend.device.kind)}: ${xml(report.backend.device.name)})" ` +
      `tests="${all.length}" failures="${failures}" errors="0" skipped="${skipped}" time="${(report.durationMs / 1000).toFixed(3)}">`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}
