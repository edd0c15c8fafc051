// The documented samples and commands the doc test does not run as written, each with why. An entry names
// its file and either `command`, a shell command exactly as documented (its trailing `# comment` aside), or
// `includes`, a piece of text of the code block it covers; an entry that matches nothing fails the doc
// test, so this list cannot outlive what it excuses. `instead`, where given, is what runs in its place;
// `requires: 'torch'` marks a command that runs only where a python3 imports torch (skipped elsewhere, as
// PyTorch is optional in bnkit).

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

  // Commands written inline, in tables and sentences (the rest of them run, or are the same as a block's).
  {
    file: 'README.md',
    command: 'pnpm conformance --backend=gpu --device=webgpu',
    reason: 'the unpinned default run on a software adapter takes tens of minutes; `pnpm test` runs its CI gate, this command with --profile=training --lenet=quick and a pinned seed and run count (scripts/conformance-gates.mjs)',
  },
  { file: 'README.md', command: 'pnpm train --backend=ts', reason: 'long: 10 epochs on 60,000 images; packages/cli/README.md\'s quick variant runs' },
  {
    file: 'README.md',
    command: 'pnpm bench',
    reason: 'long: every backend, on lavapipe too, with its anchors; `pnpm bench --quick --backends ts` runs instead',
    instead: 'pnpm bench --quick --backends ts',
  },
  { file: 'README.md', command: 'pnpm test:campaign', reason: '`pnpm test` runs it just before this doc test' },
  { file: 'README.md', command: 'pnpm docs:api', reason: '`pnpm test` runs it just before this doc test' },
  { file: 'README.md', command: 'pnpm test:docs', reason: 'this doc test' },
  { file: 'README.md', command: 'pnpm campaign', reason: 'long: the full campaign (over 10,000 trials); `pnpm test` runs its bounded sample (`pnpm test:campaign`)' },
  { file: 'README.md', command: 'npm init -y', reason: 'every project of this doc test is made with it (scripts/doctest/projects.mjs)' },
  { file: 'README.md', command: 'pnpm typecheck', reason: '`.ci/run` runs it before `pnpm test`' },
  {
    file: 'README.md',
    command: 'pnpm conformance --backend=./my-backend.js --profile=training --junit=report.xml',
    reason: 'names the reader\'s own backend file; conformance/README.md\'s recipe writes a backend and gates it in a project of its own',
  },
  { file: 'packages/backend-tfjs/README.md', command: 'pnpm approve-builds', reason: 'interactive, and part of installing the native tfjs-node-gpu package (see `pnpm add @tensorflow/tfjs-node-gpu`)' },
  { file: 'packages/backend-tfjs/README.md', command: 'pnpm rebuild', reason: 'part of installing the native tfjs-node-gpu package (see `pnpm add @tensorflow/tfjs-node-gpu`)' },
  {
    file: 'packages/backend-tfjs/README.md',
    command: "node -e \"import('@bnkit/backend-tfjs').then(async m => { const b = await m.createBackend({ device: 'tensorflow' }); console.log(b.device); await b.close(); })\"",
    reason: 'checks an installed @tensorflow/tfjs-node-gpu, which needs an NVIDIA GPU; backend-tfjs\'s tests check the refusal where it is missing',
  },
  { file: 'packages/backend-tfjs/README.md', command: 'pnpm --filter @bnkit/backend-tfjs test', reason: '`pnpm test` runs every package\'s tests' },
  { file: 'packages/backend-ts/README.md', command: 'node --cpu-prof', reason: 'a node flag named in a sentence, not a command' },
  { file: 'packages/backend-ts/README.md', command: 'pnpm --filter @bnkit/backend-ts test', reason: '`pnpm test` runs every package\'s tests' },
  { file: 'packages/cli/README.md', command: 'pnpm --filter @bnkit/cli test', reason: '`pnpm test` runs every package\'s tests' },
  { file: 'packages/data/README.md', command: 'pnpm --filter @bnkit/data test', reason: '`pnpm test` runs every package\'s tests' },
  { file: 'fixtures/README.md', command: 'pnpm --filter @bnkit/fixtures test', reason: '`pnpm test` runs every package\'s tests' },
  {
    file: 'fixtures/README.md',
    command: 'python3 generate.py --check',
    reason: 'runs in fixtures/pytorch/ with the PyTorch the cases were made with (2.11); the fixtures package\'s tests check every stored case against its schema and rule',
  },
  { file: 'conformance/README.md', command: 'npx bnkit-conformance', reason: 'the bin\'s name in a sentence; the recipe below runs it with its arguments' },
  {
    file: 'packages/nn/README.md',
    command: 'node packages/cli/scripts/pytorch-exchange.mjs',
    requires: 'torch',
    reason: 'trains in PyTorch as well (python3 with torch)',
  },
];
