// Whether the version ranges the READMEs tell apps to use (`"@bnkit/nn": "^0.1.0"`) accept the versions the
// next release publishes: those the pending changesets produce (`changeset status`), or the current ones
// when none is pending.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { documentationFiles } from './markdown.mjs';
import { PUBLISHED } from './projects.mjs';

/** Whether `version` (x.y.z) satisfies the caret range `^base`, with npm's rules for 0.x versions. */
export function satisfiesCaret(version, base) {
  const v = version.split('.').map(Number);
  const b = base.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    if (v[i] !== b[i]) {
      if (v[i] < b[i]) return false;
      // The first non-zero part of the base is fixed; everything after it may grow.
      const fixed = b[0] > 0 ? 0 : b[1] > 0 ? 1 : 2;
      return i > fixed;
    }
  }
  return true;
}

/** The version each published package will have after the pending changesets are applied. */
export function nextVersions(root) {
  const versions = new Map();
  const dirs = spawnSync('pnpm', ['-r', ...PUBLISHED.flatMap((p) => ['--filter', `./${p}`]), 'exec', 'pwd'], { cwd: root, encoding: 'utf8' });
  for (const dir of dirs.stdout.trim().split('\n')) {
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    versions.set(manifest.name, manifest.version);
  }
  const scratch = mkdtempSync(join(tmpdir(), 'bnkit-changesets-'));
  try {
    const output = join(scratch, 'status.json');
    const status = spawnSync('pnpm', ['exec', 'changeset', 'status', `--output=${output}`], { cwd: root, encoding: 'utf8' });
    if (status.status !== 0) throw new Error(`changeset status failed:\n${status.stdout}${status.stderr}`);
    for (const release of JSON.parse(readFileSync(output, 'utf8')).releases) versions.set(release.name, release.newVersion);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return versions;
}

/** Every `@bnkit/<name>` caret range in the documentation that the next release's version would not satisfy. */
export function releaseMismatches(root) {
  const versions = nextVersions(root);
  const mismatches = [];
  for (const file of documentationFiles(root)) {
    const text = readFileSync(join(root, file), 'utf8');
    for (const m of text.matchAll(/(@bnkit\/[a-z0-9-]+)"?\s*[:@]\s*"?\^(\d+\.\d+\.\d+)/g)) {
      const [, name, base] = m;
      const next = versions.get(name);
      if (next === undefined) mismatches.push({ where: file, message: `${name} is not a published package` });
      else if (!satisfiesCaret(next, base)) mismatches.push({ where: file, message: `${name} ^${base} does not accept ${next}, the version the next release publishes` });
    }
  }
  return mismatches;
}
