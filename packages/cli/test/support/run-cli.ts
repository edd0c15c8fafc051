import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** A built CLI entry point, by its file name in dist/ ('train.js', 'experiment.js', 'bench.js'). */
export const cliPath = (name: string): string => fileURLToPath(new URL(`../../dist/${name}`, import.meta.url));

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a built CLI; `onStderr` may act on the output as it arrives (e.g. send Ctrl-C). */
export function runCli(
  script: string, args: readonly string[], onStderr?: (text: string, child: ReturnType<typeof spawn>) => void, cwd?: string,
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'], cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d;
      onStderr?.(stderr, child);
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The options a parser returns for argv, failing the test on --help. */
export function optionsOf<O>(parse: (argv: readonly string[]) => { readonly help: true } | { readonly help: false; readonly options: O }, argv: string[]): O {
  const parsed = parse(argv);
  if (parsed.help) throw new Error(`expected options for ${JSON.stringify(argv)}, got --help`);
  return parsed.options;
}
