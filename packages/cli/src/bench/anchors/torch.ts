import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Contender, RunTime } from '../timing.js';

/*
 * The PyTorch CPU anchor: torch_anchor.py in a child process, asked for one run at a time so its runs
 * interleave with bnkit's. The script lives beside this module's source (tsc does not copy it to dist).
 */
const SCRIPT = fileURLToPath(new URL('../../../src/bench/anchors/torch_anchor.py', import.meta.url));
/**
 * Interpreters tried in order, the first with torch wins: BNKIT_PYTHON when set, else python3 on PATH, then
 * the system's (a virtual environment on PATH often lacks torch where the distribution's python3-torch is).
 */
const PYTHONS = process.env.BNKIT_PYTHON ? [process.env.BNKIT_PYTHON] : ['python3', '/usr/bin/python3'];
/** Longest one request may take (a LeNet-BN step takes ~40 ms); a hung child must not stall the bench. */
const REQUEST_TIMEOUT_MS = 60_000;

export type TorchOp = 'lenet' | 'bn_forward' | 'bn_backward' | 'conv1_forward' | 'conv1_backward' | 'conv2_forward' | 'conv2_backward';

interface Reply {
  readonly ok: boolean;
  readonly reason?: string;
  readonly torch?: string;
  readonly wallMs?: number;
  readonly cpuMs?: number;
  readonly value?: number | null;
}

export interface TorchRun extends RunTime {
  /** The loss of a LeNet-BN step; null for the kernel ops. */
  readonly value: number | null;
}

/** A running anchor process with `threads` intra-op threads. */
export class TorchAnchor {
  private constructor(
    readonly threads: number,
    /** e.g. "PyTorch 1.13.0a0 CPU, 1 thread". */
    readonly name: string,
    private readonly child: ChildProcessWithoutNullStreams,
    private readonly lines: AsyncIterator<string>,
    private readonly readline: Interface,
  ) {}

  /** Starts the anchor, or says why it cannot run here (no python3, no torch). */
  static async start(threads: number, seed: number): Promise<TorchAnchor | { unavailable: string }> {
    const reasons: string[] = [];
    for (const python of PYTHONS) {
      const a = await TorchAnchor.#startWith(python, threads, seed);
      if (a instanceof TorchAnchor) return a;
      reasons.push(`${python}: ${a.unavailable}`);
    }
    return { unavailable: reasons.join('; ') };
  }

  static async #startWith(python: string, threads: number, seed: number): Promise<TorchAnchor | { unavailable: string }> {
    const child = spawn(python, [SCRIPT, String(threads), String(seed)], {
      // Passive: an idle OpenMP thread sleeps instead of spinning, so it costs no CPU between runs.
      env: { ...process.env, OMP_WAIT_POLICY: 'passive', OMP_NUM_THREADS: String(threads) },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-1000)));
    const spawnError = new Promise<{ unavailable: string }>((resolve) => {
      child.once('error', (e) => resolve({ unavailable: `cannot run it (${e.message})` }));
    });
    const readline = createInterface({ input: child.stdout });
    const lines = readline[Symbol.asyncIterator]();
    const first = await Promise.race([lines.next(), spawnError]);
    if ('unavailable' in first) return first;
    const reply = first.done ? undefined : (JSON.parse(first.value) as Reply);
    if (!reply?.ok) {
      child.kill();
      return { unavailable: reply?.reason ?? `${SCRIPT} ended without a result: ${stderr.trim().split('\n').pop() ?? ''}` };
    }
    return new TorchAnchor(threads, `PyTorch ${reply.torch} CPU, ${threads} thread${threads === 1 ? '' : 's'}`, child, lines, readline);
  }

  async run(op: TorchOp): Promise<TorchRun> {
    this.child.stdin.write(`${JSON.stringify({ op })}\n`);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${this.name}: no answer to '${op}' within ${REQUEST_TIMEOUT_MS / 1000} s`)), REQUEST_TIMEOUT_MS);
    });
    try {
      const next = await Promise.race([this.lines.next(), timeout]);
      if (next.done) throw new Error(`${this.name}: the process ended during '${op}'`);
      const reply = JSON.parse(next.value) as Reply;
      if (!reply.ok || reply.wallMs === undefined || reply.cpuMs === undefined) throw new Error(`${this.name}: ${reply.reason ?? 'malformed reply'}`);
      return { wallMs: reply.wallMs, cpuMs: reply.cpuMs, value: reply.value ?? null };
    } finally {
      clearTimeout(timer);
    }
  }

  /** A contender for timeInterleaved: the child's own timing of each run replaces the IPC round trip. */
  contender(op: TorchOp, after?: (run: TorchRun) => void): Contender<TorchRun> {
    return { run: () => this.run(op), measured: (r) => r, after };
  }

  close(): void {
    this.readline.close();
    this.child.stdin.end(`${JSON.stringify({ op: 'quit' })}\n`);
  }
}
