/**
 * The one API client: every byte between the UI and the host goes through here. It speaks the
 * frame format of app/contract over whichever transport the page was started with (a WebSocket
 * to `serve`, or the Electron preload's port), validates every result and event, and turns
 * AbortSignals into `cancel` messages.
 */
import {
  ContractError,
  decodeFrame,
  encodeFrame,
  FastAstError,
  parseEvent,
  parseResult,
  type EventData,
  type EventName,
  type Method,
  type Params,
  type Result,
} from '../../../app/contract';
import type { DesktopBridge } from '../../../main/electron/bridge';

// A failed call rejects with the project's one coded error, the code as the host sent it.
export const ApiError = FastAstError;
export type ApiError = FastAstError;

export const isCancelled = (e: unknown): boolean => e instanceof ApiError && e.code === 'CANCELLED';

export interface Transport {
  readonly kind: 'serve' | 'electron';
  send(frame: ArrayBuffer): void;
  onFrame(cb: (frame: ArrayBuffer) => void): void;
  onStatus(cb: (up: boolean, why?: string) => void): void;
  mediaUrl(name: string): string;
}

interface Pending {
  method: Method;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
  onProgress?: (p: EventData<'progress'>) => void;
}

export interface CallOptions {
  signal?: AbortSignal;
  onProgress?: (p: EventData<'progress'>) => void;
}

type Listener<E extends EventName> = (data: EventData<E>) => void;

export class ApiClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Map<EventName, Set<Listener<EventName>>>();
  private readonly statusListeners = new Set<(up: boolean, why?: string) => void>();

  constructor(readonly transport: Transport) {
    transport.onFrame((f) => this.receive(f));
    transport.onStatus((up, why) => {
      if (!up) {
        for (const [, p] of this.pending) p.reject(new ApiError('HOST_DIED', why ?? 'lost the connection to the host'));
        this.pending.clear();
      }
      for (const l of this.statusListeners) l(up, why);
    });
  }

  get kind() {
    return this.transport.kind;
  }

  mediaUrl(name: string): string {
    return this.transport.mediaUrl(name);
  }

  call<M extends Method>(method: M, params: Params<M>, opts: CallOptions = {}): Promise<Result<M>> {
    const id = this.nextId++;
    const { signal } = opts;
    if (signal?.aborted) return Promise.reject(new ApiError('CANCELLED', 'cancelled'));
    return new Promise<Result<M>>((resolve, reject) => {
      const onAbort = () => {
        if (!this.pending.has(id)) return;
        this.pending.delete(id);
        this.transport.send(encodeFrame({ t: 'cancel', id }));
        reject(new ApiError('CANCELLED', 'cancelled'));
      };
      this.pending.set(id, {
        method,
        resolve: (v) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(v as Result<M>);
        },
        reject: (e) => {
          signal?.removeEventListener('abort', onAbort);
          reject(e);
        },
        onProgress: opts.onProgress,
      });
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        this.transport.send(encodeFrame({ t: 'req', id, method, params }));
      } catch (e) {
        this.pending.delete(id);
        reject(new ApiError('HOST_DIED', (e as Error).message));
      }
    });
  }

  on<E extends EventName>(event: E, cb: Listener<E>): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(cb as Listener<EventName>);
    return () => set!.delete(cb as Listener<EventName>);
  }

  onStatus(cb: (up: boolean, why?: string) => void): () => void {
    this.statusListeners.add(cb);
    return () => this.statusListeners.delete(cb);
  }

  private receive(frame: ArrayBuffer): void {
    let msg;
    try {
      msg = decodeFrame(frame);
    } catch (e) {
      console.error('dropped a malformed frame from the host', e);
      return;
    }
    if (msg.t === 'res') {
      const p = this.pending.get(msg.id);
      if (!p) return; // cancelled meanwhile
      this.pending.delete(msg.id);
      if (msg.ok) {
        try {
          p.resolve(parseResult(p.method, msg.result));
        } catch (e) {
          p.reject(new ApiError('BAD_REQUEST', `host sent an invalid ${p.method} result: ${(e as ContractError).message}`));
        }
      } else p.reject(new ApiError(msg.error.code, msg.error.message));
      return;
    }
    if (msg.t === 'evt') {
      let parsed;
      try {
        parsed = parseEvent(msg.event, msg.data);
      } catch (e) {
        console.error('dropped an invalid event', e);
        return;
      }
      if (parsed.event === 'progress') {
        const data = parsed.data as EventData<'progress'>;
        this.pending.get(data.id)?.onProgress?.(data);
      }
      for (const l of this.listeners.get(parsed.event) ?? []) l(parsed.data as never);
    }
  }
}

