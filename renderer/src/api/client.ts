/**
 * The one API client: every byte between the UI and the host goes through here. It speaks the
 * frame format of app/contract over whichever transport the page was started with (a WebSocket
 * to `serve`, or the Electron preload's port), validates every result and event, and turns
 * AbortSignals into `cancel` messages.
 *
 * It also says how the link to the host stands (LinkState): up; restarting (the host process
 * died and is coming back: calls in flight fail, the transport reconnects by itself); stopped
 * (the host kept dying and was given up on: retryHost() starts it again); refused (serve does
 * not take this page's token: only the URL serve printed helps, so retrying stops).
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
import { SOCKET_CLOSE } from '../../../app/contract/socket-close';
import type { DesktopBridge } from '../../../main/electron/bridge';

// A failed call rejects with the project's one coded error, the code as the host sent it.
export const ApiError = FastAstError;
export type ApiError = FastAstError;

export const isCancelled = (e: unknown): boolean => e instanceof ApiError && e.code === 'CANCELLED';

export type LinkState = 'up' | 'restarting' | 'stopped' | 'refused';

/** `up` false with why; `state` says whether it comes back by itself (see LinkState). */
export type StatusListener = (up: boolean, why?: string, state?: LinkState) => void;

export interface Transport {
  readonly kind: 'serve' | 'electron';
  send(frame: ArrayBuffer): void;
  onFrame(cb: (frame: ArrayBuffer) => void): void;
  onStatus(cb: StatusListener): void;
  mediaUrl(name: string): string;
  /** Starts the host again after it was given up on (state 'stopped'). */
  retryHost(): Promise<void>;
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
  private readonly statusListeners = new Set<StatusListener>();
  private link: { state: LinkState; why?: string } = { state: 'up' };

  constructor(readonly transport: Transport) {
    transport.onFrame((f) => this.receive(f));
    transport.onStatus((up, why, state) => {
      if (!up) {
        for (const [, p] of this.pending) p.reject(new ApiError('HOST_DIED', why ?? 'lost the connection to the host'));
        this.pending.clear();
      }
      this.link = { state: up ? 'up' : (state ?? 'restarting'), why };
      for (const l of this.statusListeners) l(up, why, this.link.state);
    });
  }

  /** How the link to the host stands now (for a status display; onStatus tells of changes). */
  get linkState(): { state: LinkState; why?: string } {
    return this.link;
  }

  /** After the host was given up on: start it again (the link reports 'up' once it is back). */
  retryHost(): Promise<void> {
    return this.transport.retryHost();
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

  onStatus(cb: StatusListener): () => void {
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
      } else p.reject(new ApiError(msg.error.code, msg.error.message, msg.error.paths));
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

/** Reconnect delays: doubled after each failed try, back to the first once a socket opens. */
const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 8_000;

/**
 * `serve`: WebSocket on the page's own origin, token from the page URL. Reconnects with backoff,
 * except when the server's close code says that would not help (SOCKET_CLOSE). URLs are
 * resolved against the page's own path, so a path prefix in front of the UI carries over.
 */
export class WsTransport implements Transport {
  readonly kind = 'serve' as const;
  private ws: WebSocket | null = null;
  private queue: ArrayBuffer[] = [];
  private frameCb: (f: ArrayBuffer) => void = () => {};
  private statusCb: StatusListener = () => {};
  private readonly token: string;
  private retryMs = FIRST_RETRY_MS;
  /** Set by a close code that says retrying is useless; cleared by retryHost(). */
  private halted = false;
  /** Set by close(): nothing reconnects any more. */
  private ended = false;

  constructor(private readonly base: URL = new URL(location.href)) {
    this.token = base.searchParams.get('token') ?? '';
    this.connect();
  }

  private url(path: string): URL {
    const url = new URL(path, this.base);
    url.search = `?token=${encodeURIComponent(this.token)}`;
    return url;
  }

  private connect(): void {
    const url = this.url('ws');
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    const ws = new WebSocket(url);
    ws.binaryType = 'arraybuffer';
    ws.onopen = () => {
      this.ws = ws;
      this.retryMs = FIRST_RETRY_MS;
      for (const f of this.queue) ws.send(f);
      this.queue = [];
      this.statusCb(true);
    };
    ws.onmessage = (ev) => {
      if (ev.data instanceof ArrayBuffer) this.frameCb(ev.data);
    };
    ws.onclose = (ev) => this.closed(ws, ev.code, ev.reason);
  }

  private closed(ws: WebSocket, code: number, reason: string): void {
    const wasUp = this.ws === ws;
    this.ws = null;
    if (this.ended) return;
    if (code === SOCKET_CLOSE.wrongToken) {
      this.halt(`serve does not take this page's token (${reason || 'wrong token'}); open the URL serve printed`, 'refused');
      return;
    }
    if (code === SOCKET_CLOSE.hostStopped) {
      this.halt(reason || 'the host process kept stopping', 'stopped');
      return;
    }
    // The host is restarting, or serve itself went away (a restart of serve keeps the token):
    // either way it comes back, so try again, less often each time.
    if (wasUp || code === SOCKET_CLOSE.hostRestarting) {
      this.statusCb(false, reason || `connection to the host closed (${code}); reconnecting`, 'restarting');
    }
    setTimeout(() => {
      if (!this.ended) this.connect();
    }, this.retryMs);
    this.retryMs = Math.min(MAX_RETRY_MS, this.retryMs * 2);
  }

  private halt(why: string, state: LinkState): void {
    this.halted = true;
    this.queue = [];
    this.statusCb(false, why, state);
  }

  /** Closes the socket and stops reconnecting, for good. */
  close(): void {
    this.ended = true;
    this.halted = true;
    this.queue = [];
    this.ws?.close();
  }

  async retryHost(): Promise<void> {
    const res = await fetch(this.url('host/retry'), { method: 'POST' });
    if (!res.ok) throw new ApiError('HOST_DIED', `serve refused to retry the host (HTTP ${res.status})`);
    if (this.halted && !this.ended) {
      this.halted = false;
      this.retryMs = FIRST_RETRY_MS;
      this.connect();
    }
  }

  send(frame: ArrayBuffer): void {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(frame);
    else if (!this.halted) this.queue.push(frame);
    else throw new Error('not connected to the host');
  }
  onFrame(cb: (f: ArrayBuffer) => void): void {
    this.frameCb = cb;
  }
  onStatus(cb: StatusListener): void {
    this.statusCb = cb;
  }
  mediaUrl(name: string): string {
    return this.url(`media/${encodeURIComponent(name)}`).href;
  }
}

/** Electron: frames through the preload's bridge (a MessagePort to the engine process). */
export class BridgeTransport implements Transport {
  readonly kind = 'electron' as const;
  private statusCb: StatusListener = () => {};
  constructor(private readonly bridge: DesktopBridge) {
    bridge.onHostStatus((up, why, gaveUp) => this.statusCb(up, why, up ? 'up' : gaveUp ? 'stopped' : 'restarting'));
  }
  async retryHost(): Promise<void> {
    this.bridge.retryEngine();
  }
  send(frame: ArrayBuffer): void {
    this.bridge.send(frame);
  }
  onFrame(cb: (f: ArrayBuffer) => void): void {
    this.bridge.onFrame(cb);
  }
  onStatus(cb: StatusListener): void {
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
