/** Height and width of a Fashion-MNIST image. */
export const IMAGE_SIZE = 28;
/** Values per image (1 channel × 28 × 28). */
export const PIXELS = IMAGE_SIZE * IMAGE_SIZE;
/** Fashion-MNIST has ten classes, labelled 0..9. */
export const NUM_CLASSES = 10;
/** Class names in label order (Zalando's Fashion-MNIST). */
export const CLASS_NAMES: readonly string[] = Object.freeze([
  'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
]);

/** A set of labelled images in NCHW layout, pixels as float32 in [0, 1]. */
export interface LabeledImages {
  /** `count * 1 * 28 * 28` values, image after image. */
  readonly images: Float32Array;
  /** `count` class labels in [0, 10). */
  readonly labels: Int32Array;
  readonly count: number;
  /** Shape of one image: [channels, height, width]. */
  readonly shape: readonly [1, 28, 28];
}

/** A training set and a test set. */
export interface FashionMnist {
  readonly train: LabeledImages;
  readonly test: LabeledImages;
}

/** The shape every LabeledImages carries. */
export const IMAGE_SHAPE: readonly [1, 28, 28] = Object.freeze([1, 28, 28] as const);

/** Raw images as stored on disk: one byte per pixel (0..255), labels as bytes. */
export interface RawImages {
  readonly pixels: Uint8Array;
  readonly labels: Uint8Array;
  readonly count: number;
}

/** Progress of a slow step (building the cache), for a progress bar. */
export interface LoadProgress {
  readonly phase: 'convert';
  /** Units done so far and in total (source files for 'convert'). */
  readonly done: number;
  readonly total: number;
  /** What is being worked on, e.g. the file just read. */
  readonly detail: string;
}

/** Scales bytes 0..255 to float32 in [0, 1], as `uint8 / 255` does in PyTorch. */
export function toLabeledImages(raw: RawImages): LabeledImages {
  const lut = new Float32Array(256);
  for (let v = 0; v < 256; v++) lut[v] = v / 255;
  const images = new Float32Array(raw.pixels.length);
  for (let i = 0; i < images.length; i++) images[i] = lut[raw.pixels[i]];
  return { images, labels: Int32Array.from(raw.labels), count: raw.count, shape: IMAGE_SHAPE };
}
