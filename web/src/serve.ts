#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { startServer } from './server.js';

// `pnpm conformance:web`: serves the conformance and training pages until Ctrl-C.
const USAGE = 'usage: pnpm conformance:web [--port N (default 8700)] [--host ADDRESS (default 127.0.0.1)]';

function fail(message: string): never {
  process.stderr.write(`bnkit web: ${message}\n${USAGE}\n`);
  process.exit(2);
}

let values: { port?: string; host?: string; help?: boolean };
try {
  ({ values } = parseArgs({ options: { port: { type: 'string' }, host: { type: 'string' }, help: { type: 'boolean' } }, strict: true }));
} catch (e) {
  fail((e as Error).message);
}
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const port = values.port === undefined ? 8700 : Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port must be an integer in [0, 65535], got '${values.port}'`);

try {
  const server = await startServer({ port, host: values.host });
  const sizes = Object.entries(server.bundleSizes).map(([f, b]) => `${f} ${(b / 1024).toFixed(0)} KiB`).join(', ');
  process.stdout.write(
    `bnkit pages at ${server.url} (bundles: ${sizes})\n` +
      `  conformance: ${server.url}conformance.html?backend=ts   (backend=ts|gpu|<module URL>, profile=bn|training, seed, numRuns, device, run=1)\n` +
      `  training:    ${server.url}training.html?backend=ts      (backend=ts|gpu, epochs, perClass, lr, batchSize, seed, run=1)\n` +
      'Ctrl-C stops it.\n',
  );
  process.on('SIGINT', () => void server.close().then(() => process.exit(0)));
} catch (e) {
  const err = e as NodeJS.ErrnoException;
  if (err.code === 'EADDRINUSE') fail(`port ${port} is in use; pick another with --port`);
  process.stderr.write(`bnkit web: could not start: ${err.message}\n`);
  process.exit(1);
}
