import type { Dawn } from './dawn-node.js';

export type { Dawn };

/** Where WebGPU comes from, for the device description. */
export const WEBGPU_VIA = "the page's WebGPU (navigator.gpu)";

/** Where there is no Node there is no Dawn package: WebGPU is the page's navigator.gpu or nothing. */
export function loadDawn(): Promise<Dawn> {
  return Promise.reject(new Error('navigator.gpu is undefined: this browser or page has no WebGPU (in Chromium: a secure context, and --enable-unsafe-webgpu where WebGPU is not yet on by default)'));
}
