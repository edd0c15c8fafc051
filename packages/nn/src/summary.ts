import { formatShape, sizeOf, type Shape } from '@bnkit/core';
import type { NamedLayers } from './layer.js';

/** One layer of a model summary. */
export interface LayerSummary {
  readonly name: string;
  readonly description: string;
  /** Output shape for a batch of one (the batch axis is `N` in the text). */
  readonly outputShape: Shape;
  /** Trainable values (weights, biases, gamma, beta). */
  readonly parameters: number;
  /** Non-trainable values (running statistics). */
  readonly buffers: number;
}

export interface ModelSummary {
  /** One example's shape, without the batch axis. */
  readonly inputShape: Shape;
  readonly layers: readonly LayerSummary[];
  readonly parameters: number;
  readonly buffers: number;
  /** A table as `Sequential.summary()` prints it: one row per layer, then the totals. */
  readonly text: string;
}

const count = (tensors: Readonly<Record<string, { readonly shape: Shape }>>): number =>
  Object.values(tensors).reduce((s, t) => s + sizeOf(t.shape), 0);

const batchShape = (shape: Shape): string => formatShape(shape).replace(/^\[\d+/, '[N');

/** Builds the summary of `layers` from the output shape each produced (in order). */
export function summarise(inputShape: Shape, layers: NamedLayers, outputShapes: readonly Shape[]): ModelSummary {
  const rows: LayerSummary[] = layers.map(([name, layer], i) => ({
    name, description: layer.description, outputShape: outputShapes[i], parameters: count(layer.parameters()), buffers: count(layer.buffers()),
  }));
  const parameters = rows.reduce((s, r) => s + r.parameters, 0);
  const buffers = rows.reduce((s, r) => s + r.buffers, 0);
  const n = (v: number): string => v.toLocaleString('en-US');
  const table = [
    ['layer', 'type', 'output shape', 'parameters', 'buffers'],
    ['input', '', batchShape([1, ...inputShape]), '', ''],
    ...rows.map((r) => [r.name, r.description, batchShape(r.outputShape), n(r.parameters), n(r.buffers)]),
  ];
  const widths = table[0].map((_, c) => Math.max(...table.map((row) => row[c].length)));
  // Text columns left-aligned, counts right-aligned.
  const line = (row: string[]): string => row.map((cell, c) => (c >= 3 ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ').trimEnd();
  const text = [
    ...table.map(line),
    `total: ${n(parameters)} parameters (trainable) + ${n(buffers)} buffer values (running statistics) = ${n(parameters + buffers)} values`,
  ].join('\n');
  return { inputShape, layers: rows, parameters, buffers, text };
}
