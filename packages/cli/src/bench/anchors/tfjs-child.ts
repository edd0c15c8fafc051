/*
 * Child-process entry of the TensorFlow.js anchor. tfjs keeps one global engine per process and the
 * webgpu backend holds a Dawn device, so each anchor runs alone here and reports back over IPC.
 */
import { hostCpu } from '../host.js';
import { measureTfjsLenet, type TfjsLenetRequest, type TfjsLenetResult } from './tfjs-lenet.js';

process.once('message', (request: TfjsLenetRequest) => {
  void measureTfjsLenet(request, hostCpu())
    .catch((e: unknown): TfjsLenetResult => ({ ok: false, device: request.device, reason: e instanceof Error ? e.message : String(e) }))
    // Exit explicitly once the result is delivered: native GPU handles must not keep the child alive.
    .then((result) => process.send!(result, () => process.exit(0)));
});
