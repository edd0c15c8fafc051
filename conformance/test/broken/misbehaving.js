// backend-ts with one fault against the process that runs it, chosen by the BNKIT_FAULT environment variable
// (`<site>-<action>`, see FAULTS): exits, signals, hangs, crashes, memory blow-ups and leaks at import, in
// the factory, in a kernel, in read(), close(), the device getter or memory(). The supervised conformance
// CLI must turn each into a FAIL naming what happened (test/supervision.test.ts, and the fault campaign's
// backends area). Without BNKIT_FAULT it is the correct backend, a control that must pass.
import { createBackend as createTs } from '@bnkit/backend-ts';
import { KERNEL_GROUPS, SPECIFICATION_VERSION } from '@bnkit/core';

/** Memory retained so that nothing can collect it. */
const retained = [];

/** What a fault does where it strikes. `proceed` continues with the real call; the result is the site's. */
const ACTIONS = {
  exit0: () => process.exit(0),
  exit1: () => process.exit(1),
  exit3: () => process.exit(3),
  sigkill: () => process.kill(process.pid, 'SIGKILL'),
  sigterm: () => process.kill(process.pid, 'SIGTERM'),
  throw: () => {
    throw new Error(`planted fault ${process.env.BNKIT_FAULT}`);
  },
  reject: () => Promise.reject(new Error(`planted fault ${process.env.BNKIT_FAULT}`)),
  // A promise nothing will ever settle: the event loop runs empty.
  never: () => new Promise(() => {}),
  // A promise that never settles while a timer keeps the process busy: only a timeout ends it.
  stall: () => new Promise(() => setInterval(() => {}, 1000)),
  busy: () => {
    for (;;);
  },
  // The JavaScript heap grows until V8 gives up.
  heap: () => {
    const hoard = [];
    for (;;) hoard.push({ values: new Array(1024).fill(Math.random()) });
  },
  // 40 MB of memory outside the JavaScript heap kept per call (written, so it is resident).
  retain: (proceed) => {
    retained.push(new Float64Array(5_000_000).fill(1));
    return proceed();
  },
  uncaught: (proceed) => {
    setTimeout(() => {
      throw new Error(`planted fault ${process.env.BNKIT_FAULT}`);
    });
    return proceed();
  },
  unhandled: (proceed) => {
    void Promise.reject(new Error(`planted fault ${process.env.BNKIT_FAULT}`));
    return proceed();
  },
};

/** The sites, and the actions tried at each (the campaign runs every pair; tests pick some). */
export const FAULTS = {
  import: ['exit0', 'exit1', 'sigkill', 'throw', 'uncaught', 'unhandled', 'busy', 'heap'],
  factory: ['exit0', 'exit3', 'sigkill', 'throw', 'reject', 'never', 'stall', 'busy', 'heap', 'uncaught', 'unhandled', 'null'],
  kernel: ['exit0', 'exit1', 'sigkill', 'sigterm', 'throw', 'never', 'stall', 'busy', 'heap', 'retain', 'uncaught', 'unhandled', 'exitcode0', 'leak', 'wrong'],
  read: ['exit0', 'sigkill', 'throw', 'never', 'stall', 'busy', 'heap'],
  close: ['exit0', 'sigkill', 'throw', 'reject', 'never', 'stall', 'busy', 'missing', 'exitcode0'],
  device: ['throw', 'exit0', 'busy', 'missing'],
  memory: ['throw', 'garbage', 'exit0', 'missing'],
};

const [site, action] = (process.env.BNKIT_FAULT ?? '').split(/-(.*)/s);
if (process.env.BNKIT_FAULT && !FAULTS[site]?.includes(action)) throw new Error(`BNKIT_FAULT=${process.env.BNKIT_FAULT}: not one of the faults of misbehaving.js`);

/** Runs the fault if it strikes here, else (or after a fault that proceeds) the real call. */
function at(here, proceed) {
  if (site !== here || !(action in ACTIONS)) return proceed();
  return ACTIONS[action](proceed);
}

// Import-time faults strike while the suite loads this module.
at('import', () => undefined);

/** A kernel result with y shifted: a wrong answer every check on y rejects. */
function wrong(base, result) {
  const y = result.y;
  return base.read(y).then((data) => {
    base.dispose(y);
    return { ...result, y: base.upload(data.map((v) => v + 0.25), y.shape) };
  });
}

export default async function createBackend(options) {
  const base = await createTs(options);
  const backend = {
    specificationVersion: SPECIFICATION_VERSION,
    name: 'misbehaving',
    capabilities: base.capabilities,
    upload: (data, shape, dtype) => base.upload(data, shape, dtype),
    read: (t) => at('read', () => base.read(t)),
    reshape: (t, shape) => base.reshape(t, shape),
    dispose: (t) => base.dispose(t),
    memory: () => at('memory', () => base.memory()),
    close: () => at('close', () => base.close()),
  };
  Object.defineProperty(backend, 'device', { enumerable: true, configurable: true, get: () => at('device', () => ({ ...base.device, description: `backend-ts with the fault ${process.env.BNKIT_FAULT}` })) });
  for (const k of [...KERNEL_GROUPS.batchNorm, ...KERNEL_GROUPS.training]) backend[k] = (...args) => base[k](...args);
  backend.batchNormTrain = (inputs, attrs) => at('kernel', () => base.batchNormTrain(inputs, attrs));
  switch (`${site}-${action}`) {
    case 'factory-null':
      return null;
    case 'close-missing':
      delete backend.close;
      break;
    case 'device-missing':
      Object.defineProperty(backend, 'device', { value: undefined });
      break;
    case 'memory-missing':
      delete backend.memory;
      break;
    case 'memory-garbage':
      backend.memory = () => ({ tensors: 'many', bytes: -1 });
      break;
    case 'kernel-leak':
      // Ten tensors per call that nobody is handed, so nobody can dispose them.
      backend.batchNormTrain = async (inputs, attrs) => {
        for (let i = 0; i < 10; i++) base.upload(new Float32Array(4), [4]);
        return base.batchNormTrain(inputs, attrs);
      };
      break;
    case 'kernel-wrong':
      backend.batchNormTrain = async (inputs, attrs) => wrong(base, await base.batchNormTrain(inputs, attrs));
      break;
    case 'kernel-exitcode0':
    case 'close-exitcode0':
      // A wrong answer, and backend code that tries to make the failing run exit 0.
      backend.batchNormTrain = async (inputs, attrs) => {
        if (site === 'kernel') process.exitCode = 0;
        return wrong(base, await base.batchNormTrain(inputs, attrs));
      };
      if (site === 'close') backend.close = async () => {
        process.exitCode = 0;
        await base.close();
      };
      break;
  }
  return at('factory', () => backend);
}
