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
  parseResult,
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

/** The error envelope's message limit is 16 384 characters: longer ones would make the client drop the reply. */
const MAX_MESSAGE = 16_000;

function toError(e: unknown): { code: ErrorCode; message: string; paths?: string[] } {
  // The contract's validators throw it too, coded BAD_REQUEST.
  if (isFastAstError(e)) return { code: e.code, message: e.message.slice(0, MAX_MESSAGE), ...(e.paths ? { paths: [...e.paths] } : {}) };
  if (e instanceof Error && e.name === 'AbortError') return { code: 'CANCELLED', message: 'cancelled' };
  const message = e instanceof Error ? e.message : String(e);
  return { code: 'INTERNAL', message: message.slice(0, MAX_MESSAGE) };
}

/**
 * The id of a request whose frame failed to decode, when its header is JSON that names one;
 * else null (the frame is answered with a protocol.error event instead).
 */
function readableRequestId(frame: ArrayBuffer | ArrayBufferView): number | null {
  try {
    const bytes = ArrayBuffer.isView(frame) ? new Uint8Array(frame.buffer, frame.byteOffset, frame.byteLength) : new Uint8Array(frame);
    if (bytes.byteLength < 4) return null;
    const len = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true);
    if (4 + len > bytes.byteLength) return null;
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + len))) as { t?: unknown; id?: unknown };
    const id = header?.id;
    return header?.t === 'req' && typeof id === 'number' && Number.isSafeInteger(id) && id >= 0 ? id : null;
  } catch {
    return null;
  }
}

export class ClientConnection {
  private readonly inflight = new Map<number, AbortController>();
  private closed = false;
  /** Per-client "latest wins" slots: a newer call in the same slot cancels the older one. */
  private readonly slots = new Map<string, AbortController>();
  private readonly closeListeners: (() => void)[] = [];

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
    let frame: ArrayBuffer;
    try {
      frame = encodeFrame(msg);
    } catch (e) {
      this.log(`send failed: ${(e as Error).message}`);
      return;
    }
    this.sendBytes(frame);
  }

  private sendBytes(frame: ArrayBuffer): void {
    if (this.closed) return;
    try {
      this.sendFrame(frame);
    } catch (e) {
      this.log(`send failed: ${(e as Error).message}`);
    }
  }

  /** Tells the client that something it sent is outside the protocol and could not be answered by id (e.g. a text frame). */
  protocolError(message: string): void {
    this.emit('protocol.error', { message: message.slice(0, 1024) });
  }

  /** Handles one incoming frame. Never throws, never stays silent: a bad frame answers BAD_REQUEST with its id, or a protocol.error event. */
  receive(frame: ArrayBuffer | ArrayBufferView): void {
    let msg: Envelope;
    try {
      msg = decodeFrame(frame);
    } catch (e) {
      // Answered, never dropped: a client waiting on a reply would otherwise wait forever.
      const error = toError(e);
      const id = readableRequestId(frame);
      this.log(`malformed frame: ${error.message}`);
      if (id !== null) this.send({ t: 'res', id, ok: false, error: { ...error, code: 'BAD_REQUEST' } });
      else this.protocolError(error.message);
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
      this.sendBytes(this.checkedResult(id, method, result));
    } catch (e) {
      const error = ctl.signal.aborted ? { code: 'CANCELLED' as const, message: 'cancelled' } : toError(e);
      if (error.code === 'INTERNAL') this.log(`${method} failed: ${(e as Error)?.stack ?? String(e)}`);
      this.send({ t: 'res', id, ok: false, error });
    } finally {
      this.inflight.delete(id);
    }
  }

  /**
   * The reply frame for a result, checked the way the client will read it (encoded, decoded,
   * validated against the contract): a result that breaks the contract (a NaN or an infinity
   * where a number must be finite, a string too long) throws INTERNAL for this call instead of
   * being sent and rejected by the client, or read as something else (Infinity travels as null).
   */
  private checkedResult(id: number, method: Method, result: unknown): ArrayBuffer {
    try {
      const frame = encodeFrame({ t: 'res', id, ok: true, result });
      const echoed = decodeFrame(frame);
      parseResult(method, echoed.t === 'res' && echoed.ok ? echoed.result : undefined);
      return frame;
    } catch (e) {
      throw new FastAstError('INTERNAL', `the host produced an invalid ${method} result: ${(e as Error).message}`);
    }
  }

  /** Runs `cb` once when this connection closes (per-connection state kept elsewhere, e.g. open files). */
  onClose(cb: () => void): void {
    if (this.closed) cb();
    else this.closeListeners.push(cb);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const cb of this.closeListeners.splice(0)) cb();
    for (const ctl of this.inflight.values()) ctl.abort();
    for (const ctl of this.slots.values()) ctl.abort();
    this.inflight.clear();
  }
}
