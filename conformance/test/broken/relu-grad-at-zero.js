// backend-ts with a training-kernel fault: relu-grad-at-zero (see break-training.js).
import { reluGradientAtZero } from './break-training.js';

export default reluGradientAtZero;
