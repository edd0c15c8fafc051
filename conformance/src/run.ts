import { loadBackendFactory } from '@bnkit/loader';
import { fixtureDirs as builtinFixtureDirs } from '@bnkit/fixtures';
import { loadFixtureDirs } from './fixtures/load.js';
import type { ConformanceReport } from './report/types.js';
import { openSession, resolveSettings, runSession, type ConformanceOptions } from './session.js';

// The suite on Node: backends found by name, package or path (@bnkit/loader) and fixtures read from folders.
// What runs the checks is session.ts, which a page uses too.
export { PROFILES, resolveSettings, runCheck, openSession, type CheckSession, type ConformanceOptions } from './session.js';

/** The built-in fixture directories (unless turned off) and the caller's, in that order. */
export function fixtureDirsOf(options: Pick<ConformanceOptions, 'builtinFixtures' | 'fixtureDirs'>): string[] {
  return [...(options.builtinFixtures === false ? [] : builtinFixtureDirs), ...(options.fixtureDirs ?? [])];
}

/**
 * Runs the conformance checks against one backend and returns the report. Fixtures are loaded and validated
 * first, so a malformed one fails fast (MalformedFixtureError) before any kernel runs. A backend given by
 * spec is created here and always closed; a backend instance stays the caller's to close.
 */
export async function runConformance(options: ConformanceOptions): Promise<ConformanceReport> {
  const settings = resolveSettings(options);
  const fixtureDirs = fixtureDirsOf(options);
  const fixtures = loadFixtureDirs(fixtureDirs);
  const session = await openSession(
    typeof options.backend === 'string' ? { factory: await loadBackendFactory(options.backend, import.meta.url) } : { instance: options.backend },
    settings,
    fixtures,
  );
  try {
    return await runSession(session, options, { spec: typeof options.backend === 'string' ? options.backend : session.ctx.backend.name, fixtureDirs });
  } finally {
    await session.close();
  }
}
