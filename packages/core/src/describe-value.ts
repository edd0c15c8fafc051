/**
 * A value a caller passed, as an error message shows it: a number as written (`NaN`, `-1e-5`), a BigInt as
 * `5n`, a symbol as `Symbol(x)`, anything else as its JSON (`[2,"3"]`, `null`, `"abc"`) or, for what JSON
 * cannot write, `String(value)` (undefined, a function) or a short description (a structure that refers
 * to itself, an object without a prototype's toString). Never throws: the message of a typed error must
 * not itself fail with a raw TypeError.
 */
export function describeValue(value: unknown): string {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'symbol') return value.toString();
  try {
    return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)) ?? String(value);
  } catch {
    return `${Array.isArray(value) ? 'an array' : 'an object'} that JSON cannot write (it contains itself)`;
  }
}
