// backend-ts with a training-kernel fault: max-pool-last-tie (see break-training.js).
import { maxPoolGradientToLastTie } from './break-training.js';

export default maxPoolGradientToLastTie;
