/**
 * Issue 12, items 4 and 12, over a real serve process and its WebSocket: a malformed frame is
 * answered, an invalid result is an error for that call only, the open-file limit is per
 * connection, and a bad %-escape in a URL is a plain 400.
 */
import { request } from 'node:http';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startServeProcess, type ServeProcess } from './support/serve-process.js';
import { wsClient } from './support/ws-client.js';

const ROOT = resolve(import.meta.dirname, '..');
const DEMO = join(ROOT, 'data', 'demo');
const CLIP = join(DEMO, 'car_horn_dj997_493751.flac');
let served: ServeProcess;

beforeAll(async () => {
  served = await startServeProcess();
});

afterAll(async () => {
  await served?.stop();
});

/** A frame with `header` as its JSON header text, laid out as the codec does. */
function headerFrame(header: string): Buffer {
  const json = Buffer.from(header);
  const buf = Buffer.alloc((4 + json.length + 7) & ~7);
  buf.writeUInt32LE(json.length, 0);
  json.copy(buf, 4);
  return buf;
}

function get(path: string): Promise<{ status: number; body: string }> {
  return new Promise((res, rej) => {
    const req = request({ host: '127.0.0.1', port: served.port, path, headers: { host: `127.0.0.1:${served.port}` } }, (r) => {
      let body = '';
      r.on('data', (c) => (body += c));
      r.on('end', () => res({ status: r.statusCode ?? 0, body }));
    });
    req.on('error', rej);
    req.end();
  });
}

describe('every frame is answered', () => {
  test('a request that breaks the envelope but names its id gets an error reply with that id', async () => {
    const c = await wsClient(served);
    c.raw(headerFrame('{"t":"req","id":7,"method":42,"params":{},"$bins":[]}'));
    const m = await c.next();
    expect(m).toMatchObject({ t: 'res', id: 7, ok: false, error: { code: 'BAD_REQUEST' } });
    c.close();
  });

  test('a frame with no readable id gets a protocol error event, and the connection still works', async () => {
    const c = await wsClient(served);
    c.raw(Buffer.from([1, 2]));
    expect(await c.next()).toMatchObject({ t: 'evt', event: 'protocol.error' });
    c.raw(headerFrame('{not json'));
    expect(await c.next()).toMatchObject({ t: 'evt', event: 'protocol.error' });
    expect((await c.ok('hello', {})).host).toBe('serve');
    c.close();
  });

  test('a text frame gets a protocol error event', async () => {
    const c = await wsClient(served);
    c.text('{"t":"req","id":1,"method":"hello","params":{}}');
    expect(await c.next()).toMatchObject({ t: 'evt', event: 'protocol.error' });
    c.close();
  });
});

describe('results are checked before they are sent', () => {
  test('window.baseline at startS 1e308 is an error for that call, not startS: null', async () => {
    const c = await wsClient(served);
    const f = await c.ok('file.open', { path: CLIP });
    const r = await c.call('window.baseline', { fileId: f.fileId, startS: 1e308 });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(['BAD_REQUEST', 'INTERNAL']).toContain(r.error.code);
    // The session goes on: the same file still answers.
    const w = await c.ok('window.baseline', { fileId: f.fileId, startS: 0 });
    expect(w.window.startS).toBe(0);
    c.close();
  });
});

describe('open files are limited per connection', () => {
  test("a second client opening five files does not close the first one's file", async () => {
    const a = await wsClient(served);
    const b = await wsClient(served);
    const mine = await a.ok('file.open', { path: CLIP });
    for (let i = 0; i < 5; i++) await b.ok('file.open', { path: CLIP });
    const peaks = await a.call('file.peaks', { fileId: mine.fileId, startS: 0, endS: 1, count: 10 });
    expect(peaks.ok).toBe(true);
    a.close();
    b.close();
  });
});

describe('URLs', () => {
  test('a malformed %-escape answers 400 without internal error text', async () => {
    for (const path of [`${served.pagePath}%E0%A4%A?token=${served.token}`, `/media/%ZZ?token=${served.token}`, `${served.pagePath}%?token=${served.token}`]) {
      const r = await get(path);
      expect(r.status, path).toBe(400);
      expect(r.body).toBe('bad request: the URL has a bad %-escape');
    }
  });
});
