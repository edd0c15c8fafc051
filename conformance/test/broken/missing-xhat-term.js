// backend-ts whose batchNormTrainBackward drops the − xhat·Σ(dy·xhat) term of the input gradient.
import { faultyTrainBackward } from './break-backend.js';

export default faultyTrainBackward('missing-xhat-term');
