// Node-only pieces: checkpoint and PyTorch weight files, written atomically on top of the bytes API.
export * from './index.js';
// Replaces the entry's fit (a local export wins over `export *`).
export { fit } from './fit-node.js';
export { writeFileAtomic, removeOrphanedTemps, nodeIo, type AtomicWriteIo, type WritableFile } from './checkpoint/atomic-write.js';
export { checkpointFileKind, saveCheckpoint, readCheckpoint, loadCheckpoint, readModelFile } from './checkpoint/file.js';
export { savePyTorchWeights, loadPyTorchWeights } from './weights/pytorch-file.js';
