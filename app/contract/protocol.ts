/**
 * The message envelope both transports carry: requests, cancels, responses (a result or a
 * coded error) and events. Payloads are validated per method and per event (methods.ts,
 * events.ts); here only the envelope itself.
 */
import { ERROR_CODES, type ErrorCode } from '../common/errors.js';
import { fail, invalid, s, type Schema } from './schema.js';

export const PROTOCOL_VERSION = 1;

export type Envelope =
  | { t: 'req'; id: number; method: string; params: unknown }
  | { t: 'cancel'; id: number }
  | { t: 'res'; id: number; ok: true; result: unknown }
  | { t: 'res'; id: number; ok: false; error: ErrorBody }
  | { t: 'evt'; event: string; data: unknown };

const messageId = s.number({ int: true, min: 0 });
const name = s.string({ max: 64 });
/** A coded error; `paths` names files the caller may act on (EXISTS: the targets an overwrite would replace). */
const ErrorBody = s.object({ code: s.enum(ERROR_CODES), message: s.string({ max: 16_384 }), paths: s.optional(s.array(s.string({ max: 4096 }), { max: 1_000_000 })) });
export type ErrorBody = { code: ErrorCode; message: string; paths?: string[] };

export const Envelope: Schema<Envelope> = {
  kind: 'envelope',
  parse(v, p = '') {
    if (typeof v !== 'object' || v === null) fail(p, 'a message object', v);
    const o = v as Record<string, unknown>;
    switch (o.t) {
      case 'req':
        return { t: 'req', id: messageId.parse(o.id, 'id'), method: name.parse(o.method, 'method'), params: o.params };
      case 'cancel':
        return { t: 'cancel', id: messageId.parse(o.id, 'id') };
      case 'res':
        if (o.ok === true) return { t: 'res', id: messageId.parse(o.id, 'id'), ok: true, result: o.result };
        if (o.ok === false) return { t: 'res', id: messageId.parse(o.id, 'id'), ok: false, error: ErrorBody.parse(o.error, 'error') };
        return fail('ok', 'true or false', o.ok);
      case 'evt':
        return { t: 'evt', event: name.parse(o.event, 'event'), data: o.data };
      default:
        throw invalid(`t: unknown message type ${JSON.stringify(o.t)}`);
    }
  },
};
