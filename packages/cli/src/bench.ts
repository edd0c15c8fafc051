#!/usr/bin/env node
/*
 * `pnpm bench`: every bnkit figure beside an anchor measured in the same run (a hand-written JavaScript
 * BatchNorm loop, TensorFlow.js training the same LeNet-BN), as a table on stdout and JSON in a file.
 * Progress goes to stderr.
 */
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { BnkitError, DeviceUnavailableError } from '@bnkit/core';
import { USAGE, parseBenchArgs } from './bench/args.js';
import { formatPreamble, formatTable } from './bench/report.js';
import { labelOf, runBench } from './bench/run.js';
import { prepareOutputs } from './options/outputs.js';
import { UsageError } from './options/usage-error.js';
import { versionRequest } from './ui/version.js';

async function main(argv: readonly string[]): Promise<number> {
  const version = versionRequest(argv, 'bnkit-bench');
  if (version !== null) {
    process.stdout.write(`${version}\n`);
    return 0;
  }
  let options;
  try {
    options = parseBenchArgs(argv);
    // Before anything is measured, so a long run never ends by losing its results.
    if (!options.help) prepareOutputs([{ flag: 'json', path: options.jsonFile, kind: 'file' }]);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`bench: ${e.message}\n\n${USAGE}`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const report = await runBench(options, (msg) => process.stderr.write(`[bench] ${msg}\n`));
  process.stdout.write(`${formatPreamble(report)}\n\n${formatTable(report)}\n`);
  const file = resolve(options.jsonFile);
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
  process.stderr.write(`[bench] results written to ${file}\n`);
  // A backend asked for by name that did not load is an error; the default "all that load" is not, and
  // neither is a missing PyTorch anchor (the rows say it is absent).
  const requested = new Set(options.targets.map(labelOf));
  return options.explicit && report.skipped.some((s) => requested.has(s.backend)) ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`bench failed: ${e instanceof BnkitError ? `${e.name}: ${e.message}` : e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    // A device forced with --backends gpu:DEVICE that this machine lacks is a usage problem, like a bad option.
    process.exitCode = e instanceof DeviceUnavailableError ? 2 : 1;
  },
);
