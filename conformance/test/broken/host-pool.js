// Host-side max-pooling gradient (NCHW) with a switchable tie rule, for a broken maxPool2dBackward.

/** Visits every window: its flat output index and the flat input indices it covers (null where padding). */
function forEachWindow([n, c, h, w], { kernel, stride, padding }, visit) {
  const oh = Math.floor((h + 2 * padding[0] - kernel[0]) / stride[0]) + 1;
  const ow = Math.floor((w + 2 * padding[1] - kernel[1]) / stride[1]) + 1;
  for (let p = 0; p < n * c; p++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        const cells = [];
        for (let a = 0; a < kernel[0]; a++) {
          for (let b = 0; b < kernel[1]; b++) {
            const [r, s] = [i * stride[0] - padding[0] + a, j * stride[1] - padding[1] + b];
            cells.push(r >= 0 && r < h && s >= 0 && s < w ? (p * h + r) * w + s : null);
          }
        }
        visit((p * oh + i) * ow + j, cells);
      }
    }
  }
  return [n, c, oh, ow];
}

/** Max-pooling gradient to one maximum per window: the first in row-major order (the contract) or the last (the fault). */
export function maxPoolBackward(x, dy, shape, attrs, ties) {
  const dx = new Float32Array(x.length);
  forEachWindow(shape, attrs, (o, cells) => {
    let best = null;
    for (const i of cells) {
      if (i === null) continue;
      if (best === null || x[i] > x[best] || (ties === 'last' && x[i] === x[best])) best = i;
    }
    dx[best] += dy[o];
  });
  return dx;
}
