import type { Pool2dAttrs, Tensor } from '@bnkit/core';
import type { KernelContext } from '../kernel-context.js';
import { poolForward } from './pooling.js';

export const maxPool2d = (ctx: KernelContext, i: { x: Tensor }, a: Pool2dAttrs) => poolForward(ctx, 'max', i.x, a);
