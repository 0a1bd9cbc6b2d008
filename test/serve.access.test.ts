/**
 * Issue 12, items 7 and 8 (the network half), over real serve processes and raw HTTP: the token
 * cookie is scoped to the page's random path, the DNS-rebinding guard holds for every loopback
 * bind (not only 127.0.0.1), and an IPv6 bind prints a URL a browser can open.
 */
import { request } from 'node:http';
import { afterAll, describe, expect, test } from 'vitest';
import { startServeProcess, type ServeProcess } from './support/serve-process.js';

const started: ServeProcess[] = [];

afterAll(async () => {
  for (const s of started) await s.stop();
});

async function start(args: string[] = []): Promise<ServeProcess> {
  const s = await startServeProcess(args);
  started.push(s);
  return s;
}

function get(s: ServeProcess, path: string, host = `${s.urlHost}:${s.port}`): Promise<{ status: number; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((res, rej) => {
    const req = request({ host: s.urlHost.replace(/^\[|\]$/g, ''), port: s.port, path, headers: { host } }, (r) => {
      r.resume();
      r.on('end', () => res({ status: r.statusCode ?? 0, headers: r.headers }));
    });
    req.on('error', rej);
    req.end();
  });
}

describe('the token cookie', () => {
  test('is scoped to the page under a random path, which the printed URL opens', async () => {
    const s = await start();
    expect(s.pagePath).toMatch(/^\/[0-9a-f]{20}\/$/);
    const page = await get(s, `${s.pagePath}?token=${s.token}`);
    expect(page.status).toBe(200);
    // No IPv6 literal in the CSP: browsers reject the source list entry with a console error.
    expect(String(page.headers['content-security-policy'])).not.toContain('[');
    const cookie = String(page.headers['set-cookie']);
    expect(cookie).toContain(`Path=${s.pagePath}`);
    expect(cookie).not.toMatch(/Path=\/(;|$)/);
    // The old address leads to the page; outside the prefix nothing is served.
    const old = await get(s, `/?token=${s.token}`);
    expect(old.status).toBe(302);
    expect(old.headers.location).toBe(`${s.pagePath}?token=${s.token}`);
    expect((await get(s, `/index.html?token=${s.token}`)).status).toBe(404);
  });
});

describe('the Host guard against DNS rebinding', () => {
  test('holds when bound to another 127.x address', async () => {
    const s = await start(['--host', '127.0.0.2']);
    expect(s.url).toMatch(/^http:\/\/127\.0\.0\.2:\d+\//);
    expect((await get(s, `${s.pagePath}?token=${s.token}`)).status).toBe(200);
    expect((await get(s, `${s.pagePath}?token=${s.token}`, `evil.example:${s.port}`)).status).toBe(421);
  });

  test('holds when bound to ::1, and the printed URL brackets the address', async () => {
    const s = await start(['--host', '::1']);
    expect(s.url).toMatch(/^http:\/\/\[::1\]:\d+\/[0-9a-f]{20}\/\?token=/);
    expect((await get(s, `${s.pagePath}?token=${s.token}`)).status).toBe(200);
    expect((await get(s, `${s.pagePath}?token=${s.token}`, `evil.example:${s.port}`)).status).toBe(421);
  });

  test('takes the bracketed form [::1] too', async () => {
    const s = await start(['--host', '[::1]']);
    expect(s.urlHost).toBe('[::1]');
    expect((await get(s, `${s.pagePath}?token=${s.token}`, `evil.example:${s.port}`)).status).toBe(421);
  });

  test('holds when bound to localhost', async () => {
    const s = await start(['--host', 'localhost']);
    expect((await get(s, `${s.pagePath}?token=${s.token}`)).status).toBe(200);
    expect((await get(s, `${s.pagePath}?token=${s.token}`, `rebound.example:${s.port}`)).status).toBe(421);
  });
});
