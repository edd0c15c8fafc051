// backend-ts with a batchNormTrain fault: estimator-swapped (see host-batchnorm.js).
import { faultyTrain } from './break-backend.js';

export default faultyTrain('estimator-swapped');
