import type { Backend, BatchNormAttrs, Tensor } from '@bnkit/core';

/*
 * The packages some checks need beyond the contract: the TypeScript reference backend (checks 9 and 12),
 * @bnkit/nn (the lenetBN fixtures, check 10) and @bnkit/data (check 10's Fashion-MNIST). They are optional
 * peers, imported only when a check runs, so gating a backend installs none of them and the built-in backends
 * can run this suite in their own tests without a dependency circle. The suite is built before them, so
 * what it uses of each is typed here (test/optional-peers.test.ts holds these types against the packages).
 */

/** A check needs an optional peer that is not installed: the check reports SKIP with this message. */
export class OptionalPeerMissingError extends Error {
  readonly code = 'OPTIONAL_PEER_MISSING';
  constructor(readonly packageName: string, neededFor: string) {
    super(`${neededFor} needs ${packageName}, which is not installed (npm install --save-dev ${packageName})`);
    this.name = 'OptionalPeerMissingError';
  }
}

function isNotFound(e: unknown, packageName: string): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && String((e as Error).message).includes(packageName);
}

/** Peers handed over by provideOptionalPeers, by package name. */
const provided = new Map<string, unknown>();

/**
 * Hands the suite its optional peers as modules, where `import(name)` cannot find packages at run time (a
 * page's bundle): the conformance page passes @bnkit/backend-ts, @bnkit/nn and @bnkit/data it bundled.
 */
export function provideOptionalPeers(modules: Readonly<Record<string, unknown>>): void {
  for (const [name, module] of Object.entries(modules)) provided.set(name, module);
}

/** Imports an optional peer; OptionalPeerMissingError when it is absent, any other failure as it is. */
export async function importOptional<M>(packageName: string, neededFor: string): Promise<M> {
  if (provided.has(packageName)) return provided.get(packageName) as M;
  try {
    return (await import(packageName)) as M;
  } catch (e) {
    if (isNotFound(e, packageName)) throw new OptionalPeerMissingError(packageName, neededFor);
    throw e;
  }
}

/** What the suite uses of @bnkit/backend-ts. */
export interface BackendTsModule {
  createBackend(): Promise<Backend>;
  isTsBackend(backend: unknown): boolean;
}

/** A running statistic of an @bnkit/nn model. */
export interface NnStateTensor {
  readonly value: Tensor;
}

/** A parameter of an @bnkit/nn model, with the gradient of the last backward pass (null before). */
export interface NnParameter extends NnStateTensor {
  readonly grad: Tensor | null;
}

/** What the suite uses of an @bnkit/nn Sequential. */
export interface NnModel {
  forward(x: Tensor, options: { readonly training: boolean }): Promise<Tensor>;
  backward(dy: Tensor): Promise<void>;
  namedParameters(): ReadonlyArray<readonly [string, NnParameter]>;
  namedBuffers(): ReadonlyArray<readonly [string, NnStateTensor]>;
  loadState(record: Readonly<Record<string, Float32Array>>): void;
  dispose(): void;
}

/** A labelled image set: what @bnkit/data loads and @bnkit/nn's fit trains on. */
export interface NnLabeledImages {
  readonly images: Float32Array;
  readonly labels: Int32Array;
  readonly count: number;
  readonly shape: readonly [number, number, number];
}

/** One epoch of @bnkit/nn's fit history. */
export interface NnEpochRow {
  readonly trainAcc: number;
  readonly testAcc: number | null;
  readonly seconds: number;
}

/** What the suite uses of @bnkit/nn. */
export interface NnModule {
  lenetBN(backend: Backend, options: { readonly bn?: Partial<BatchNormAttrs>; readonly seed?: number }): NnModel;
  trainStep(model: NnModel, x: Tensor, labels: Tensor, lr: number): Promise<number>;
  // Method syntax, so the parameters compare bivariantly: nn's fit takes its Sequential, of which NnModel is a view.
  'fit'(
    model: NnModel,
    train: NnLabeledImages,
    options: { readonly lr: number; readonly batchSize: number; readonly epochs: number; readonly seed: number; readonly test: NnLabeledImages },
  ): Promise<{ readonly history: readonly NnEpochRow[] }>;
}

/** What the suite uses of @bnkit/data. */
export interface DataModule {
  loadFashionMnist(): Promise<{ readonly train: NnLabeledImages; readonly test: NnLabeledImages }>;
  takePerClass(data: NnLabeledImages, perClass: number): NnLabeledImages;
}

export const backendTs = (neededFor: string): Promise<BackendTsModule> => importOptional('@bnkit/backend-ts', neededFor);
export const nn = (neededFor: string): Promise<NnModule> => importOptional('@bnkit/nn', neededFor);
export const data = (neededFor: string): Promise<DataModule> => importOptional('@bnkit/data', neededFor);
