import { readFileSync } from 'node:fs';

/**
 * `bnkit-conformance <version>` when the command line is `--version` alone, else null. The version is this
 * package's, read from its package.json (one level above this file in dist/, as in the published tarball).
 */
export function versionRequest(argv: readonly string[]): string | null {
  if (argv.length !== 1 || argv[0] !== '--version') return null;
  const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return `bnkit-conformance ${version}`;
}
