/**
 * Issue 12, items 3 and 5, fault test: serve's host child is killed with SIGKILL in the middle of
 * a real analysis (real model, real demo clip, real onnxruntime). serve itself stays up, the
 * client's socket closes with "host restarting: killed by SIGKILL", the same token reconnects
 * and hello answers again. Killed five times in a minute, serve stops restarting, says so to new
 * sockets, and POST …/host/retry brings the host back. A page with a wrong token is told to stop
 * (4401) instead of retrying forever.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { decodeFrame, encodeFrame, type Envelope } from '../app/contract/index.js';
import { SOCKET_CLOSE } from '../app/contract/socket-close.js';
import { startServeProcess, type ServeProcess } from './support/serve-process.js';

const ROOT = resolve(import.meta.dirname, '..');
const LONG_CLIP = join(ROOT, 'data', 'demo', 'music_orchestra_brahms_hungarian_dance5.flac');
/** The page's client, loaded by path: it is browser code (its types need the DOM, not Node's). */
const CLIENT = join(ROOT, 'renderer', 'src', 'api', 'client.ts');

let served: ServeProcess;

beforeAll(async () => {
  served = await startServeProcess();
});
afterAll(async () => {
  await served?.stop();
});

/**
 * Live (not yet reaped) host children of a process, from every thread's list. Only host-child.ts:
 * tsx may run an esbuild service as another child.
 */
