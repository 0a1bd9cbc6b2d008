/**
 * A client of a running `serve` over its real WebSocket (what the page does), for the serve
 * tests: contract calls by id, raw frames, and every event kept.
 */
import WebSocket from 'ws';
import { decodeFrame, encodeFrame, type Envelope } from '../../app/contract/index.js';
import type { ServeProcess } from './serve-process.js';

type Res = Envelope & { t: 'res' };

export interface WsTestClient {
  call(method: string, params: unknown, timeoutMs?: number): Promise<Res>;
  ok(method: string, params: unknown): Promise<any>;
  fails(method: string, params: unknown): Promise<{ code: string; message: string; paths?: string[] }>;
  /** Sends bytes as one binary frame. */
  raw(frame: Buffer | ArrayBuffer): void;
  /** Sends a text frame (not part of the protocol). */
  text(data: string): void;
  /** The next message of any kind (reply or event), or a timeout error. */
  next(timeoutMs?: number): Promise<Envelope>;
  readonly events: (Envelope & { t: 'evt' })[];
  readonly closed: Promise<number>;
  close(): void;
}

export async function wsClient(served: Pick<ServeProcess, 'port' | 'token' | 'urlHost'>): Promise<WsTestClient> {
  const ws = new WebSocket(`ws://${served.urlHost}:${served.port}/ws?token=${served.token}`, { origin: `http://${served.urlHost}:${served.port}` });
  const pending = new Map<number, (m: Res) => void>();
  const events: (Envelope & { t: 'evt' })[] = [];
  const waiting: ((m: Envelope) => void)[] = [];
  let nextId = 1;
  ws.on('message', (d) => {
    const m = decodeFrame(d as Buffer);
    if (m.t === 'evt') events.push(m);
    const w = waiting.shift();
    if (w) w(m);
    else if (m.t === 'res') pending.get(m.id)?.(m);
  });
  const closed = new Promise<number>((r) => ws.on('close', (code) => r(code)));
  await new Promise<void>((res, rej) => {
    ws.once('open', () => res());
    ws.once('error', rej);
  });
  const call = (method: string, params: unknown, timeoutMs = 60_000) => {
    const id = nextId++;
    return new Promise<Res>((res, rej) => {
      const timer = setTimeout(() => rej(new Error(`${method}: no reply within ${timeoutMs} ms`)), timeoutMs);
      pending.set(id, (m) => {
        clearTimeout(timer);
        res(m);
      });
      ws.send(encodeFrame({ t: 'req', id, method, params }));
    });
  };
  return {
    call,
    async ok(method, params) {
      const r = await call(method, params);
      if (!r.ok) throw new Error(`${method}: ${r.error.code} ${r.error.message}`);
      return r.result;
    },
    async fails(method, params) {
      const r = await call(method, params);
      if (r.ok) throw new Error(`${method} should have failed, answered ${JSON.stringify(r.result).slice(0, 300)}`);
      return r.error;
    },
    raw: (frame) => ws.send(frame),
    text: (data) => ws.send(data),
    next: (timeoutMs = 10_000) =>
      new Promise<Envelope>((res, rej) => {
        const timer = setTimeout(() => rej(new Error(`no message within ${timeoutMs} ms`)), timeoutMs);
        waiting.push((m) => {
          clearTimeout(timer);
          res(m);
        });
      }),
    events,
    closed,
    close: () => ws.close(),
  };
}
