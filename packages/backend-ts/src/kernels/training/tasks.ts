import { avgPool2dTasks } from './avgPool2d.js';
import { avgPool2dBackwardTasks } from './avgPool2dBackward.js';
import { conv2dTasks } from './conv2d.js';
import { conv2dBackwardTasks } from './conv2dBackward.js';
import { linearTasks } from './linear.js';
import { linearBackwardTasks } from './linearBackward.js';
import { maxPool2dTasks } from './maxPool2d.js';
import { maxPool2dBackwardTasks } from './maxPool2dBackward.js';
import { sigmoidTasks } from './sigmoid.js';
import { sigmoidBackwardTasks } from './sigmoidBackward.js';

/**
 * Every task the training kernels split across threads, named after its kernel. The pool is created with
 * this table, and each worker loads this module (by its URL) to find the same functions by name.
 */
export const tasks = {
  ...conv2dTasks,
  ...conv2dBackwardTasks,
  ...linearTasks,
  ...linearBackwardTasks,
  ...avgPool2dTasks,
  ...avgPool2dBackwardTasks,
  ...maxPool2dTasks,
  ...maxPool2dBackwardTasks,
  ...sigmoidTasks,
  ...sigmoidBackwardTasks,
};
