// Stand-in for @tensorflow/tfjs-node in bnkit's tests; see ../../README.md.
const tf = require('@tensorflow/tfjs');

const cpuFactory = tf.findBackendFactory('cpu');
for (const kernel of tf.getKernelsForBackend('cpu')) tf.registerKernel({ ...kernel, backendName: 'tensorflow' });
tf.registerBackend('tensorflow', () => Object.assign(cpuFactory(), { isUsingGpuDevice: false, isGPUPackage: false }), 3);
if (!tf.setBackend('tensorflow')) throw new Error('Could not initialize TensorFlow backend.');

module.exports = { ...tf, version: { ...tf.version, 'tfjs-node': '0.0.0-test-double' } };
