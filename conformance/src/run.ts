import { loadBackendFactory } from '@bnkit/loader';
import { fixtureDirs as builtinFixtureDirs } from '@bnkit/fixtures';
import { CHECKS } from './checks/index.js';
import { loadFixtureDirs } from './fixtures/load.js';
import { messageOf } from './kernel-errors.js';
import type { CheckResult, ConformanceReport } from './report/types.js';
import { buildReport, lifecycleFailure, openSession, resolveSettings, runCheck, selectChecks, type ConformanceOptions } from './session.js';

// The suite on Node: backends found by name, package or path (@bnkit/loader) and fixtures read from folders.
// What runs the checks is session.ts, which a page uses too.
export {
  PROFILES, LIFECYCLE_CHECK, buildReport, lifecycleFailure, openSession, resolveSettings, runCheck, runSession, selectChecks,
  type CheckSession, type ConformanceOptions, type ReportHeader,
} from './session.js';

/** The built-in fixture directories (unless turned off) and the caller's, in that order. */
export function fixtureDirsOf(options: Pick<ConformanceOptions, 'builtinFixtures' | 'fixtureDirs'>): string[] {
  return [...(options.builtinFixtures === false ? [] : builtinFixtureDirs), ...(options.fixtureDirs ?? [])];
}

/**
 * Runs the conformance checks against one backend and returns the report. Fixtures are loaded and validated
 * first, so a malformed one fails fast (MalformedFixtureError) before any kernel runs. A backend given by
 * spec is created here and always closed (a close() that throws is a FAIL row, `backend-lifecycle`); a
 * backend instance stays the caller's to close. This runs the backend in this process, unsupervised: the
 * CLI runs it in a child process instead (src/supervise/), where a hang, a crash or an exit of the backend
 * becomes a FAIL.
 */
export async function runConformance(options: ConformanceOptions): Promise<ConformanceReport> {
  const settings = resolveSettings(options);
  const startedAt = new Date();
  const started = performance.now();
  const fixtureDirs = fixtureDirsOf(options);
  const fixtures = loadFixtureDirs(fixtureDirs);
  const selected = selectChecks(options.checks ?? CHECKS, settings, fixtures);
  const session = await openSession(
    typeof options.backend === 'string' ? { factory: await loadBackendFactory(options.backend, import.meta.url) } : { instance: options.backend },
    settings,
    fixtures,
  );
  const { backend } = session.ctx;
  const results: CheckResult[] = [];
  try {
    for (const check of selected) {
      const result = await runCheck(check, session.ctx);
      results.push(result);
      options.onCheck?.(result);
    }
  } finally {
    const closing = performance.now();
    try {
      await session.close();
    } catch (e) {
      results.push(lifecycleFailure(`close() threw ${messageOf(e)}`, performance.now() - closing));
    }
  }
  return buildReport(
    {
      spec: typeof options.backend === 'string' ? options.backend : backend.name,
      name: backend.name,
      device: backend.device,
      settings,
      fixtureDirs,
      startedAt,
      durationMs: performance.now() - started,
    },
    results,
  );
}
