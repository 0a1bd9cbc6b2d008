/**
 * One client connection to the host, whatever carries its frames (a WebSocket in `serve`, a
 * MessagePort in Electron's utility process): decodes and validates every incoming frame,
 * dispatches requests with a cancellation signal and a progress callback, and encodes replies.
 */
import {
  decodeFrame,
  encodeFrame,
  events,
  isMethod,
  parseParams,
  type Envelope,
  type ErrorCode,
  type EventData,
  type EventName,
  type Method,
  type Params,
  type Result,
} from '../../app/contract/index.js';
import { FastAstError, isFastAstError } from '../../app/common/errors.js';

export interface CallContext {
  /** Request id (progress events carry it). */
  id: number;
  signal: AbortSignal;
  progress(phase: EventData<'progress'>['phase'], done: number, total: number, message?: string): void;
  /** The connection the call came in on (for per-client state). */
  client: ClientConnection;
}

export type Handler = <M extends Method>(method: M, params: Params<M>, ctx: CallContext) => Promise<Result<M>>;

// The host's errors are the app's one coded error; the name stays for the host's many throw sites.
export { FastAstError as HostError };

export function cancelled(): FastAstError {
  return new FastAstError('CANCELLED', 'cancelled');
}

export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw cancelled();
}

function toError(e: unknown): { code: ErrorCode; message: string } {
  // The contract's validators throw it too, coded BAD_REQUEST.
  if (isFastAstError(e)) return { code: e.code, message: e.message };
  if (e instanceof Error && e.name === 'AbortError') return { code: 'CANCELLED', message: 'cancelled' };
  const message = e instanceof Error ? e.message : String(e);
  return { code: 'INTERNAL', message: message.slice(0, 16_000) };
}

export class ClientConnection {
  private readonly inflight = new Map<number, AbortController>();
  private closed = false;
  /** Per-client "latest wins" slots: a newer call in the same slot cancels the older one. */
  private readonly slots = new Map<string, AbortController>();

  constructor(
    private readonly sendFrame: (frame: ArrayBuffer) => void,
    private readonly handler: Handler,
    private readonly log: (line: string) => void = () => {},
  ) {}

  emit<E extends EventName>(event: E, data: EventData<E>): void {
    if (this.closed) return;
    events[event].parse(data, event); // the host validates what it sends, too
    this.send({ t: 'evt', event, data });
  }

  /** Cancels the previous call in `slot` and returns a signal for this one. */
  supersede(slot: string, signal: AbortSignal): AbortSignal {
    this.slots.get(slot)?.abort();
    const ctl = new AbortController();
    this.slots.set(slot, ctl);
    const onAbort = () => ctl.abort();
    if (signal.aborted) ctl.abort();
    else signal.addEventListener('abort', onAbort, { once: true });
    return ctl.signal;
  }

  private send(msg: Envelope): void {
    if (this.closed) return;
    try {
      this.sendFrame(encodeFrame(msg));
    } catch (e) {
      this.log(`send failed: ${(e as Error).message}`);
    }
  }

  /** Handles one incoming frame. Never throws: bad frames answer BAD_REQUEST where they can. */
  receive(frame: ArrayBuffer | ArrayBufferView): void {
    let msg: Envelope;
    try {
      msg = decodeFrame(frame);
    } catch (e) {
      this.log(`dropped a malformed frame: ${(e as Error).message}`);
      return;
    }
    if (msg.t === 'cancel') {
      this.inflight.get(msg.id)?.abort();
      return;
    }
    if (msg.t !== 'req') {
      this.log(`dropped a ${msg.t} message from a client`);
      return;
    }
    void this.dispatch(msg.id, msg.method, msg.params);
  }

  private async dispatch(id: number, method: string, rawParams: unknown): Promise<void> {
    const ctl = new AbortController();
    this.inflight.set(id, ctl);
    try {
      if (!isMethod(method)) throw new FastAstError('BAD_REQUEST', `unknown method ${JSON.stringify(method)}`);
      const params = parseParams(method, rawParams);
      const ctx: CallContext = {
        id,
        signal: ctl.signal,
        client: this,
        progress: (phase, done, total, message) => {
          if (!ctl.signal.aborted) this.emit('progress', message === undefined ? { id, phase, done, total } : { id, phase, done, total, message });
        },
      };
      const result = await this.handler(method, params, ctx);
      this.send({ t: 'res', id, ok: true, result });
    } catch (e) {
      const error = ctl.signal.aborted ? { code: 'CANCELLED' as const, message: 'cancelled' } : toError(e);
      if (error.code === 'INTERNAL') this.log(`${method} failed: ${(e as Error)?.stack ?? String(e)}`);
      this.send({ t: 'res', id, ok: false, error });
    } finally {
      this.inflight.delete(id);
    }
  }

  close(): void {
    this.closed = true;
    for (const ctl of this.inflight.values()) ctl.abort();
    for (const ctl of this.slots.values()) ctl.abort();
    this.inflight.clear();
  }
}
