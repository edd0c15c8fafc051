// backend-ts with a training-kernel fault: softmax-without-max (see break-training.js).
import { softmaxWithoutMax } from './break-training.js';

export default softmaxWithoutMax;
