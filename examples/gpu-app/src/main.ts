#!/usr/bin/env node
import type { DeviceChoice } from '@bnkit/backend-gpu';
import { train } from './train.js';

/**
 * Usage: bnkit-gpu-app [steps] [batchSize] [device] — trains LeNet-BN on synthetic data and prints the loss.
 * device is the gpu backend's: auto (default; a software WebGPU adapter ranks below webasm), webgpu, webasm, cpu.
 */
const [stepsArg, batchArg, device = 'auto'] = process.argv.slice(2);
const steps = stepsArg === undefined ? 20 : Number(stepsArg);
const batchSize = batchArg === undefined ? 64 : Number(batchArg);
const result = await train({ steps, batchSize, device: device as DeviceChoice, log: (line) => console.log(line) });
const head = result.losses.slice(0, 3);
const tail = result.losses.slice(-3);
const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
console.log(
  `loss ${mean(head).toFixed(4)} (first steps) -> ${mean(tail).toFixed(4)} (last steps), ` +
    `${result.msPerStep.toFixed(1)} ms per step on ${result.device}`,
);
