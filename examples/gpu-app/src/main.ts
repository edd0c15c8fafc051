#!/usr/bin/env node
import { train } from './train.js';

/** Usage: bnkit-gpu-app [steps] [batchSize] — trains LeNet-BN on synthetic data and prints the loss. */
const [steps = 20, batchSize = 64] = process.argv.slice(2).map(Number);
const result = await train({ steps, batchSize, log: (line) => console.log(line) });
const head = result.losses.slice(0, 3);
const tail = result.losses.slice(-3);
const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
console.log(
  `loss ${mean(head).toFixed(4)} (first steps) -> ${mean(tail).toFixed(4)} (last steps), ` +
    `${result.msPerStep.toFixed(1)} ms per step on ${result.device}`,
);
