// A host-side float64 BatchNorm with switchable faults, from which the broken backends are built. Each
// fault is one classic BatchNorm bug; the conformance suite must reject every one of them.

/** x viewed as [outer, channels, inner] around the channel axis. */
export function layout(shape, axis) {
  const a = axis < 0 ? axis + shape.length : axis;
  const prod = (dims) => dims.reduce((p, d) => p * d, 1);
  return { outer: prod(shape.slice(0, a)), channels: shape[a], inner: prod(shape.slice(a + 1)) };
}

/** Visits every element with its channel, flat index and position within the channel (0 … n − 1). */
function forEach({ outer, channels, inner }, visit) {
  for (let o = 0; o < outer; o++) for (let c = 0; c < channels; c++) for (let k = 0; k < inner; k++) visit(c, (o * channels + c) * inner + k, o * inner + k);
}

/**
 * Which positions within a channel a faulty reduction counts: 'remainder-dropped' is a 4-lane vectorised
 * loop without its scalar tail, 'first-sample' a loop nest one level short that only sees outer index 0.
 */
function countedPositions(geo, fault) {
  const n = geo.outer * geo.inner;
  if (fault === 'remainder-dropped') return Math.floor(n / 4) * 4;
  if (fault === 'first-sample') return geo.inner;
  return n;
}

/** Biased mean and variance per channel; fault 'float32-one-pass' is E[x²] − E[x]² accumulated in float32. */
function statistics(x, geo, fault) {
  const n = countedPositions(geo, fault);
  const mean = new Float64Array(geo.channels);
  const variance = new Float64Array(geo.channels);
  if (fault === 'float32-one-pass') {
    const s = new Float32Array(geo.channels);
    const s2 = new Float32Array(geo.channels);
    forEach(geo, (c, i) => { s[c] += x[i]; s2[c] += Math.fround(x[i] * x[i]); });
    for (let c = 0; c < geo.channels; c++) {
      mean[c] = Math.fround(s[c] / n);
      variance[c] = Math.max(0, Math.fround(Math.fround(s2[c] / n) - Math.fround(mean[c] * mean[c])));
    }
    return { mean, variance, n };
  }
  forEach(geo, (c, i, p) => { if (p < n) mean[c] += x[i] / n; });
  forEach(geo, (c, i, p) => { if (p < n) variance[c] += (x[i] - mean[c]) ** 2 / n; });
  return { mean, variance, n };
}

/**
 * Training forward. Faults: 'momentum-flipped' (momentum as the weight of the NEW value), 'estimator-swapped'
 * (biased fed where unbiased is declared and vice versa), 'wrong-axis' (statistics always over axis 1, the
 * hard-coded NCHW bug), 'eps-outside-sqrt' (1 / (sqrt(var) + eps)), 'float32-one-pass', 'remainder-dropped'
 * (statistics of the first ⌊n/4⌋·4 values of each channel), 'rank5-first-sample' (rank-5 statistics from
 * outer index 0 only).
 */
export function train(x, shape, p, attrs, fault) {
  const geo = layout(shape, fault === 'wrong-axis' ? 1 : attrs.axis);
  const reduction = fault === 'rank5-first-sample' ? (shape.length === 5 ? 'first-sample' : undefined) : fault;
  const { mean, variance, n } = statistics(x, geo, reduction);
  const invStd = variance.map((v) => (fault === 'eps-outside-sqrt' ? 1 / (Math.sqrt(v) + attrs.eps) : 1 / Math.sqrt(v + attrs.eps)));
  const unbiased = (attrs.runningVar === 'unbiased') !== (fault === 'estimator-swapped');
  const keep = fault === 'momentum-flipped' ? 1 - attrs.momentum : attrs.momentum;
  const y = new Float64Array(x.length);
  forEach(geo, (c, i) => { y[i] = p.gamma[c] * (x[i] - mean[c]) * invStd[c] + p.beta[c]; });
  return {
    y,
    mean,
    invStd,
    runningMean: mean.map((m, c) => keep * p.runningMean[c] + (1 - keep) * m),
    runningVar: variance.map((v, c) => keep * p.runningVar[c] + (1 - keep) * (unbiased ? (v * n) / (n - 1) : v)),
  };
}

/** Eval forward with the fault 'batch-statistics': normalises with the batch's statistics, not the running ones. */
export function evaluate(x, shape, p, attrs, fault) {
  const geo = layout(shape, attrs.axis);
  const stats = fault === 'batch-statistics' ? statistics(x, geo, undefined) : { mean: p.runningMean, variance: p.runningVar };
  const y = new Float64Array(x.length);
  forEach(geo, (c, i) => { y[i] = (p.gamma[c] * (x[i] - stats.mean[c])) / Math.sqrt(stats.variance[c] + attrs.eps) + p.beta[c]; });
  return y;
}

/**
 * Training backward with the faults 'missing-xhat-term' (dx lacks the − xhat·Σ(dy·xhat) term) and
 * 'sums-remainder-dropped' (Σdy and Σ(dy·xhat) by an 8-lane loop without its tail: the first ⌊n/8⌋·8 values)
 * and 'saved-statistics-dropped' (mean and invStd recomputed from x, the inputs ignored).
 */
export function trainBackward(x, dy, shape, gamma, givenMean, givenInvStd, attrs, fault) {
  const geo = layout(shape, attrs.axis);
  let [mean, invStd] = [givenMean, givenInvStd];
  if (fault === 'saved-statistics-dropped') {
    const own = statistics(x, geo, undefined);
    [mean, invStd] = [own.mean, own.variance.map((v) => 1 / Math.sqrt(v + attrs.eps))];
  }
  const n = geo.outer * geo.inner;
  const summed = fault === 'sums-remainder-dropped' ? Math.floor(n / 8) * 8 : n;
  const dgamma = new Float64Array(geo.channels);
  const dbeta = new Float64Array(geo.channels);
  const xhat = (c, i) => (x[i] - mean[c]) * invStd[c];
  forEach(geo, (c, i, p) => { if (p < summed) { dbeta[c] += dy[i]; dgamma[c] += dy[i] * xhat(c, i); } });
  const dx = new Float64Array(x.length);
  const keepTerm = fault !== 'missing-xhat-term';
  forEach(geo, (c, i) => { dx[i] = ((gamma[c] * invStd[c]) / n) * (n * dy[i] - dbeta[c] - (keepTerm ? xhat(c, i) * dgamma[c] : 0)); });
  return { dx, dgamma, dbeta };
}
