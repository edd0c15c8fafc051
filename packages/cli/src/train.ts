#!/usr/bin/env node
import { trainCommand } from './train/command.js';
import { runCommand } from './ui/command.js';

// Ctrl-C stops at the next batch, and fit saves the checkpoint; a second Ctrl-C quits at once.
process.exitCode = await runCommand(trainCommand(), process.argv.slice(2));
