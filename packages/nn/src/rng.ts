// The seeded generator lives in @bnkit/core, the lowest package every user of it (nn, conformance) shares.
export { mulberry32, deriveSeed, permutation, seedToUint32, type Rng } from '@bnkit/core';
