// backend-ts whose batchNormEval normalises with the batch statistics instead of the running ones.
import { faultyEval } from './break-backend.js';

export default faultyEval('batch-statistics');
