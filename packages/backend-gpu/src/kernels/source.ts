/*
 * Kernel sources are gpu.js kernel functions as text. Shapes and fixed attributes are written into the text
 * as literals: loops get constant bounds (which gpu.js emits as plain WGSL loops) and the text doubles as
 * the compile-cache key. Values that change from call to call (momentum, eps, lr) are kernel arguments.
 */
export function kernelSource(params: readonly string[], body: string): string {
  return `function (${params.join(', ')}) {\n${body}\n}`;
}

/**
 * Statements declaring `names[k]` as the row-major coordinates of the flat index expression `flat` in a
 * tensor of shape `dims` (same length as names). Uses divFloor, which is exact on every gpu.js mode.
 */
export function unravel(flat: string, names: readonly string[], dims: readonly number[]): string {
  const lines: string[] = [];
  let rest = flat;
  for (let k = names.length - 1; k > 0; k--) {
    const q = `${names[k]}_rest`;
    lines.push(`const ${q} = divFloor(${rest}, ${dims[k]});`, `const ${names[k]} = ${rest} - ${q} * ${dims[k]};`);
    rest = q;
  }
  lines.push(`const ${names[0]} = ${rest};`);
  return lines.join('\n');
}
