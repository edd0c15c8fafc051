import type { Pool2dAttrs, Tensor } from '@bnkit/core';
import type { KernelContext } from '../kernel-context.js';
import { poolBackward } from './pooling.js';

export const maxPool2dBackward = (ctx: KernelContext, i: { x: Tensor; dy: Tensor }, a: Pool2dAttrs) =>
  poolBackward(ctx, 'max', i.x, i.dy, a);
