// backend-ts with a batchNormTrain fault: float32-one-pass (see host-batchnorm.js).
import { faultyTrain } from './break-backend.js';

export default faultyTrain('float32-one-pass');
