import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, checkBackendOptions } from '@bnkit/core';

const RULES = { threads: null, device: ['auto', 'cpu'] } as const;

function refusal(options: unknown): InvalidArgumentError {
  try {
    checkBackendOptions('tiny', options, RULES);
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidArgumentError);
    return e as InvalidArgumentError;
  }
  throw new Error(`options ${JSON.stringify(options)} were accepted`);
}

describe('checkBackendOptions', () => {
  it('accepts no options, known options, allowed values and options given as undefined', () => {
    for (const options of [undefined, {}, { threads: 3 }, { device: 'cpu' }, { device: undefined, threads: undefined }]) {
      expect(() => checkBackendOptions('tiny', options, RULES)).not.toThrow();
    }
  });

  it('refuses an unknown option, naming it and listing the allowed ones', () => {
    const e = refusal({ thraeds: 1 });
    expect(e.code).toBe('INVALID_ARGUMENT');
    expect(e.message).toContain("'thraeds'");
    expect(e.message).toContain('threads, device');
  });

  it('refuses a value outside the listed ones, with the list', () => {
    const e = refusal({ device: 'webgpu' });
    expect(e.message).toContain('"webgpu"');
    expect(e.message).toContain("'auto', 'cpu'");
  });

  it('refuses options that are not an object', () => {
    for (const options of [null, 3, 'cpu', ['cpu']]) expect(refusal(options).message).toContain('must be an object');
  });

  it('leaves the value of an option ruled null to the backend', () => {
    expect(() => checkBackendOptions('tiny', { threads: 'many' }, RULES)).not.toThrow();
  });
});
