/**
 * Issue 12, item 4: the host's connection checks every result against the contract before it
 * sends it. A result that breaks it (an infinity that JSON would turn into null, a label over the
 * limit) answers INTERNAL for that call; the connection goes on answering the next one.
 *
 * The handler here is a stand-in for the host's dispatch table; what is under test is
 * ClientConnection (main/host/rpc.ts), the real one serve and Electron use.
 */
import { describe, expect, test } from 'vitest';
import { decodeFrame, encodeFrame, type Envelope } from '../app/contract/index.js';
import { ClientConnection, type Handler } from '../main/host/rpc.js';

function connection(results: Record<string, unknown>) {
  const replies = new Map<number, Envelope & { t: 'res' }>();
  const handler = (async (method: string) => results[method]) as unknown as Handler;
  const conn = new ClientConnection((frame) => {
    const m = decodeFrame(frame);
    if (m.t === 'res') replies.set(m.id, m);
  }, handler);
  const call = async (id: number, method: string, params: unknown) => {
    conn.receive(encodeFrame({ t: 'req', id, method, params }));
    for (let i = 0; i < 100 && !replies.has(id); i++) await new Promise((r) => setTimeout(r, 5));
    return replies.get(id);
  };
  return { call };
}

describe('results are validated before they are sent', () => {
  test('an infinite number (sent as null before) is an INTERNAL error for that call only', async () => {
    const c = connection({
      'file.peaks': { startS: Infinity, endS: 1, peaks: new Float32Array(2) },
      'file.close': {},
    });
    const bad = await c.call(1, 'file.peaks', { fileId: 'f1', startS: 0, endS: 1, count: 2 });
    expect(bad).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
    if (bad && !bad.ok) expect(bad.error.message).toMatch(/invalid file\.peaks result: .*startS/);
    expect(await c.call(2, 'file.close', { fileId: 'f1' })).toMatchObject({ ok: true, result: {} });
  });

  test('a model label over the contract limit makes models.list fail, not the session', async () => {
    const model = { id: 'm', label: 'x'.repeat(300) };
    const c = connection({ 'models.list': [model], 'file.close': {} });
    expect(await c.call(1, 'models.list', {})).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
    expect(await c.call(2, 'file.close', { fileId: 'f1' })).toMatchObject({ ok: true });
  });
});
