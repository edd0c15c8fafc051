// backend-ts with a batchNormTrain fault: momentum-flipped (see host-batchnorm.js).
import { faultyTrain } from './break-backend.js';

export default faultyTrain('momentum-flipped');