function childPids(pid: number): number[] {
  const out: number[] = [];
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    const list = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
    if (list) out.push(...list.split(/\s+/).map(Number));
  }
  return out.filter((child) => {
    try {
      if (/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${child}/stat`, 'utf8'))) return false;
      return readFileSync(`/proc/${child}/cmdline`, 'utf8').includes('host-child');
    } catch {
      return false;
    }
  });
}

/** The host child's pid (waits while it is being restarted). */
async function hostPid(): Promise<number> {
  await expect.poll(() => childPids(served.child.pid!), { timeout: 60_000 }).toHaveLength(1);
  return childPids(served.child.pid!)[0];
}

interface Client {
  ws: WebSocket;
  opened: Promise<void>;
  closed: Promise<{ code: number; reason: string }>;
  events: (Envelope & { t: 'evt' })[];
  call(method: string, params: unknown): Promise<Envelope & { t: 'res' }>;
}

function connect(token = served.token, origin?: string): Client {
  const ws = new WebSocket(`ws://127.0.0.1:${served.port}/ws?token=${token}`, origin ? { origin } : {});
  const pending = new Map<number, (m: Envelope & { t: 'res' }) => void>();
  const events: (Envelope & { t: 'evt' })[] = [];
  let nextId = 1;
  ws.on('message', (d) => {
    const m = decodeFrame(d as Buffer);
    if (m.t === 'res') pending.get(m.id)?.(m);
    else if (m.t === 'evt') events.push(m);
  });
  ws.on('error', () => {});
  return {
    ws,
    events,
    opened: new Promise((r) => ws.once('open', () => r())),
    closed: new Promise((r) => ws.once('close', (code, reason) => r({ code, reason: reason.toString() }))),
    call(method, params) {
      const id = nextId++;
      const done = new Promise<Envelope & { t: 'res' }>((r) => pending.set(id, r));
      ws.send(encodeFrame({ t: 'req', id, method, params }));
      return done;
    },
  };
}

async function helloWorks(): Promise<void> {
  const c = connect();
  await c.opened;
  const r = await c.call('hello', {});
  expect(r.ok && (r.result as { host: string }).host).toBe('serve');
  c.ws.close();
}

function post(path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((res, rej) => {
    const req = request({ method: 'POST', host: '127.0.0.1', port: served.port, path, headers: { host: `127.0.0.1:${served.port}`, ...headers } }, (r) => {
      let body = '';
      r.on('data', (c) => (body += c));
      r.on('end', () => res({ status: r.statusCode ?? 0, body }));
    });
    req.on('error', rej);
    req.end();
  });
}

describe('serve survives the death of its host child', () => {
  test('kill -9 mid-analysis: serve stays up, the socket says why, the same token reconnects', async () => {
    const before = await hostPid();
    const c = connect();
    await c.opened;
    const file = await c.call('file.open', { path: LONG_CLIP });
    expect(file.ok).toBe(true);
    const fileId = (file as { result: { fileId: string } }).result.fileId;
    const analysis = c.call('analysis.run', { fileId, hopS: 0.25, merge: null });
    // Mid-analysis: once the host reports progress of the run.
    await expect.poll(() => c.events.some((e) => e.event === 'progress' && (e.data as { phase: string }).phase === 'analysis'), { timeout: 60_000 }).toBe(true);

    process.kill(before, 'SIGKILL');
    const closed = await c.closed;
    expect(closed.code).toBe(SOCKET_CLOSE.hostRestarting);
    expect(closed.reason).toBe('host restarting: killed by SIGKILL');
    // The call in flight never answers (the client fails it on the close); serve is still up.
    expect(await Promise.race([analysis.then(() => 'answered'), new Promise((r) => setTimeout(() => r('pending'), 200))])).toBe('pending');
    expect(served.exitCode()).toBeNull();
    expect(await served.authedStatus()).toBe(200);

    await helloWorks(); // waits in the parent's queue while the new child starts
    const after = await hostPid();
    expect(after).not.toBe(before);
    // The new child serves real work again.
    const again = connect();
    await again.opened;
    expect((await again.call('file.open', { path: LONG_CLIP })).ok).toBe(true);
    again.ws.close();
  });

  test('a page of ours with a wrong token is told so (4401) and a raw client gets a plain 401', async () => {
    const wrong = 'ab'.repeat(24);
    const page = connect(wrong, `http://127.0.0.1:${served.port}`);
    const closed = await page.closed;
    expect(closed.code).toBe(SOCKET_CLOSE.wrongToken);
    expect(closed.reason).toMatch(/wrong token/);
    const raw = connect(wrong);
    const refused = await new Promise<string>((r) => raw.ws.once('unexpected-response', (_req, res) => r(String(res.statusCode))));
    expect(refused).toBe('401');
  });

  test('five deaths in a minute: serve stops restarting, says so, and POST host/retry brings it back', async () => {
    // Kill each new child once it answers hello, until a socket is told serve gave up (the first
    // test's kill may already count: five deaths within the minute, whichever test made them).
    let kills = 0;
    let stopped: { code: number; reason: string } | null = null;
    while (!stopped) {
      const c = connect();
      const first = await Promise.race([c.closed, c.opened.then(() => c.call('hello', {}))]);
      if ('code' in first) {
        // Linked just before serve learnt of the last death: "restarting", so try again.
        if (first.code === SOCKET_CLOSE.hostRestarting) continue;
        stopped = first;
        break;
      }
      expect(first.ok).toBe(true);
      c.ws.close();
      const pid = await hostPid();
      process.kill(pid, 'SIGKILL');
      kills++;
      expect(kills).toBeLessThanOrEqual(5);
      await expect.poll(() => childPids(served.child.pid!).includes(pid), { timeout: 10_000 }).toBe(false);
    }
    expect(stopped.code).toBe(SOCKET_CLOSE.hostStopped);
    expect(stopped.reason).toMatch(/host stopped after repeated crashes \(last: killed by SIGKILL\)/);
    await new Promise((r) => setTimeout(r, 500));
    expect(childPids(served.child.pid!)).toEqual([]);
    expect(served.exitCode()).toBeNull();

    expect((await post('/host/retry')).status).toBe(401);
    expect((await post(`/host/retry?token=${served.token}`, { origin: 'http://evil.example' })).status).toBe(401);
    const retried = await post(`/host/retry?token=${served.token}`);
    expect(retried).toEqual({ status: 200, body: '{"restarted":true}' });
    await helloWorks();
    expect(JSON.parse((await post(`/host/retry?token=${served.token}`)).body)).toEqual({ restarted: false });
  });

  test("the page's client: reports the restart, fails the call in flight, reconnects by itself, stops on a wrong token, retries a stopped host", async () => {
    // A browser page on serve's own origin: the same Origin header a browser sends.
    let sockets = 0;
    const origin = `http://127.0.0.1:${served.port}`;
    class PageSocket extends WebSocket {
      constructor(url: string | URL) {
        super(url, { origin });
        sockets++;
        this.on('error', () => {}); // as in a browser, a failed connection is only a close event
      }
    }
    const saved = (globalThis as any).WebSocket;
    (globalThis as any).WebSocket = PageSocket;
    const transports: { close(): void }[] = [];
    try {
      const { ApiClient, WsTransport } = await import(CLIENT);
      const statuses: [boolean, string | undefined, string | undefined][] = [];
      const transport = new WsTransport(new URL(`${origin}/?token=${served.token}`));
      transports.push(transport);
      const client = new ApiClient(transport);
      client.onStatus((up: boolean, why?: string, state?: string) => statuses.push([up, why, state]));
      const last = () => statuses.at(-1);
      await expect.poll(() => last()?.[0], { timeout: 60_000 }).toBe(true);
      expect((await client.call('hello', {})).host).toBe('serve');

      const file = await client.call('file.open', { path: LONG_CLIP });
      let progressed = false;
      const analysis = client.call('analysis.run', { fileId: file.fileId, hopS: 0.25, merge: null }, { onProgress: () => (progressed = true) });
      const failed = analysis.then(
        () => 'answered',
        (e: { code: string }) => e.code,
      );
      await expect.poll(() => progressed, { timeout: 60_000 }).toBe(true);
      process.kill(await hostPid(), 'SIGKILL');
      expect(await failed).toBe('HOST_DIED');
      expect(statuses.find((st) => !st[0])).toEqual([false, 'host restarting: killed by SIGKILL', 'restarting']);
      await expect.poll(() => last()?.[0], { timeout: 60_000 }).toBe(true);
      expect((await client.call('hello', {})).host).toBe('serve');

      // A page whose token serve does not take stops at once and stays stopped.
      const wrongStatuses: [boolean, string | undefined, string | undefined][] = [];
      const wrongTransport = new WsTransport(new URL(`${origin}/?token=${'ab'.repeat(24)}`));
      transports.push(wrongTransport);
      const wrong = new ApiClient(wrongTransport);
      wrong.onStatus((up: boolean, why?: string, state?: string) => wrongStatuses.push([up, why, state]));
      await expect.poll(() => wrongStatuses.at(-1)?.[2], { timeout: 10_000 }).toBe('refused');
      expect(wrongStatuses.at(-1)?.[1]).toMatch(/serve does not take this page's token/);
      const before = sockets;
      await new Promise((r) => setTimeout(r, 2_000));
      expect(sockets).toBe(before);
      await expect(wrong.call('hello', {})).rejects.toMatchObject({ code: 'HOST_DIED' });

      // Killed until serve gives up: the client stops; retryHost() brings the host back.
      while (last()?.[2] !== 'stopped') {
        await expect.poll(() => last()?.[0], { timeout: 60_000 }).toBe(true);
        await client.call('hello', {}); // really up before it is killed
        const n = statuses.length;
        process.kill(await hostPid(), 'SIGKILL');
        await expect.poll(() => statuses.length > n && last()?.[0] === false, { timeout: 10_000 }).toBe(true);
      }
      expect(last()?.[1]).toMatch(/host stopped after repeated crashes/);
      expect(client.linkState.state).toBe('stopped');
      await client.retryHost();
      await expect.poll(() => last()?.[0], { timeout: 60_000 }).toBe(true);
      expect((await client.call('hello', {})).host).toBe('serve');
    } finally {
      for (const t of transports) t.close?.(); // (an older client had no close)
      (globalThis as any).WebSocket = saved;
    }
  });
});
