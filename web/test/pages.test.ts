import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { ConformanceReport } from '@bnkit/conformance';
import { bundleForBrowser } from '../dist/bundle.js';
import { startServer, type WebServer } from '../dist/server.js';

/*
 * The pages in a real browser: Debian's chromium (installed by .ci/install-chromium.sh), headless, with
 * WebGPU on SwiftShader. Each test waits for the page's data-state, asserts on what it shows and writes a
 * screenshot to out/web/.
 */

const CHROMIUM = '/usr/bin/chromium';
const OUT = fileURLToPath(new URL('../../out/web/', import.meta.url));
/** The seed of the CLI's conformance gates (scripts/conformance-gates.mjs), so the runs compare. */
const SEED = 20261126;
/** A stranger's backend for the page to load by URL: backend-ts with batchNormTrain's two variance estimators swapped. */
const BROKEN_BACKEND = fileURLToPath(new URL('../../conformance/test/broken/estimator-swapped.js', import.meta.url));

/** Serves `files` (name → ES module text) from a second origin, with the CORS headers a COEP page requires. */
async function serveModules(files: Record<string, string>): Promise<{ origin: string; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const body = files[(req.url ?? '/').slice(1)];
    res.writeHead(body === undefined ? 404 : 200, {
      'Content-Type': 'text/javascript; charset=utf-8',
      'Access-Control-Allow-Origin': '*',
      'Cross-Origin-Resource-Policy': 'cross-origin',
    });
    res.end(body ?? '');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return { origin: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

interface TrainingResult {
  backend: string;
  device: string;
  history: { epoch: number; loss: number; trainAcc: number; testAcc: number | null; seconds: number }[];
  examplesPerSecond: number;
}

describe.skipIf(!existsSync(CHROMIUM))(`the pages in headless Chromium (needs ${CHROMIUM}, which .ci/install-chromium.sh installs)`, () => {
  let server: WebServer;
  let browser: Browser;
  beforeAll(async () => {
    mkdirSync(OUT, { recursive: true });
    server = await startServer({ log: () => undefined });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless=new', '--no-sandbox', '--enable-unsafe-webgpu'] });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  /** Opens `path`, waits until the page is done (an error state fails), screenshots it; returns the page and seconds. */
  async function runPage(path: string, shot: string): Promise<{ page: Page; seconds: number }> {
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const started = performance.now();
    await page.goto(`${server.url}${path}`);
    await page.waitForFunction(() => ['done', 'error'].includes(document.body.dataset.state ?? ''), null, { timeout: 12 * 60_000, polling: 500 });
    const seconds = (performance.now() - started) / 1000;
    await page.screenshot({ path: `${OUT}${shot}`, fullPage: true });
    expect(errors).toEqual([]);
    expect(await page.getAttribute('body', 'data-state'), (await page.textContent('#status')) ?? '').toBe('done');
    return { page, seconds };
  }

  const report = (page: Page): Promise<ConformanceReport> => page.evaluate(() => (window as unknown as { bnkitReport: ConformanceReport }).bnkitReport);

  it('the conformance page reports CONFORMANT for ts, on worker threads sharing memory', async () => {
    const { page, seconds } = await runPage(`conformance.html?backend=ts&seed=${SEED}&numRuns=200&run=1`, 'conformance-ts.png');
    const r = await report(page);
    console.log(`conformance page, ts, bn profile, 200 runs: ${seconds.toFixed(1)} s in the page (suite ${(r.durationMs / 1000).toFixed(1)} s)`);
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    expect(r.backend.device.kind).toBe('cpu');
    expect(r.backend.device.name).toMatch(/^[2-4] threads$/);
    // As in the CLI: check 9 compares with the ts reference, so it skips for ts itself; check 10 is off in bn.
    const skipped = ['backend-agreement', 'lenet-end-to-end'];
    expect(r.checks.map((c) => `${c.id} ${c.status}`)).toEqual(r.checks.map((c) => `${c.id} ${skipped.includes(c.id) ? 'skip' : 'pass'}`));
    expect(r.counts.fixtures.passed).toBe(r.counts.fixtures.total);
    expect(r.counts.fixtures.total).toBeGreaterThan(0);
    expect(await page.textContent('#report')).toMatch(/\nCONFORMANT$/);
    expect(await page.getAttribute('body', 'data-verdict')).toBe('CONFORMANT');
    expect(await page.getAttribute('#download', 'download')).toBe('conformance-ts-bn.json');
  });

  it('without cross-origin isolation backend-ts runs on the page thread alone, with the same verdicts', async () => {
    // The golden cases run the threaded kernels (conv2d, pooling, linear) as well as BatchNorm.
    const { page } = await runPage(`conformance.html?isolated=0&backend=ts&seed=${SEED}&numRuns=20&filter=golden-fixtures&run=1`, 'conformance-ts-one-thread.png');
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(false);
    const r = await report(page);
    expect(r.backend.device.name).toBe('1 thread');
    expect(r.checks.map((c) => [c.id, c.status])).toEqual([['golden-fixtures', 'pass']]);
    expect(r.counts.fixtures.passed).toBe(r.counts.fixtures.total);
  });

  it("the conformance page runs gpu on the page's WebGPU (SwiftShader) to CONFORMANT", async () => {
    const { page, seconds } = await runPage(`conformance.html?backend=gpu&device=webgpu&seed=${SEED}&numRuns=25&run=1`, 'conformance-gpu.png');
    const r = await report(page);
    console.log(`conformance page, gpu on WebGPU (SwiftShader), bn profile, 25 runs: ${seconds.toFixed(1)} s in the page (suite ${(r.durationMs / 1000).toFixed(1)} s)`);
    expect(r.backend.device.kind).toBe('webgpu');
    expect(r.backend.device.description).toMatch(/swiftshader/);
    expect(r.counts.fixtures.passed).toBe(r.counts.fixtures.total);
    // Check 11 included: SwiftShader's max/exp drop NaN, which softmaxCrossEntropy carries explicitly.
    expect(r.checks.map((c) => `${c.id} ${c.status}`)).toEqual(r.checks.map((c) => `${c.id} ${c.id === 'lenet-end-to-end' ? 'skip' : 'pass'}`));
    expect(await page.getAttribute('body', 'data-verdict')).toBe('CONFORMANT');
  });

  it('the conformance page judges a backend module given by URL from another origin, and says when one exports no factory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bnkit-url-backend-'));
    const modules = await (async () => {
      // One thread: a page may not start Web Workers from another origin's script.
      writeFileSync(join(dir, 'entry.js'), `import broken from ${JSON.stringify(BROKEN_BACKEND)};\nexport default (options) => broken({ ...options, threads: 1 });\n`);
      const bundle = await bundleForBrowser({ backend: join(dir, 'entry.js') }, dir);
      expect(bundle.external).toEqual([]);
      return serveModules({ 'backend.js': readFileSync(join(dir, 'backend.js'), 'utf8'), 'none.js': 'export const notABackend = 1;\n' });
    })().finally(() => rmSync(dir, { recursive: true, force: true }));
    try {
      const url = `${modules.origin}/backend.js`;
      const { page } = await runPage(`conformance.html?backend=${encodeURIComponent(url)}&seed=${SEED}&numRuns=20&filter=golden-fixtures&run=1`, 'conformance-url-backend.png');
      const r = await report(page);
      expect(r.backend.spec).toBe(url);
      expect(r.backend.device.description).toMatch(/backend-ts with a faulty batchNormTrain/);
      const failed = r.checks.flatMap((c) => c.cases ?? []).filter((c) => c.status === 'fail').map((c) => c.id);
      expect(failed).toContain('batchNorm/train-nc-2x84-biased');
      expect(await page.getAttribute('body', 'data-verdict')).toBe('NOT CONFORMANT');
      expect(await page.textContent('#report')).toMatch(/\nNOT CONFORMANT$/);

      const none = await browser.newPage();
      await none.goto(`${server.url}conformance.html?backend=${encodeURIComponent(`${modules.origin}/none.js`)}&run=1`);
      await none.waitForFunction(() => document.body.dataset.state === 'error', null, { timeout: 5 * 60_000, polling: 200 });
      expect(await none.textContent('#status')).toMatch(/none\.js exports no backend factory \(a default export or createBackend\)/);
    } finally {
      await modules.close();
    }
  });

  it('the training page trains a quick-tier LeNet-BN on ts to the quick gates, plotting every epoch', async () => {
    const { page, seconds } = await runPage('training.html?backend=ts&run=1', 'training-ts.png');
    const result = await page.evaluate(() => (window as unknown as { bnkitTraining: TrainingResult }).bnkitTraining);
    const last = result.history[result.history.length - 1];
    console.log(
      `training page, ts (${result.device}), quick tier: ${seconds.toFixed(1)} s; train acc ${last.trainAcc.toFixed(3)}, ` +
        `test acc ${last.testAcc?.toFixed(3)}, ${Math.round(result.examplesPerSecond)} examples/s`,
    );
    expect(result.history.map((r) => r.epoch)).toEqual([1, 2]);
    // The quick tier's gates (conformance check 10): train >= 0.7, final test >= 0.6.
    expect(last.trainAcc).toBeGreaterThanOrEqual(0.7);
    expect(last.testAcc).toBeGreaterThanOrEqual(0.6);
    // What the page shows: one table row and one test-accuracy marker per epoch, gamma and beta of 4 BN layers.
    expect(await page.locator('#epochs tr').count()).toBe(3);
    expect(await page.locator('#plot polyline').count()).toBe(3);
    expect(await page.locator('#batchnorm tr').count()).toBe(5);
    expect(await page.textContent('#status')).toMatch(/^done: train acc 0\.\d{3}, test acc 0\.\d{3}, \d+ examples\/s on ts/);
  });
});