// ───────────── transports ─────────────

/** `serve`: WebSocket on the page's own origin, token from the page URL. Reconnects. */
export class WsTransport implements Transport {
  readonly kind = 'serve' as const;
  private ws: WebSocket | null = null;
  private queue: ArrayBuffer[] = [];
  private frameCb: (f: ArrayBuffer) => void = () => {};
  private statusCb: (up: boolean, why?: string) => void = () => {};
  private readonly token: string;

  constructor(private readonly base: URL = new URL(location.href)) {
    this.token = base.searchParams.get('token') ?? '';
    this.connect();
  }

  private connect(): void {
    const url = new URL('/ws', this.base);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    url.search = `?token=${encodeURIComponent(this.token)}`;
    const ws = new WebSocket(url);
    ws.binaryType = 'arraybuffer';
    ws.onopen = () => {
      this.ws = ws;
      for (const f of this.queue) ws.send(f);
      this.queue = [];
      this.statusCb(true);
    };
    ws.onmessage = (ev) => {
      if (ev.data instanceof ArrayBuffer) this.frameCb(ev.data);
    };
    ws.onclose = (ev) => {
      const wasUp = this.ws === ws;
      this.ws = null;
      if (wasUp) this.statusCb(false, `connection to the host closed (${ev.code}${ev.reason ? ': ' + ev.reason : ''})`);
      if (ev.code !== 4401) setTimeout(() => this.connect(), 1000);
    };
  }

  send(frame: ArrayBuffer): void {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(frame);
    else this.queue.push(frame);
  }
  onFrame(cb: (f: ArrayBuffer) => void): void {
    this.frameCb = cb;
  }
  onStatus(cb: (up: boolean, why?: string) => void): void {
    this.statusCb = cb;
  }
  mediaUrl(name: string): string {
    return new URL(`/media/${encodeURIComponent(name)}?token=${encodeURIComponent(this.token)}`, this.base).href;
  }
}

/** Electron: frames through the preload's bridge (a MessagePort to the engine process). */
export class BridgeTransport implements Transport {
  readonly kind = 'electron' as const;
  private statusCb: (up: boolean, why?: string) => void = () => {};
  constructor(private readonly bridge: DesktopBridge) {
    bridge.onHostStatus((up, why) => this.statusCb(up, why));
  }
  send(frame: ArrayBuffer): void {
    this.bridge.send(frame);
  }
  onFrame(cb: (f: ArrayBuffer) => void): void {
    this.bridge.onFrame(cb);
  }
  onStatus(cb: (up: boolean, why?: string) => void): void {
    this.statusCb = cb;
  }
  mediaUrl(name: string): string {
    return this.bridge.mediaUrl(name);
  }
}

declare global {
  interface Window {
    fastast?: DesktopBridge;
  }
}

let client: ApiClient | null = null;

/** The page's client: Electron's bridge when the preload put one there, else the `serve` WebSocket. */
export function api(): ApiClient {
  if (!client) client = new ApiClient(window.fastast ? new BridgeTransport(window.fastast) : new WsTransport());
  return client;
}

/** For tests and for the Electron bootstrap. */
export function setApi(c: ApiClient): void {
  client = c;
}
