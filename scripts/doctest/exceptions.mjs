// The documented samples and commands the doc test does not run as written, each with why. An entry names
// its file and either `command`, a shell command exactly as documented (its trailing `# comment` aside), or
// `includes`, a piece of text of the code block it covers; an entry that matches nothing fails the doc
// test, so this list cannot outlive what it excuses. `instead`, where given, is what runs in its place.

export const EXCEPTIONS = [
  {
    file: 'README.md',
    command: 'npm install -g pnpm@10 && pnpm install && pnpm conformance --backend=ts',
    reason: 'installs pnpm globally, which the machine running the doc test already has',
    instead: 'pnpm install --frozen-lockfile --offline && pnpm conformance --backend=ts',
  },
  { file: 'README.md', command: 'pnpm test', reason: '`pnpm test` runs this doc test' },
  {
    file: 'README.md',
    command: 'pnpm conformance:web',
    reason: 'serves the pages until stopped; web/test/pages.test.ts starts the same server and drives both pages in Chromium',
    instead: 'pnpm conformance:web --help',
  },
  {
    file: 'packages/cli/README.md',
    command: 'pnpm train',
    reason: 'long (marked so in the README): 10 epochs on 60,000 images; the quick variant on the next line runs',
  },
  {
    file: 'packages/cli/README.md',
    command: 'pnpm experiment',
    reason: 'long (marked so in the README): hours on the ts backend; `--quick` runs',
  },
  {
    file: 'packages/backend-tfjs/README.md',
    command: 'pnpm add @tensorflow/tfjs-node-gpu',
    reason: 'adds a native CUDA package to the project: it needs an NVIDIA GPU and changes the lockfile',
  },
  {
    file: 'conformance/README.md',
    includes: "import { describeBackend } from '@bnkit/conformance/vitest';",
    reason: 'runs inside a vitest run (vitest is not among the packed packages); conformance/test/vitest-entry.test.ts runs describeBackend',
  },
  {
    file: 'fixtures/README.md',
    includes: 'const y = run(c);',
    reason: 'a fragment: `run` stands for the reader\'s own implementation',
  },
  {
    file: 'fixtures/README.md',
    includes: '"format": "bnkit-fixture/1"',
    reason: 'an abridged example (`...` stands for the data)',
  },
  {
    file: 'packages/nn/README.md',
    includes: 'const loss = await trainStep(model, x, labels, 0.5);',
    reason: 'a fragment: `model`, `x` and `labels` come from the samples above',
  },
  {
    file: 'packages/nn/README.md',
    includes: "const convOnly = lenetBN(backend, { seed: 0, bnStages: [1, 2] });",
    reason: 'a fragment: `backend` comes from the samples above',
  },
  {
    file: 'packages/nn/README.md',
    includes: 'sgd: { momentum: 0.9, weightDecay: 5e-4 }',
    reason: 'a fragment: `model` and `train` come from the samples above',
  },
  {
    file: 'packages/nn/README.md',
    includes: '"format": "bnkit-checkpoint"',
    reason: 'an abridged example of the checkpoint header (`...` stands for the rest of the model)',
  },
  {
    file: 'packages/data/README.md',
    includes: 'interface LabeledImages {',
    reason: 'a type declaration shown for reference, not a program',
  },
];
