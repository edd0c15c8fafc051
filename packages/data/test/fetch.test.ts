import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
// The entry a bundler picks for a page (no "node" condition).
import { IDX_FILES, MalformedDataFileError, MissingDataFileError, fetchFashionMnist, loadFashionMnist, rawImagesToIdx } from '../dist/index.js';

/** Two tiny sets as raw bytes: pixel p of image n is (7n + p) mod 256, labels n mod 10. */
function raw(count: number, shift: number): { pixels: Uint8Array; labels: Uint8Array; count: number } {
  const pixels = Uint8Array.from({ length: count * 784 }, (_, i) => (7 * Math.floor(i / 784) + (i % 784) + shift) % 256);
  return { pixels, labels: Uint8Array.from({ length: count }, (_, n) => (n + shift) % 10), count };
}

/** A fetch that serves `files` by URL path, 404 for anything else, and records what was asked. */
function server(files: Record<string, Uint8Array>, asked: string[] = []): typeof fetch {
  return (async (input: string | URL | Request) => {
    const url = new URL(String(input));
    asked.push(url.href);
    const body = files[url.pathname];
    return body ? new Response(body) : new Response('no', { status: 404, statusText: 'Not Found' });
  }) as typeof fetch;
}

describe("@bnkit/data's browser entry: Fashion-MNIST from fetched IDX files", () => {
  const train = raw(20, 0);
  const test = raw(10, 3);
  const t = rawImagesToIdx(train);
  const e = rawImagesToIdx(test);
  const files = {
    [`/data/${IDX_FILES.trainImages}`]: t.images, [`/data/${IDX_FILES.trainLabels}`]: t.labels,
    [`/data/${IDX_FILES.testImages}`]: gzipSync(e.images), [`/data/${IDX_FILES.testLabels}`]: e.labels,
  };

  it('reads back exactly the bytes written (one file gzipped), scaled to [0, 1]', async () => {
    const asked: string[] = [];
    const data = await fetchFashionMnist('http://example.test/data', { fetch: server(files, asked) });
    expect(asked.sort()).toEqual(Object.keys(files).map((p) => `http://example.test${p}`).sort());
    expect(data.train.count).toBe(20);
    expect(data.test.count).toBe(10);
    expect([...data.train.labels]).toEqual([...train.labels]);
    expect([...data.test.labels]).toEqual([...test.labels]);
    expect(Array.from(data.test.images, (v) => Math.round(v * 255))).toEqual([...test.pixels]);
  });

  it("loadFashionMnist looks in fashion-mnist/ relative to baseUrl's page", async () => {
    const moved = Object.fromEntries(Object.entries(files).map(([p, b]) => [p.replace('/data/', '/app/fashion-mnist/'), b]));
    const data = await loadFashionMnist({ baseUrl: 'http://example.test/app/fashion-mnist/', fetch: server(moved) });
    expect(data.train.count).toBe(20);
  });

  it('names a file the server does not have, and one that is not IDX', async () => {
    const missing = { ...files };
    delete missing[`/data/${IDX_FILES.testLabels}`];
    const error = await fetchFashionMnist('http://example.test/data/', { fetch: server(missing) }).catch((x: unknown) => x);
    expect(error).toBeInstanceOf(MissingDataFileError);
    expect((error as Error).message).toMatch(/t10k-labels-idx1-ubyte.*404 Not Found/);
    const broken = { ...files, [`/data/${IDX_FILES.trainLabels}`]: new TextEncoder().encode('<html>') };
    await expect(fetchFashionMnist('http://example.test/data/', { fetch: server(broken) })).rejects.toThrow(MalformedDataFileError);
  });
});
