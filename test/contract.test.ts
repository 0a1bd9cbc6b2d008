import { describe, expect, test } from 'vitest';
import { ContractError, decodeFrame, encodeFrame, parseEvent, parseParams, parseResult, s, SEGMENT_EXPORT_FORMATS, selectionFromWire } from '../app/contract/index.js';
import { EXPORT_FORMATS } from '../app/export/export.js';

describe('contract frames', () => {
  test('typed arrays travel as raw bytes and come back equal', () => {
    const f32 = Float32Array.from([1.5, NaN, -2, 3]);
    const i32 = Int32Array.from([7, -1, 2 ** 30]);
    const u8 = Uint8Array.from([0, 255, 17]);
    const frame = encodeFrame({ t: 'res', id: 4, ok: true, result: { a: f32, nested: [{ b: i32 }], c: u8, n: 3, text: 'é' } });
    const msg = decodeFrame(frame);
    expect(msg.t).toBe('res');
    const r = (msg as { result: { a: Float32Array; nested: { b: Int32Array }[]; c: Uint8Array; n: number; text: string } }).result;
    expect(r.a).toBeInstanceOf(Float32Array);
    expect(Array.from(r.a)).toEqual([1.5, NaN, -2, 3]);
    expect(Array.from(r.nested[0].b)).toEqual([7, -1, 2 ** 30]);
    expect(Array.from(r.c)).toEqual([0, 255, 17]);
    expect(r.n).toBe(3);
    expect(r.text).toBe('é');
  });

  test('a large array costs its bytes plus a small header (no JSON number lists)', () => {
    const big = new Float32Array(100_000).map((_, i) => Math.sin(i));
    const frame = encodeFrame({ t: 'res', id: 1, ok: true, result: { big } });
    expect(frame.byteLength).toBeGreaterThanOrEqual(400_000);
    expect(frame.byteLength).toBeLessThan(400_200);
  });

  test('a frame that does not start 8-byte aligned still decodes (copied)', () => {
    const frame = new Uint8Array(encodeFrame({ t: 'evt', event: 'notice', data: { x: Float32Array.of(1, 2) } }));
    const shifted = new Uint8Array(frame.length + 3);
    shifted.set(frame, 3);
    const msg = decodeFrame(shifted.subarray(3)) as { data: { x: Float32Array } };
    expect(Array.from(msg.data.x)).toEqual([1, 2]);
  });

  test('malformed frames are refused with a reason', () => {
    expect(() => decodeFrame(new ArrayBuffer(2))).toThrow(ContractError);
    const bad = new Uint8Array(encodeFrame({ t: 'cancel', id: 1 }));
    new DataView(bad.buffer).setUint32(0, 99999, true);
    expect(() => decodeFrame(bad)).toThrow(/header runs past the end/);
    const notEnvelope = encodeFrame({ t: 'req', id: 1, method: 'hello', params: {} });
    const text = new TextDecoder().decode(new Uint8Array(notEnvelope)).replace('"req"', '"zzz"');
    expect(() => decodeFrame(new TextEncoder().encode(text))).toThrow(/unknown message type/);
  });

  test('params are validated per method, with the field named', () => {
    expect(parseParams('window.merge', { fileId: 'f1', startS: 0, merge: { r: 8, shape: 'constant', propAttn: true, protectDistillation: true } })).toBeTruthy();
    expect(() => parseParams('window.merge', { fileId: 'f1', startS: 0, merge: { r: -1, shape: 'constant', propAttn: true, protectDistillation: true } })).toThrow(/merge\.r: -1 is below 0/);
    expect(() => parseParams('window.merge', { fileId: 'f1', startS: 0, merge: { r: 1, shape: 'zigzag', propAttn: true, protectDistillation: true } })).toThrow(/shape: expected one of constant, decreasing, increasing/);
    expect(() => parseParams('file.open', { path: 'a', extra: 1 })).toThrow(/extra: unexpected field/);
    expect(() => parseParams('file.open', {})).toThrow(/path: missing/);
    expect(() => parseParams('file.peaks', { fileId: '../etc', startS: 0, endS: 1, count: 10 })).toThrow(/does not match/);
    expect(() => parseParams('analysis.run', { fileId: 'f1', hopS: 0, merge: null })).toThrow(/hopS: 0 is below 0.1/);
  });

  test('results are validated too (the UI never trusts the host blindly)', () => {
    expect(() => parseResult('file.peaks', { startS: 0, endS: 1, peaks: [1, 2] })).toThrow(/peaks: expected Float32Array, got array/);
    expect(parseResult('file.peaks', { startS: 0, endS: 1, peaks: new Float32Array(2) }).peaks.length).toBe(2);
  });

  test('events are validated by name', () => {
    expect(parseEvent('progress', { id: 1, phase: 'decode', done: 0.5, total: 1 }).event).toBe('progress');
    expect(() => parseEvent('nope', {})).toThrow(/unknown event/);
    expect(() => parseEvent('command', { command: 'rm -rf', paths: [] })).toThrow(/command: expected one of/);
  });

  test('segments travel validated, and the export selection maps to app/segments', () => {
    const seg = { id: 'a', file: '/x.wav', label: 'dog', startS: 1, endS: 2, maxScore: null, meanScore: null, source: 'user', review: 'accepted' };
    const params = { format: 'audacity', outDir: '/tmp', recordings: [{ file: '/x.wav', durationS: 3, segments: [seg] }], provenance: null, selection: { kind: 'all' } };
    expect(parseParams('segments.export', params).recordings[0].segments[0].label).toBe('dog');
    expect(() => parseParams('segments.export', { ...params, format: 'mp3' })).toThrow(/format: expected one of audacity, raven/);
    const badReview = { ...params, recordings: [{ file: '/x.wav', durationS: 3, segments: [{ ...seg, review: 'maybe' }] }] };
    expect(() => parseParams('segments.export', badReview)).toThrow(/recordings\[0\]\.segments\[0\]\.review: expected one of/);
    expect(() => parseParams('segments.export', { ...params, recordings: [{ file: '/x.wav', durationS: 3, segments: [{ ...seg, label: '' }] }] })).toThrow(/label: shorter than 1/);
    expect(selectionFromWire({ kind: 'filter', labels: ['dog'], minScore: 0.5 })).toEqual({ kind: 'filter', labels: ['dog'], minScore: 0.5 });
    expect(selectionFromWire({ kind: 'ids', ids: ['a'] })).toEqual({ kind: 'ids', ids: ['a'] });
    expect(SEGMENT_EXPORT_FORMATS).toEqual(EXPORT_FORMATS);
  });

  test('optional fields and NaN', () => {
    const schema = s.object({ a: s.optional(s.number()), b: s.numberOrNaN() });
    expect(schema.parse({ b: null })).toEqual({ b: NaN });
    expect(() => schema.parse({ a: Infinity, b: 1 })).toThrow(/finite/);
  });
});
