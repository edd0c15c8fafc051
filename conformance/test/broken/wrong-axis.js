// backend-ts with a batchNormTrain fault: wrong-axis (see host-batchnorm.js).
import { faultyTrain } from './break-backend.js';

export default faultyTrain('wrong-axis');
