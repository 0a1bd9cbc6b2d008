import { decodeFrame, encodeFrame, type Envelope } from '../../app/contract/index.js';
import type { Host } from '../../main/host/host.js';
import { ClientConnection } from '../../main/host/rpc.js';

/** A client of a Host over its real transport code (ClientConnection frames), for the host tests. */
export interface RpcTestClient {
  /** Sends a request; `id` is what a cancel names. */
  call(method: string, params: unknown): { id: number; done: Promise<Envelope & { t: 'res' }> };
  /** The result of a request that must succeed. */
  ok(method: string, params: unknown): Promise<any>;
  /** The error of a request that must fail. */
  fails(method: string, params: unknown): Promise<{ code: string; message: string }>;
  cancel(id: number): void;
  /** Every event the host sent so far, in order. */
  readonly events: (Envelope & { t: 'evt' })[];
  close(): void;
}

export function rpcClient(host: Host): RpcTestClient {
  const pending = new Map<number, (m: Envelope & { t: 'res' }) => void>();
  const events: (Envelope & { t: 'evt' })[] = [];
  let nextId = 1;
  const conn = new ClientConnection((frame) => {
    const m = decodeFrame(frame);
    if (m.t === 'res') pending.get(m.id)?.(m);
    else if (m.t === 'evt') events.push(m);
  }, host.handle);
  const call = (method: string, params: unknown) => {
    const id = nextId++;
    const done = new Promise<Envelope & { t: 'res' }>((res) => pending.set(id, res));
    conn.receive(encodeFrame({ t: 'req', id, method, params }));
    return { id, done };
  };
  return {
    call,
    async ok(method, params) {
      const r = await call(method, params).done;
      if (!r.ok) throw new Error(`${method}: ${r.error.code} ${r.error.message}`);
      return r.result;
    },
    async fails(method, params) {
      const r = await call(method, params).done;
      if (r.ok) throw new Error(`${method} should have failed`);
      return r.error;
    },
    cancel: (id) => conn.receive(encodeFrame({ t: 'cancel', id })),
    events,
    close: () => conn.close(),
  };
}
