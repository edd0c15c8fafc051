import { UsageError } from '../options/usage-error.js';
import { nonEmpty, positiveInteger, readFlags } from '../options/values.js';

/** Backend rows: a bnkit backend name, with a device where the backend offers several. */
export interface BackendTarget {
  readonly backend: string;
  readonly device?: string;
}

export interface BenchOptions {
  /** Backends to benchmark; the defaults are tried and skipped with a reason when they do not load. */
  readonly targets: readonly BackendTarget[];
  /** Explicitly asked for (--backends): a backend that fails to load is then reported as an error. */
  readonly explicit: boolean;
  /** Timed LeNet-BN training steps per bnkit backend. */
  readonly steps: number;
  readonly quick: boolean;
  readonly jsonFile: string;
  readonly help: boolean;
}

/** The tfjs backend runs on each device it can use; every device is its own row. */
export const TFJS_BACKEND_DEVICES = ['wasm', 'cpu', 'webgpu'] as const;
/**
 * The gpu backend runs where its 'auto' device policy puts it unless one is forced: gpu:webgpu then fails
 * the run when there is no WebGPU adapter, instead of measuring a webasm fallback as if it were the GPU.
 */
export const GPU_BACKEND_DEVICES = ['webgpu', 'webasm', 'cpu'] as const;
const DEVICES_OF: Readonly<Record<string, readonly string[]>> = { tfjs: TFJS_BACKEND_DEVICES, gpu: GPU_BACKEND_DEVICES };
const KNOWN_BACKENDS = ['ts', 'gpu', 'tfjs'];

export const USAGE = `Usage: bnkit-bench [options]   (in the bnkit repository: pnpm bench [options])

Benchmarks bnkit backends against anchors measured in the same run: BatchNorm kernels on (256,6,24,24)
against a hand-written JavaScript loop, LeNet-BN training (batch 256) against TensorFlow.js; for the ts
backend also PyTorch CPU (1 and 2 threads; LeNet-BN and native_batch_norm), run step by step interleaved
with bnkit, when python3 has torch (BNKIT_PYTHON picks the interpreter). Every figure is given per wall
second and per CPU-second of the whole process.

Options:
  --backends LIST  comma-separated: ts, gpu, gpu:DEVICE (webgpu, webasm, cpu: forced, so gpu:webgpu
                   exits 2 without a WebGPU adapter), tfjs (every device: wasm, cpu, webgpu) or
                   tfjs:DEVICE (default: all that load; the others are listed with the reason)
  --steps N        timed LeNet-BN training steps per bnkit backend, at most (default 20, --quick 3;
                   a slow backend stops early: after about a minute, once 3 steps are timed)
  --quick          fewer repetitions and anchor steps (a smoke run, not a measurement)
  --json FILE      where to write the results as JSON (default bench-results.json; its directory is
                   created, and the file checked writable, before anything is measured)
  --help           this text
  --version        print the version of @bnkit/cli

Exit status: 0 done; 1 a backend asked for with --backends did not load, or the run failed; 2 bad
command line (a bad flag value, an unknown backend or device, a --json that cannot be written).
`;

function parseTargets(list: string): BackendTarget[] {
  const targets: BackendTarget[] = [];
  for (const item of list.split(',').map((s) => s.trim()).filter(Boolean)) {
    const parts = item.split(':');
    if (parts.length > 2) throw new UsageError(`--backends: '${item}' has more than one ':'; give BACKEND or BACKEND:DEVICE`);
    const [backend, device] = parts;
    if (!KNOWN_BACKENDS.includes(backend)) {
      throw new UsageError(`--backends: unknown backend '${backend}'; allowed: ${KNOWN_BACKENDS.join(', ')}`);
    }
    const devices = DEVICES_OF[backend];
    if (device !== undefined && !devices) {
      throw new UsageError(`--backends: only gpu and tfjs take a device (gpu:webgpu, tfjs:wasm...), got '${item}'`);
    }
    if (device !== undefined && !devices.includes(device)) {
      throw new UsageError(`--backends: unknown ${backend} device '${device}'; allowed: ${devices.join(', ')}`);
    }
    if (backend === 'tfjs' && device === undefined) targets.push(...TFJS_BACKEND_DEVICES.map((d) => ({ backend, device: d })));
    else targets.push(device === undefined ? { backend } : { backend, device });
  }
  if (targets.length === 0) throw new UsageError('--backends: give at least one of ts, gpu, tfjs');
  return targets;
}

export function parseBenchArgs(argv: readonly string[]): BenchOptions {
  const values = readFlags(argv, {
    backends: { type: 'string' },
    steps: { type: 'string' },
    quick: { type: 'boolean' },
    json: { type: 'string' },
    help: { type: 'boolean' },
  });
  const quick = values.quick ?? false;
  return {
    targets: parseTargets(nonEmpty('backends', values.backends) ?? KNOWN_BACKENDS.join(',')),
    explicit: values.backends !== undefined,
    // Bounded so a typo cannot run for days: each timed step is a full LeNet-BN batch.
    steps: positiveInteger('steps', values.steps, quick ? 3 : 20, { min: 1, max: 10_000 }),
    quick,
    jsonFile: nonEmpty('json', values.json) ?? 'bench-results.json',
    help: values.help ?? false,
  };
}
