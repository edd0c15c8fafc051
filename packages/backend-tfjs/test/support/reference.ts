import { mulberry32, uniform } from '@bnkit/data';

/*
 * Direct float64 loops for conv2d and its gradients (NCHW, OIHW), an independent reference for shapes
 * the PyTorch fixtures do not cover (non-square stride and padding).
 */
export interface ConvCase {
  readonly x: Float64Array;
  readonly xShape: [number, number, number, number];
  readonly w: Float64Array;
  readonly wShape: [number, number, number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
}

export function convOut(c: ConvCase): [number, number] {
  const [, , h, w] = c.xShape;
  const [, , kh, kw] = c.wShape;
  return [Math.floor((h + 2 * c.padding[0] - kh) / c.stride[0]) + 1, Math.floor((w + 2 * c.padding[1] - kw) / c.stride[1]) + 1];
}

/** Calls f(n, co, oy, ox, ci, ky, kx, xIndex, wIndex) for every product term of the convolution. */
function forEachTerm(c: ConvCase, f: (yIndex: number, xIndex: number, wIndex: number, co: number) => void): void {
  const [n, cin, h, w] = c.xShape;
  const [cout, , kh, kw] = c.wShape;
  const [oh, ow] = convOut(c);
  for (let b = 0; b < n; b++)
    for (let co = 0; co < cout; co++)
      for (let oy = 0; oy < oh; oy++)
        for (let ox = 0; ox < ow; ox++)
          for (let ci = 0; ci < cin; ci++)
            for (let ky = 0; ky < kh; ky++)
              for (let kx = 0; kx < kw; kx++) {
                const iy = oy * c.stride[0] - c.padding[0] + ky;
                const ix = ox * c.stride[1] - c.padding[1] + kx;
                if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                f(((b * cout + co) * oh + oy) * ow + ox, ((b * cin + ci) * h + iy) * w + ix, ((co * cin + ci) * kh + ky) * kw + kx, co);
              }
}

export function convForward(c: ConvCase, bias: Float64Array): Float64Array {
  const [oh, ow] = convOut(c);
  const y = new Float64Array(c.xShape[0] * c.wShape[0] * oh * ow);
  for (let i = 0; i < y.length; i++) y[i] = bias[Math.floor(i / (oh * ow)) % c.wShape[0]];
  forEachTerm(c, (yi, xi, wi) => (y[yi] += c.x[xi] * c.w[wi]));
  return y;
}

export function convBackward(c: ConvCase, dy: Float64Array) {
  const dx = new Float64Array(c.x.length);
  const dw = new Float64Array(c.w.length);
  const db = new Float64Array(c.wShape[0]);
  const [oh, ow] = convOut(c);
  for (let i = 0; i < dy.length; i++) db[Math.floor(i / (oh * ow)) % c.wShape[0]] += dy[i];
  forEachTerm(c, (yi, xi, wi) => {
    dx[xi] += dy[yi] * c.w[wi];
    dw[wi] += dy[yi] * c.x[xi];
  });
  return { dx, dw, db };
}

/** Deterministic float32 values in [-1, 1) from @bnkit/data's mulberry32, held in float64 for the references. */
export function seeded(length: number, seed: number): Float64Array {
  return Float64Array.from(uniform(mulberry32(seed), length, -1, 1));
}
