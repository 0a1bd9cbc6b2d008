import { describe, expect, test } from 'vitest';
import { ERROR_CODES, FastAstError, isFastAstError } from '../app/common/errors.js';
import { ContractError, decodeFrame, encodeFrame, parseParams } from '../app/contract/index.js';
import { FastAstError as AppFastAstError } from '../app/errors.js';

describe('app/common errors: one coded error class', () => {
  test('carries its code and message, and is an Error', () => {
    const e = new FastAstError('AUDIO_EMPTY', 'x.wav: no audio');
    expect(e).toBeInstanceOf(Error);
    expect(e.code).toBe('AUDIO_EMPTY');
    expect(e.message).toBe('x.wav: no audio');
    expect(isFastAstError(e)).toBe(true);
    expect(isFastAstError(new Error('plain'))).toBe(false);
  });

  test('the app and the contract name the same class', () => {
    expect(AppFastAstError).toBe(FastAstError);
    expect(ContractError).toBe(FastAstError);
  });

  test('a payload that breaks the contract throws it coded BAD_REQUEST', () => {
    let caught: unknown;
    try {
      parseParams('file.open', {});
    } catch (e) {
      caught = e;
    }
    expect(isFastAstError(caught)).toBe(true);
    expect((caught as FastAstError).code).toBe('BAD_REQUEST');
  });

  test('codes are unique, and every one travels in an error response', () => {
    expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length);
    for (const code of ERROR_CODES) {
      const msg = decodeFrame(encodeFrame({ t: 'res', id: 1, ok: false, error: { code, message: 'm' } }));
      expect(msg).toEqual({ t: 'res', id: 1, ok: false, error: { code, message: 'm' } });
    }
  });

  test('an error response with a code outside the list is refused', () => {
    const frame = encodeFrame({ t: 'res', id: 1, ok: false, error: { code: 'NOPE' as never, message: 'm' } });
    expect(() => decodeFrame(frame)).toThrow(/error\.code: expected one of AUDIO_EMPTY/);
  });
});
