/*
 * Floating-point work of one LeNet-BN training example, derived from the architecture rather than typed in,
 * so GFLOP/s figures are honest about what was counted.
 *
 * Counted: the multiply-adds of the convolutions and linear layers (2 FLOP each). A training step runs each
 * of them three times: forward, input gradient, weight gradient (the usual "model FLOPs" convention, which
 * also charges the first layer's input gradient that backends may skip). BatchNorm, sigmoid, pooling, loss
 * and SGD are elementwise and add a few per cent; they are left out so the count stays comparable across
 * frameworks.
 */

export type LayerSpec =
  | { readonly kind: 'conv'; readonly name: string; readonly out: number; readonly kernel: number }
  | { readonly kind: 'pool'; readonly name: string; readonly size: number }
  | { readonly kind: 'linear'; readonly name: string; readonly out: number };

/** LeNet-BN (docs/lenet-bn.md); BatchNorm and sigmoid layers keep shapes and carry no multiply-adds. */
export const LENET_BN_LAYERS: readonly LayerSpec[] = [
  { kind: 'conv', name: 'conv1', out: 6, kernel: 5 },
  { kind: 'pool', name: 'pool1', size: 2 },
  { kind: 'conv', name: 'conv2', out: 16, kernel: 5 },
  { kind: 'pool', name: 'pool2', size: 2 },
  { kind: 'linear', name: 'fc1', out: 120 },
  { kind: 'linear', name: 'fc2', out: 84 },
  { kind: 'linear', name: 'fc3', out: 10 },
];

/** LeNet's input: one 28×28 channel. */
export const LENET_INPUT: readonly [number, number, number] = [1, 28, 28];

export interface FlopCount {
  /** Multiply-adds of each conv / linear layer in one forward pass of one example. */
  readonly macsPerLayer: Readonly<Record<string, number>>;
  /** FLOP of one example's forward pass (2 per multiply-add). */
  readonly forward: number;
  /** FLOP of one example's forward + backward pass (3 × forward). */
  readonly training: number;
}

/** Walks the layers from a [channels, height, width] input (valid convolutions, stride 1). */
export function countFlops(layers: readonly LayerSpec[], input: readonly [number, number, number]): FlopCount {
  let [c, h, w] = input;
  let features = 0; // set once the network is flattened into a linear layer
  const macsPerLayer: Record<string, number> = {};
  for (const layer of layers) {
    if (layer.kind === 'conv') {
      h = h - layer.kernel + 1;
      w = w - layer.kernel + 1;
      macsPerLayer[layer.name] = layer.out * h * w * c * layer.kernel * layer.kernel;
      c = layer.out;
    } else if (layer.kind === 'pool') {
      h = Math.floor(h / layer.size);
      w = Math.floor(w / layer.size);
    } else {
      const inFeatures = features || c * h * w;
      macsPerLayer[layer.name] = inFeatures * layer.out;
      features = layer.out;
    }
  }
  const forward = 2 * Object.values(macsPerLayer).reduce((s, m) => s + m, 0);
  return { macsPerLayer, forward, training: 3 * forward };
}

export const LENET_BN_FLOPS: FlopCount = countFlops(LENET_BN_LAYERS, LENET_INPUT);
