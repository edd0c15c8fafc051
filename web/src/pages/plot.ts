/*
 * d2l's Animator as SVG: x is epochs (fractional while an epoch runs), one shared y axis from 0 to the largest
 * value seen (at least 1), a line per series with markers at its points, and a legend. Redrawn whole on
 * each update; a few hundred points at most.
 */

export interface Series {
  readonly name: string;
  readonly color: string;
  /** Dashed, as d2l draws its second and third lines. */
  readonly dashed?: boolean;
  readonly points: [x: number, y: number][];
}

const W = 480;
const H = 300;
const M = { left: 44, right: 12, top: 12, bottom: 36 };
const SVG = 'http://www.w3.org/2000/svg';

function el(name: string, attrs: Record<string, string | number>, text?: string): SVGElement {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

/** Draws `series` over epochs [0, xMax] into `svg`. */
export function drawPlot(svg: SVGSVGElement, series: readonly Series[], xMax: number): void {
  const yMax = Math.max(1, ...series.flatMap((s) => s.points.map(([, y]) => y)).filter(Number.isFinite));
  const x = (v: number): number => M.left + (v / xMax) * (W - M.left - M.right);
  const y = (v: number): number => H - M.bottom - (v / yMax) * (H - M.top - M.bottom);
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  svg.replaceChildren();
  svg.append(el('rect', { x: M.left, y: M.top, width: W - M.left - M.right, height: H - M.top - M.bottom, fill: 'none', stroke: '#888' }));
  for (let e = 0; e <= xMax; e++) {
    svg.append(el('line', { x1: x(e), x2: x(e), y1: H - M.bottom, y2: H - M.bottom + 4, stroke: '#888' }));
    svg.append(el('text', { x: x(e), y: H - M.bottom + 16, 'text-anchor': 'middle', 'font-size': 11 }, String(e)));
  }
  for (let i = 0; i <= 5; i++) {
    const v = (yMax * i) / 5;
    svg.append(el('line', { x1: M.left, x2: W - M.right, y1: y(v), y2: y(v), stroke: '#eee' }));
    svg.append(el('text', { x: M.left - 6, y: y(v) + 4, 'text-anchor': 'end', 'font-size': 11 }, v.toFixed(1)));
  }
  svg.append(el('text', { x: (M.left + W - M.right) / 2, y: H - 4, 'text-anchor': 'middle', 'font-size': 12 }, 'epoch'));
  series.forEach((s, i) => {
    const pts = s.points.filter(([, v]) => Number.isFinite(v));
    if (pts.length > 0) {
      svg.append(el('polyline', {
        points: pts.map(([px, py]) => `${x(px).toFixed(1)},${y(py).toFixed(1)}`).join(' '),
        fill: 'none', stroke: s.color, 'stroke-width': 2, ...(s.dashed ? { 'stroke-dasharray': '6 3' } : {}),
      }));
      for (const [px, py] of pts) svg.append(el('circle', { cx: x(px), cy: y(py), r: 2.5, fill: s.color }));
    }
    const ly = M.top + 14 + 16 * i;
    svg.append(el('line', { x1: W - M.right - 110, x2: W - M.right - 86, y1: ly - 4, y2: ly - 4, stroke: s.color, 'stroke-width': 2, ...(s.dashed ? { 'stroke-dasharray': '6 3' } : {}) }));
    svg.append(el('text', { x: W - M.right - 80, y: ly, 'font-size': 12 }, s.name));
  });
}
