import { deviceSuite } from './support/device-suite.js';
import { tensorflowSkipReason } from './support/tensorflow.js';

// libtensorflow through @tensorflow/tfjs-node-gpu (CUDA) or @tensorflow/tfjs-node: the same suite as the
// other devices, run when one of those packages is installed.
deviceSuite('tensorflow', tensorflowSkipReason);
