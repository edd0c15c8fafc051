#!/usr/bin/env node
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { EXIT, USAGE, parseCli, prepareReportFiles } from './cli-options.js';
import { errorCode } from './kernel-errors.js';
import { versionRequest } from './version.js';

/** Error codes that mean the run could not start because of what the command line asked for (exit 2). */
const USAGE_CODES = new Set(['USAGE', 'UNKNOWN_BACKEND', 'MALFORMED_FIXTURE', 'DEVICE_UNAVAILABLE']);

async function main(argv: readonly string[]): Promise<number> {
  const version = versionRequest(argv);
  if (version !== null) {
    process.stdout.write(`${version}\n`);
    return EXIT.ok;
  }
  let parsed;
  try {
    parsed = parseCli(argv);
    if (!parsed.help) prepareReportFiles(parsed.options);
  } catch (e) {
    process.stderr.write(`bnkit-conformance: ${e instanceof Error ? e.message : String(e)}\n\n${USAGE}\n`);
    return EXIT.usage;
  }
  if (parsed.help) {
    process.stdout.write(`${USAGE}\n`);
    return EXIT.ok;
  }
  const { json, junit, ...options } = parsed.options;
  try {
    // Loaded only now, so --help and option errors never depend on the checks' dependencies.
    const { runConformanceSupervised } = await import('./supervise/run-supervised.js');
    const { formatReport } = await import('./report/table.js');
    const { toJUnit } = await import('./report/junit.js');
    // The backend runs in a child process: nothing it does reaches this one, so the report below is
    // always written and the exit code is the verdict's.
    const report = await runConformanceSupervised({
      ...options,
      onCheck: (r) => process.stderr.write(`  ${r.status.padEnd(15)} ${r.number} ${r.id} (${(r.durationMs / 1000).toFixed(1)} s)\n`),
    });
    if (json) writeFileSync(resolve(json), `${JSON.stringify(report, null, 2)}\n`);
    if (junit) writeFileSync(resolve(junit), toJUnit(report));
    process.stdout.write(`${formatReport(report)}\n`);
    return report.ok ? EXIT.ok : EXIT.notConformant;
  } catch (e) {
    if (USAGE_CODES.has(errorCode(e) ?? '')) {
      process.stderr.write(`bnkit-conformance: ${(e as Error).message}\n`);
      return EXIT.usage;
    }
    process.stderr.write(`bnkit-conformance: unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return EXIT.crash;
  }
}

process.exitCode = await main(process.argv.slice(2));
