/** One epoch's numbers, as the training loop reports them. */
export interface EpochPoint {
  readonly epoch: number;
  readonly loss: number;
  readonly trainAcc: number;
  /** null when the run had no test set. */
  readonly testAcc: number | null;
}

export interface PlotOptions {
  readonly title?: string;
  readonly width?: number;
  readonly height?: number;
}

interface Series {
  readonly name: string;
  readonly color: string;
  /** SVG stroke-dasharray ('' for solid), after d2l's '-', 'm--', 'g-.' line formats. */
  readonly dash: string;
  readonly value: (p: EpochPoint) => number;
}

const SERIES: readonly Series[] = [
  { name: 'train loss', color: '#1f77b4', dash: '', value: (p) => p.loss },
  { name: 'train acc', color: '#bf00bf', dash: '6 4', value: (p) => p.trainAcc },
  { name: 'test acc', color: '#008000', dash: '8 3 2 3', value: (p) => p.testAcc ?? NaN },
];

// The legend sits in the top margin, in one row, where it never hides a line.
const MARGIN = { left: 56, right: 16, top: 52, bottom: 44 };

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Shortest decimal form, so ticks read 0.2 rather than 0.20000000000000001. */
const num = (v: number): string => String(Number(v.toFixed(6)));

/** A "nice" step (1, 2 or 5 times a power of ten) giving about `count` ticks over `span`. */
export function niceStep(span: number, count: number): number {
  const raw = span / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  return (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * power;
}

/**
 * The d2l training figure as a standalone SVG: train loss, train accuracy and test accuracy per epoch,
 * with axes, ticks, grid and a legend. Non-finite values (a diverged loss) leave a gap in their line.
 */
export function trainingPlotSvg(history: readonly EpochPoint[], options: PlotOptions = {}): string {
  const width = options.width ?? 480;
  const height = options.height ?? 320;
  const plotW = width - MARGIN.left - MARGIN.right;
  const plotH = height - MARGIN.top - MARGIN.bottom;

  const lastEpoch = Math.max(1, ...history.map((p) => p.epoch));
  const xMin = 1;
  const xMax = Math.max(2, lastEpoch);
  const finite = history.flatMap((p) => SERIES.map((s) => s.value(p))).filter(Number.isFinite);
  // Accuracies live in [0, 1]; the loss can start above 1, so the axis grows to fit it.
  const yMax = Math.max(1, ...finite);
  const yStep = niceStep(yMax, 5);
  const yTop = Math.ceil(yMax / yStep - 1e-9) * yStep;
  const xStep = Math.max(1, Math.ceil(niceStep(xMax - xMin, 8)));

  const sx = (x: number): number => MARGIN.left + ((x - xMin) / (xMax - xMin)) * plotW;
  const sy = (y: number): number => MARGIN.top + plotH - (y / yTop) * plotH;
  const f = (v: number): string => v.toFixed(2);

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
  );
  out.push(`<rect width="${width}" height="${height}" fill="white"/>`);
  if (options.title) {
    out.push(`<text x="${f(width / 2)}" y="20" text-anchor="middle" font-size="14">${escapeXml(options.title)}</text>`);
  }

  out.push('<g class="grid" stroke="#e0e0e0" stroke-width="1">');
  const yTicks: number[] = [];
  for (let k = 0; k * yStep <= yTop + 1e-9; k++) yTicks.push(k * yStep);
  const xTicks: number[] = [];
  for (let x = xMin; x <= xMax; x += xStep) xTicks.push(x);
  for (const y of yTicks) out.push(`<line x1="${f(sx(xMin))}" y1="${f(sy(y))}" x2="${f(sx(xMax))}" y2="${f(sy(y))}"/>`);
  for (const x of xTicks) out.push(`<line x1="${f(sx(x))}" y1="${f(sy(0))}" x2="${f(sx(x))}" y2="${f(sy(yTop))}"/>`);
  out.push('</g>');

  out.push('<g class="axes" stroke="black" stroke-width="1">');
  out.push(`<line x1="${f(sx(xMin))}" y1="${f(sy(0))}" x2="${f(sx(xMax))}" y2="${f(sy(0))}"/>`);
  out.push(`<line x1="${f(sx(xMin))}" y1="${f(sy(0))}" x2="${f(sx(xMin))}" y2="${f(sy(yTop))}"/>`);
  for (const y of yTicks) out.push(`<line x1="${f(sx(xMin) - 4)}" y1="${f(sy(y))}" x2="${f(sx(xMin))}" y2="${f(sy(y))}"/>`);
  for (const x of xTicks) out.push(`<line x1="${f(sx(x))}" y1="${f(sy(0))}" x2="${f(sx(x))}" y2="${f(sy(0) + 4)}"/>`);
  out.push('</g>');

  out.push('<g class="tick-labels" fill="black">');
  for (const y of yTicks) out.push(`<text x="${f(sx(xMin) - 7)}" y="${f(sy(y) + 4)}" text-anchor="end">${num(y)}</text>`);
  for (const x of xTicks) out.push(`<text x="${f(sx(x))}" y="${f(sy(0) + 17)}" text-anchor="middle">${num(x)}</text>`);
  out.push('</g>');
  out.push(`<text class="x-label" x="${f(MARGIN.left + plotW / 2)}" y="${height - 8}" text-anchor="middle">epoch</text>`);

  for (const s of SERIES) {
    const points = history.map((p) => [p.epoch, s.value(p)] as const);
    // A gap (M) after any non-finite value, a line (L) otherwise.
    let d = '';
    let pen = false;
    for (const [x, y] of points) {
      if (!Number.isFinite(y)) {
        pen = false;
        continue;
      }
      d += `${pen ? 'L' : 'M'}${f(sx(x))},${f(sy(y))} `;
      pen = true;
    }
    const dash = s.dash ? ` stroke-dasharray="${s.dash}"` : '';
    out.push(`<g class="series" data-name="${s.name}" stroke="${s.color}" fill="${s.color}">`);
    out.push(`<path d="${d.trim()}" fill="none" stroke-width="2"${dash}/>`);
    for (const [x, y] of points) {
      if (Number.isFinite(y)) out.push(`<circle cx="${f(sx(x))}" cy="${f(sy(y))}" r="2.5" data-epoch="${x}" data-value="${y}"/>`);
    }
    out.push('</g>');
  }

  out.push('<g class="legend">');
  SERIES.forEach((s, i) => {
    const x = MARGIN.left + i * 110;
    const y = 40;
    const dash = s.dash ? ` stroke-dasharray="${s.dash}"` : '';
    out.push(`<line x1="${x}" y1="${y - 4}" x2="${x + 28}" y2="${y - 4}" stroke="${s.color}" stroke-width="2"${dash}/>`);
    out.push(`<text x="${x + 34}" y="${y}" fill="black">${s.name}</text>`);
  });
  out.push('</g>');
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
