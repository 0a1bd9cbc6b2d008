/** Byte ranges of decoded media (both hosts): seeking in the player depends on them. */
import { describe, expect, test } from 'vitest';
import { mediaResponseHead, parseByteRange } from '../main/http/byte-range.js';

describe('parseByteRange', () => {
  test('no header, or one that is not a single byte range, sends the whole file', () => {
    for (const h of [undefined, null, '', 'bytes=-', 'items=0-1', 'bytes=0-1,4-5', 'bytes=a-b']) {
      expect(parseByteRange(h, 100), String(h)).toEqual({ kind: 'ok', start: 0, end: 99, partial: false });
    }
  });

  test('start-end, open-ended and suffix ranges', () => {
    expect(parseByteRange('bytes=44-99', 1000)).toEqual({ kind: 'ok', start: 44, end: 99, partial: true });
    expect(parseByteRange('bytes=990-', 1000)).toEqual({ kind: 'ok', start: 990, end: 999, partial: true });
    expect(parseByteRange('bytes=-10', 1000)).toEqual({ kind: 'ok', start: 990, end: 999, partial: true });
    // An end past the file is cut to the file; a suffix longer than the file is the whole file.
    expect(parseByteRange('bytes=10-5000', 1000)).toEqual({ kind: 'ok', start: 10, end: 999, partial: true });
    expect(parseByteRange('bytes=-5000', 1000)).toEqual({ kind: 'ok', start: 0, end: 999, partial: true });
  });

  test('ranges outside the file are unsatisfiable', () => {
    expect(parseByteRange('bytes=1000-', 1000)).toEqual({ kind: 'unsatisfiable' });
    expect(parseByteRange('bytes=50-10', 1000)).toEqual({ kind: 'unsatisfiable' });
    expect(parseByteRange('bytes=-0', 1000)).toEqual({ kind: 'unsatisfiable' });
    expect(parseByteRange('bytes=0-', 0)).toEqual({ kind: 'unsatisfiable' });
  });
});

describe('mediaResponseHead', () => {
  test('206 with Content-Range for a range, 200 without, 416 with the size', () => {
    expect(mediaResponseHead(parseByteRange('bytes=44-99', 1000), 1000)).toEqual({
      status: 206,
      headers: { 'content-type': 'audio/wav', 'accept-ranges': 'bytes', 'content-length': '56', 'content-range': 'bytes 44-99/1000', 'cache-control': 'no-store' },
    });
    const whole = mediaResponseHead(parseByteRange(undefined, 1000), 1000);
    expect(whole.status).toBe(200);
    expect(whole.headers['content-length']).toBe('1000');
    expect(whole.headers['content-range']).toBeUndefined();
    expect(mediaResponseHead(parseByteRange('bytes=2000-', 1000), 1000)).toEqual({ status: 416, headers: { 'content-range': 'bytes */1000' } });
  });
});
