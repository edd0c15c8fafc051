import type { DeviceInfo } from '@bnkit/core';

/** "ts on cpu (2 threads)", with the backend's own description when it gives one. */
export function describeDevice(backendName: string, device: DeviceInfo): string {
  const why = device.description ? ` — ${device.description}` : '';
  return `${backendName} on ${device.kind} (${device.name})${why}`;
}

/** Values with 4 decimals, as d2l prints `net[1].gamma`. */
export function formatVector(values: ArrayLike<number>): string {
  return `[${Array.from(values, (v) => v.toFixed(4)).join(', ')}]`;
}

/** "ts (cpu, 2 threads)", for the closing throughput line. */
export function shortDevice(backendName: string, device: DeviceInfo): string {
  return `${backendName} (${device.kind}, ${device.name})`;
}
