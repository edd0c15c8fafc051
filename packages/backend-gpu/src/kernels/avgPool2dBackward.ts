import type { Pool2dAttrs, Tensor } from '@bnkit/core';
import type { KernelContext } from '../kernel-context.js';
import { poolBackward } from './pooling.js';

export const avgPool2dBackward = (ctx: KernelContext, i: { x: Tensor; dy: Tensor }, a: Pool2dAttrs) => poolBackward(ctx, 'avg', i.x, i.dy, a);
