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

let served: ServeProcess;

beforeAll(async () => {
  served = await startServeProcess();
});
afterAll(async () => {
  await served?.stop();
});

/** Child pids of a process (every thread's list: Node forks from a worker thread too). */
function childPids(pid: number): number[] {
  const out: number[] = [];
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    const list = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
    if (list) out.push(...list.split(/\s+/).map(Number));
  }
  return out;
}

async function hostPid(): Promise<number> {
  await expect.poll(() => childPids(served.child.pid!).length, { timeout: 60_000 }).toBe(1);
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
});
