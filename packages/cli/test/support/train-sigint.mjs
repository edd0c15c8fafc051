// pnpm train whose stderr sends this process SIGINT as the first progress line of epoch 1 is written, as a
// person pressing Ctrl-C at that moment would: a deterministic point, right after the batch that line reports.
import { trainCommand } from '../../dist/train/command.js';
import { runCommand } from '../../dist/ui/command.js';

let sent = false;
const stderr = {
  isTTY: false,
  write(text) {
    process.stderr.write(text);
    if (!sent && /^epoch 1\/\d+ +\d+% /.test(text)) {
      sent = true;
      process.kill(process.pid, 'SIGINT');
    }
    return true;
  },
};
process.exitCode = await runCommand(trainCommand({ stdout: process.stdout, stderr }), process.argv.slice(2));
