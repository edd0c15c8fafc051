import { batchNormLayout, mulberry32 } from '@bnkit/core';
import fc from 'fast-check';
import { attrsOf, materialise, type BnCase } from '../arbitraries.js';
import type { TensorScope } from '../scope.js';
import type { Deviation } from '../tolerance.js';
import { evalGradients, evaluate, trainWithGradients } from './bn-calls.js';
import { BAD_VALUES, badNumber, judge, type BadValue, type Expectation } from './nan-expectations.js';

/*
 * The BatchNorm half of check 11 (docs/nan-semantics.md): NaN/±Inf in x or dy stay inside their channel.
 * Training: a bad x makes its whole channel's y, dx, dgamma, invStd and running variance NaN (mean and
 * running mean at least not finite) while dbeta = Σdy does not see x; a bad dy leaves the forward pass
 * alone and makes its channel's dx, dgamma, dbeta not finite. Eval is elementwise: only the bad element's
 * y (or dx) changes, dx does not depend on x, and dgamma/dbeta of the channel take the bad value.
 */

export interface BnInjection {
  readonly target: 'x' | 'dy';
  /** One bad value per injected element; they land in 1..C−1 channels (one channel when C = 1). */
  readonly values: readonly BadValue[];
  readonly seed: number;
}

export const bnInjection: fc.Arbitrary<BnInjection> = fc.record({
  target: fc.constantFrom<'x' | 'dy'>('x', 'dy'),
  values: fc.array(fc.constantFrom(...BAD_VALUES), { minLength: 1, maxLength: 4 }),
  seed: fc.integer({ min: 0, max: 0x7fffffff }),
});

interface Placed {
  readonly index: number;
  readonly channel: number;
  readonly value: BadValue;
}

