/*
 * The inverse of a strided window: which output position `o` has input position `i` at window offset `k`
 * (i = o·stride + k − pad). Shared by the input gradients of convolution and pooling.
 */

/**
 * Statements that, given `${i}` and loop offset `${k}`, declare `${o}` and a boolean-valued `${o}_ok` saying
 * whether that output position exists. With stride 1 no division is needed.
 */
export function windowSource(i: string, k: string, o: string, stride: number, pad: number, outSize: number): string {
  const t = `${o}_t`;
  if (stride === 1) {
    return `const ${o} = ${i} + ${pad} - ${k};\nconst ${o}_ok = ${o} >= 0 && ${o} < ${outSize};`;
  }
  return (
    `const ${t} = ${i} + ${pad} - ${k};\n` +
    `const ${o} = divFloor(${t}, ${stride});\n` +
    `const ${o}_ok = ${t} >= 0 && ${o} * ${stride} === ${t} && ${o} < ${outSize};`
  );
}
