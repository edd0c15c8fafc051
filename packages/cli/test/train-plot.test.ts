import { describe, expect, it } from 'vitest';
import { niceStep, trainingPlotSvg, type EpochPoint } from '../dist/ui/plot.js';

/** Checks every tag is closed in order (a small well-formedness check; no XML parser needed). */
function assertBalanced(svg: string): void {
  const stack: string[] = [];
  for (const m of svg.matchAll(/<(\/?)([a-zA-Z][\w-]*)([^>]*?)(\/?)>/g)) {
    const [, closing, name, , selfClosing] = m;
    if (selfClosing) continue;
    if (closing) expect(stack.pop()).toBe(name);
    else stack.push(name);
  }
  expect(stack).toEqual([]);
}

const attr = (tag: string, name: string): string | undefined => tag.match(new RegExp(`\\s${name}="([^"]*)"`))?.[1];

function series(svg: string): Map<string, { path: string; points: { epoch: number; value: number; cx: number; cy: number }[] }> {
  const out = new Map();
  for (const g of svg.matchAll(/<g class="series" data-name="([^"]+)"[^>]*>([\s\S]*?)<\/g>/g)) {
    const body = g[2];
    const points = [...body.matchAll(/<circle[^>]*\/>/g)].map(([tag]) => ({
      epoch: Number(attr(tag, 'data-epoch')),
      value: Number(attr(tag, 'data-value')),
      cx: Number(attr(tag, 'cx')),
      cy: Number(attr(tag, 'cy')),
    }));
    out.set(g[1], { path: attr(body.match(/<path[^>]*\/>/)![0], 'd')!, points });
  }
  return out;
}

const history: EpochPoint[] = [
  { epoch: 1, loss: 1.32, trainAcc: 0.52, testAcc: 0.61 },
  { epoch: 2, loss: 0.71, trainAcc: 0.74, testAcc: 0.7 },
  { epoch: 3, loss: 0.52, trainAcc: 0.81, testAcc: 0.79 },
  { epoch: 4, loss: 0.45, trainAcc: 0.84, testAcc: 0.66 },
];

describe('trainingPlotSvg', () => {
  const svg = trainingPlotSvg(history, { title: 'LeNet-BN <ts> & co' });

  it('is a well-formed standalone SVG document', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    assertBalanced(svg);
    expect(svg).toContain('LeNet-BN &lt;ts&gt; &amp; co');
    expect(svg).not.toMatch(/NaN|undefined|Infinity/);
  });

  it('draws three series with one point per epoch, at their values', () => {
    const s = series(svg);
    expect([...s.keys()]).toEqual(['train loss', 'train acc', 'test acc']);
    const pick = { 'train loss': 'loss', 'train acc': 'trainAcc', 'test acc': 'testAcc' } as const;
    for (const [name, key] of Object.entries(pick)) {
      const { points, path } = s.get(name)!;
      expect(points.map((p) => p.epoch)).toEqual([1, 2, 3, 4]);
      expect(points.map((p) => p.value)).toEqual(history.map((h) => h[key]));
      expect(path.match(/[ML]/g)).toEqual(['M', 'L', 'L', 'L']);
      // x grows with the epoch; higher values sit higher (smaller y)
      for (let i = 1; i < points.length; i++) expect(points[i].cx).toBeGreaterThan(points[i - 1].cx);
    }
    const loss = s.get('train loss')!.points;
    expect(loss[0].cy).toBeLessThan(loss[1].cy);
  });

  it('has axes, ticks at every epoch, a y axis up to the largest value and a legend', () => {
    expect(svg).toContain('class="axes"');
    const xLabels = [...svg.matchAll(/<text[^>]*text-anchor="middle">(\d+)<\/text>/g)].map((m) => m[1]);
    expect(xLabels).toEqual(['1', '2', '3', '4']);
    const yLabels = [...svg.matchAll(/<text[^>]*text-anchor="end">([\d.]+)<\/text>/g)].map((m) => Number(m[1]));
    expect(yLabels[0]).toBe(0);
    expect(yLabels[yLabels.length - 1]).toBeGreaterThanOrEqual(1.32);
    expect(svg).toContain('>epoch</text>');
    const legend = svg.match(/<g class="legend">([\s\S]*?)<\/g>/)![1];
    expect([...legend.matchAll(/<text[^>]*>([^<]+)<\/text>/g)].map((m) => m[1])).toEqual(['train loss', 'train acc', 'test acc']);
  });

  it('leaves a gap for a non-finite loss and draws a single epoch as a point', () => {
    const diverged = series(trainingPlotSvg([...history.slice(0, 2), { ...history[2], loss: Number.NaN }, history[3]]));
    expect(diverged.get('train loss')!.points).toHaveLength(3);
    expect(diverged.get('train loss')!.path.match(/[ML]/g)).toEqual(['M', 'L', 'M']);
    const one = trainingPlotSvg([{ epoch: 1, loss: 0.9, trainAcc: 0.6, testAcc: null }]);
    assertBalanced(one);
    expect(series(one).get('train acc')!.points).toHaveLength(1);
    expect(series(one).get('test acc')!.points).toHaveLength(0);
  });
});

describe('niceStep', () => {
  it.each([[1, 5, 0.2], [1.32, 5, 0.5], [9, 8, 2], [100, 5, 20], [0.03, 3, 0.01]])('span %s in ~%s ticks → %s', (span, count, step) => {
    expect(niceStep(span, count)).toBeCloseTo(step, 12);
  });
});