/** Where the bad values go: a random set of channels (leaving one clean when there are two or more), a random element of one of them each. */
function place(c: BnCase, inj: BnInjection): Placed[] {
  const { channels, inner, count } = batchNormLayout(c.shape, c.axis);
  const next = mulberry32(inj.seed);
  const pick = (n: number) => Math.min(n - 1, Math.floor(next() * n));
  const order = Array.from({ length: channels }, (_, i) => i);
  for (let i = channels - 1; i > 0; i--) {
    const j = pick(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  const bad = order.slice(0, Math.max(1, Math.min(inj.values.length, channels - 1)));
  const byIndex = new Map<number, Placed>();
  inj.values.forEach((value, k) => {
    const channel = bad[k % bad.length];
    // Element j of a channel, counted over (outer, inner) in memory order.
    const j = pick(count);
    const index = (Math.floor(j / inner) * channels + channel) * inner + (j % inner);
    byIndex.set(index, { index, channel, value }); // a later value on the same element overwrites it, as in x
  });
  return [...byIndex.values()];
}

/** Σ of the bad values in a channel as IEEE adds them, all finite terms dropped: NaN, ±Inf, or 0 when none. */
function badSum(placed: readonly Placed[], channel: number): number {
  return placed.filter((p) => p.channel === channel).reduce((s, p) => s + badNumber(p.value), 0);
}

/** Class of a channel reduction that multiplies each bad value by something finite of unknown sign. */
const reduced = (hasNaN: boolean): Expectation => (hasNaN ? 'nan' : 'nonfinite');

export async function bnNanProperty(scope: TensorScope, c: BnCase, inj: BnInjection): Promise<Deviation[]> {
  const d = materialise(c);
  const attrs = attrsOf(c);
  const { channels, inner } = batchNormLayout(c.shape, c.axis);
  const placed = place(c, inj);
  const dirty = { x: d.x.slice(), dy: d.dy.slice() };
  for (const p of placed) dirty[inj.target][p.index] = badNumber(p.value);
  const injected = `${placed.map((p) => `${p.value} at ${inj.target}[${p.index}] (channel ${p.channel})`).join(', ')}`;

  const channelOf = (i: number) => Math.floor(i / inner) % channels;
  const badChannel = new Set(placed.map((p) => p.channel));
  const nanIn = (ch: number) => placed.some((p) => p.channel === ch && p.value === 'NaN');
  const badAt = new Map(placed.map((p) => [p.index, p.value]));
  const sumClass = (ch: number): Expectation => {
    const s = badSum(placed, ch);
    return Number.isNaN(s) ? 'nan' : { infinity: s > 0 ? 1 : -1 };
  };
  // An element-wise scaling by gamma·invStd (invStd > 0): the bad value keeps its class, its sign times gamma's.
  const scaled = (i: number): Expectation => {
    const v = badAt.get(i);
    if (v === undefined) return 'same';
    if (v === 'NaN') return 'nan';
    return { infinity: ((v === '+Inf' ? 1 : -1) * Math.sign(d.gamma[channelOf(i)])) as 1 | -1 };
  };

  const clean = await trainWithGradients(scope, d.x, d.dy, c.shape, d, attrs);
  const run = await trainWithGradients(scope, dirty.x, dirty.dy, c.shape, d, attrs);
  const cleanEval = await evaluate(scope, d.x, c.shape, d, attrs);
  const evalY = await evaluate(scope, dirty.x, c.shape, d, attrs);
  const cleanEvalGrad = await evalGradients(scope, d.x, d.dy, c.shape, d, attrs);
  const evalGrad = await evalGradients(scope, dirty.x, dirty.dy, c.shape, d, attrs);

  const perElement = (f: (ch: number) => Expectation) => (i: number) => (badChannel.has(channelOf(i)) ? f(channelOf(i)) : 'same');
  const perChannel = (f: (ch: number) => Expectation) => (ch: number) => (badChannel.has(ch) ? f(ch) : 'same');
  const out: Deviation[] = [];
  const check = (name: string, actual: ArrayLike<number>, before: ArrayLike<number>, e: (i: number) => Expectation) =>
    out.push(...judge(name, actual, before, e, injected));

  if (inj.target === 'x') {
    check('train y', run.y, clean.y, perElement(() => 'nan'));
    check('train mean', run.mean, clean.mean, perChannel((ch) => (nanIn(ch) ? 'nan' : 'nonfinite')));
    check('train invStd', run.invStd, clean.invStd, perChannel(() => 'nan'));
    check('train runningMean', run.runningMean, clean.runningMean, perChannel((ch) => (nanIn(ch) ? 'nan' : 'nonfinite')));
    check('train runningVar', run.runningVar, clean.runningVar, perChannel(() => 'nan'));
    check('train dx', run.dx, clean.dx, perElement(() => 'nan'));
    check('train dgamma', run.dgamma, clean.dgamma, perChannel(() => 'nan'));
    check('train dbeta', run.dbeta, clean.dbeta, () => 'same');
    check('eval y', evalY, cleanEval, scaled);
    check('eval dx', evalGrad.dx, cleanEvalGrad.dx, () => 'same');
    check('eval dgamma', evalGrad.dgamma, cleanEvalGrad.dgamma, perChannel((ch) => reduced(nanIn(ch))));
    check('eval dbeta', evalGrad.dbeta, cleanEvalGrad.dbeta, () => 'same');
  } else {
    for (const [name, a, b] of [['y', run.y, clean.y], ['mean', run.mean, clean.mean], ['invStd', run.invStd, clean.invStd],
      ['runningMean', run.runningMean, clean.runningMean], ['runningVar', run.runningVar, clean.runningVar]] as const) {
      check(`train ${name}`, a, b, () => 'same');
    }
    check('train dx', run.dx, clean.dx, perElement((ch) => reduced(nanIn(ch))));
    check('train dgamma', run.dgamma, clean.dgamma, perChannel((ch) => reduced(nanIn(ch))));
    check('train dbeta', run.dbeta, clean.dbeta, perChannel(sumClass));
    check('eval dx', evalGrad.dx, cleanEvalGrad.dx, scaled);
    check('eval dgamma', evalGrad.dgamma, cleanEvalGrad.dgamma, perChannel((ch) => reduced(nanIn(ch))));
    check('eval dbeta', evalGrad.dbeta, cleanEvalGrad.dbeta, perChannel(sumClass));
  }
  return out;
}
