/**
 * `serve`: the token guards every route, the page gets a strict CSP, the WebSocket speaks the
 * contract, media supports byte ranges, and foreign Host / Origin headers are refused.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { decodeFrame, encodeFrame } from '../app/contract/index.js';
import { serve, type Served } from '../main/serve/serve.js';

const ROOT = resolve(import.meta.dirname, '..');
const tmp = mkdtempSync(join(tmpdir(), 'fastast-serve-test-'));
let served: Served;

function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((res, rej) => {
    const req = request({ host: '127.0.0.1', port: served.port, path, headers: { host: `127.0.0.1:${served.port}`, ...headers } }, (r) => {
      const chunks: Buffer[] = [];
      r.on('data', (c) => chunks.push(c));
      r.on('end', () => res({ status: r.statusCode ?? 0, headers: r.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', rej);
    req.end();
  });
}

beforeAll(async () => {
  const ui = join(tmp, 'ui');
  mkdirSync(join(ui, 'assets'), { recursive: true });
  writeFileSync(join(ui, 'index.html'), '<!doctype html><title>t</title>');
  writeFileSync(join(ui, 'assets', 'a.js'), 'console.log(1)');
  served = await serve({ rendererDir: ui, stateDir: join(tmp, 'state'), providers: 'cpu', quiet: true, modelsDir: join(ROOT, 'models') });
});

afterAll(async () => {
  await served.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('serve', () => {
  test('prints a loopback URL under a path prefix with a long random token', () => {
    expect(served.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/[0-9a-f]{20}\/\?token=[0-9a-f]{48}$/);
  });

  test('no token, no page', async () => {
    expect((await get('/')).status).toBe(401);
    expect((await get('/?token=' + 'a'.repeat(48))).status).toBe(401);
    expect((await get('/assets/a.js')).status).toBe(401);
  });

  test('the token opens the page, with a strict CSP and an HttpOnly cookie for its assets', async () => {
    const page = new URL(served.url).pathname;
    const r = await get(`${page}?token=${served.token}`);
    expect(r.status).toBe(200);
    const csp = String(r.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain(`connect-src 'self' ws://127.0.0.1:${served.port}`);
    const cookie = String(r.headers['set-cookie']);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const asset = await get(`${page}assets/a.js`, { cookie: `fastast_token=${served.token}` });
    expect(asset.status).toBe(200);
    expect(asset.headers['content-type']).toMatch(/javascript/);
  });

  test('paths cannot leave the UI folder', async () => {
    expect((await get(`/..%2F..%2Fpackage.json?token=${served.token}`)).status).toBe(404);
  });

  test('a foreign Host header is refused (DNS rebinding)', async () => {
    expect((await get(`/?token=${served.token}`, { host: 'evil.example:80' })).status).toBe(421);
  });

  test('the WebSocket needs the token and the right origin, then speaks the contract', async () => {
    const wsUrl = `ws://127.0.0.1:${served.port}/ws`;
    await expect(
      new Promise((res, rej) => {
        const ws = new WebSocket(wsUrl);
        ws.on('open', () => rej(new Error('opened without a token')));
        ws.on('error', res);
      }),
    ).resolves.toBeTruthy();
    await expect(
      new Promise((res, rej) => {
        const ws = new WebSocket(`${wsUrl}?token=${served.token}`, { origin: 'http://evil.example' });
        ws.on('open', () => rej(new Error('opened from a foreign origin')));
        ws.on('error', res);
      }),
    ).resolves.toBeTruthy();
    const ws = new WebSocket(`${wsUrl}?token=${served.token}`, { origin: `http://127.0.0.1:${served.port}` });
    await new Promise((r) => ws.on('open', r));
    const reply = new Promise<ReturnType<typeof decodeFrame>>((r) => ws.on('message', (d) => r(decodeFrame(d as Buffer))));
    ws.send(encodeFrame({ t: 'req', id: 1, method: 'hello', params: {} }));
    const msg = await reply;
    expect(msg.t === 'res' && msg.ok && (msg.result as { host: string }).host).toBe('serve');
    ws.close();
  });

  test('decoded media is served with byte ranges', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${served.port}/ws?token=${served.token}`);
    await new Promise((r) => ws.on('open', r));
    const reply = new Promise<ReturnType<typeof decodeFrame>>((r) =>
      ws.on('message', (d) => {
        const m = decodeFrame(d as Buffer);
        if (m.t === 'res') r(m);
      }),
    );
    ws.send(encodeFrame({ t: 'req', id: 1, method: 'file.open', params: { path: join(ROOT, 'data', 'demo', 'car_horn_dj997_493751.flac') } }));
    const msg = await reply;
    ws.close();
    expect(msg.t === 'res' && msg.ok).toBe(true);
    const media = (msg as { result: { media: string; numSamples: number } }).result;
    const full = await get(`/media/${media.media}?token=${served.token}`);
    expect(full.status).toBe(200);
    expect(full.body.length).toBe(44 + media.numSamples * 2);
    expect(full.body.subarray(0, 4).toString()).toBe('RIFF');
    const part = await get(`/media/${media.media}?token=${served.token}`, { range: 'bytes=44-99' });
    expect(part.status).toBe(206);
    expect(part.body.length).toBe(56);
    expect(part.headers['content-range']).toBe(`bytes 44-99/${full.body.length}`);
    expect((await get(`/media/..%2Fx.wav?token=${served.token}`)).status).toBe(404);
  });
});
