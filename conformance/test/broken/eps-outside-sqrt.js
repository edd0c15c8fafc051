// backend-ts with a batchNormTrain fault: eps-outside-sqrt (see host-batchnorm.js).
import { faultyTrain } from './break-backend.js';

export default faultyTrain('eps-outside-sqrt');
