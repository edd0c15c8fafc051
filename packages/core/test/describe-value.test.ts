import { describe, expect, it } from 'vitest';
import { describeValue } from '../src/describe-value.js';

describe('describeValue (how error messages show what a caller passed)', () => {
  it('writes numbers as numbers, NaN and infinities included, and JSON values as JSON', () => {
    expect([NaN, -Infinity, -1e-5, 0].map(describeValue)).toEqual(['NaN', '-Infinity', '-0.00001', '0']);
    expect(describeValue([2, '3', null])).toBe('[2,"3",null]');
    expect(describeValue(undefined)).toBe('undefined');
  });

  it('never throws on what JSON cannot write: BigInts, symbols, structures that contain themselves', () => {
    const circular: unknown[] = [1];
    circular.push(circular);
    const noPrototype = Object.create(null) as object;
    expect(describeValue(5n)).toBe('5n');
    expect(describeValue([5n, 1])).toBe('["5n",1]');
    expect(describeValue(Symbol('x'))).toBe('Symbol(x)');
    expect(describeValue(circular)).toMatch(/an array that JSON cannot write/);
    expect(describeValue(noPrototype)).toBe('{}');
  });
});
