import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadFixtureDirs } from '@bnkit/conformance';
import { fixtureDirs } from '@bnkit/fixtures';
import { IDX_FILES, loadFashionMnistBytes, rawImagesToIdx } from '@bnkit/data/node';
import { bundlePages } from './bundle.js';

/*
 * A small static server for the pages: their HTML, their bundles (built when the server starts), the
 * built-in fixtures (validated here by the CLI's loader, served as one JSON) and Fashion-MNIST as the four
 * IDX files, made from the same data @bnkit/data loads under Node (its embedded set and cache). Every
 * response is cross-origin isolated (COOP/COEP), so pages get SharedArrayBuffer and backend-ts its workers;
 * `?isolated=0` on a page leaves the headers off, for the single-thread path.
 */

const PAGES_DIR = fileURLToPath(new URL('../pages/', import.meta.url));
const HTML_PAGES = new Set(['index.html', 'conformance.html', 'training.html']);
const IDX_NAMES = new Set<string>(Object.values(IDX_FILES));

export interface WebServer {
  /** e.g. http://127.0.0.1:8700/ */
  readonly url: string;
  /** Bytes of each bundle the pages load. */
  readonly bundleSizes: Readonly<Record<string, number>>;
  close(): Promise<void>;
}

export interface ServeOptions {
  readonly port?: number;
  readonly host?: string;
  /** Where notices go (the data set being prepared); default stderr. */
  readonly log?: (line: string) => void;
}

const ISOLATION = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

function send(res: ServerResponse, status: number, type: string, body: string | Uint8Array, isolated = true): void {
  res.writeHead(status, {
    'Content-Type': type,
    'Cache-Control': 'no-store',
    'Cross-Origin-Resource-Policy': 'same-origin',
    ...(isolated ? ISOLATION : {}),
  });
  res.end(body);
}

/** Starts the server; resolves once the bundles are built and it listens. */
export async function startServer(options: ServeOptions = {}): Promise<WebServer> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const bundleDir = mkdtempSync(join(tmpdir(), 'bnkit-web-'));
  const bundleSizes = (await bundlePages(bundleDir)).sizes;
  let fixturesJson: Promise<string> | undefined;
  let idxFiles: Promise<Map<string, Uint8Array>> | undefined;
  const fixtures = (): Promise<string> => (fixturesJson ??= Promise.resolve().then(() => JSON.stringify(loadFixtureDirs(fixtureDirs))));
  const fashionMnist = (): Promise<Map<string, Uint8Array>> =>
    (idxFiles ??= (async () => {
      log('bnkit web: preparing Fashion-MNIST for the pages (the first time converts the embedded data set, seconds)');
      const { train, test } = await loadFashionMnistBytes({ log });
      const t = rawImagesToIdx(train);
      const e = rawImagesToIdx(test);
      return new Map([
        [IDX_FILES.trainImages, t.images], [IDX_FILES.trainLabels, t.labels],
        [IDX_FILES.testImages, e.images], [IDX_FILES.testLabels, e.labels],
      ]);
    })());

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname === '/' ? '/index.html' : url.pathname;
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'only GET\n');
    const name = path.slice(1);
    if (HTML_PAGES.has(name)) {
      return send(res, 200, 'text/html; charset=utf-8', await readFile(join(PAGES_DIR, name)), url.searchParams.get('isolated') !== '0');
    }
    if (path.startsWith('/app/') && /^[\w-]+\.js$/.test(path.slice(5)) && path.slice(5) in bundleSizes) {
      return send(res, 200, 'text/javascript; charset=utf-8', await readFile(join(bundleDir, path.slice(5))));
    }
    // Browsers ask for it unprompted; there is none.
    if (path === '/favicon.ico') return send(res, 204, 'image/x-icon', '');
    if (path === '/fixtures.json') return send(res, 200, 'application/json', await fixtures());
    if (path.startsWith('/fashion-mnist/') && IDX_NAMES.has(path.slice('/fashion-mnist/'.length))) {
      const bytes = (await fashionMnist()).get(path.slice('/fashion-mnist/'.length)) as Uint8Array;
      return send(res, 200, 'application/octet-stream', bytes);
    }
    send(res, 404, 'text/plain', `not found: ${path}\n`);
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      log(`bnkit web: ${req.url}: ${e instanceof Error ? e.message : String(e)}`);
      if (!res.headersSent) send(res, 500, 'text/plain', `${e instanceof Error ? e.message : String(e)}\n`);
      else res.end();
    });
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve);
    });
  } catch (e) {
    rmSync(bundleDir, { recursive: true, force: true });
    throw e;
  }
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}/`,
    bundleSizes,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          rmSync(bundleDir, { recursive: true, force: true });
          resolve();
        });
      }),
  };
}
