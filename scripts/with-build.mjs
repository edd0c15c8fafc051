#!/usr/bin/env node
// Runs a bnkit CLI after making sure the workspace is built: `node scripts/with-build.mjs <cli.js> [args...]`.
// The build is quiet when it succeeds (turbo's cache makes it a second or two) and shows its log when it fails,
// so `pnpm conformance`, `pnpm train` and `pnpm bench` always run current code.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const [cli, ...args] = process.argv.slice(2);
if (!cli) {
  process.stderr.write('usage: node scripts/with-build.mjs <cli.js> [args...]\n');
  process.exit(2);
}
const turbo = fileURLToPath(new URL('../node_modules/turbo/bin/turbo', import.meta.url));
const build = spawnSync(process.execPath, [turbo, 'run', 'build', '--output-logs=errors-only'], { cwd: root, encoding: 'utf8' });
if (build.status !== 0) {
  process.stderr.write(`${build.stdout ?? ''}${build.stderr ?? ''}\nbuild failed (exit ${build.status ?? build.signal}); fix it, or run \`pnpm build\` to see it again\n`);
  process.exit(build.status ?? 1);
}
// Ctrl-C reaches the CLI directly (same process group); this wrapper waits for it to save and exit.
process.on('SIGINT', () => undefined);
const run = spawnSync(process.execPath, [fileURLToPath(new URL(`../${cli}`, import.meta.url)), ...args], { stdio: 'inherit' });
process.exit(run.status ?? (run.signal === 'SIGINT' ? 130 : 1));
