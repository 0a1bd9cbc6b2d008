/**
 * The one wire format both transports use: one binary frame per message. Typed arrays anywhere
 * in a message travel as raw bytes after a JSON header (no base64, no number lists), so a
 * spectrogram or an fbank window costs its size in bytes and nothing more:
 *
 *   u32 LE header length │ header JSON (UTF-8) │ pad to 8 │ blob 0 │ pad to 8 │ blob 1 …
 *
 * In the header, each typed array is replaced by `{"$b": index, "$t": "f32" | "i32" | "u8"}`
 * and `$bins` lists the byte length of each blob.
 */
import { Envelope } from './protocol.js';
import { invalid, s } from './schema.js';

type Blob = Float32Array | Int32Array | Uint8Array;
const TAGS = { f32: Float32Array, i32: Int32Array, u8: Uint8Array } as const;
type Tag = keyof typeof TAGS;

function tagOf(v: unknown): Tag | null {
  if (v instanceof Float32Array) return 'f32';
  if (v instanceof Int32Array) return 'i32';
  if (v instanceof Uint8Array) return 'u8';
  return null;
}

const MAX_FRAME = 1 << 30;
const pad8 = (n: number) => (n + 7) & ~7;

/** Message → one ArrayBuffer (typed arrays as raw bytes; NaN in plain numbers becomes null). */
export function encodeFrame(msg: Envelope): ArrayBuffer {
  const blobs: Blob[] = [];
  const json = JSON.stringify(msg, function (this: unknown, _key, value) {
    const tag = tagOf(value);
    if (tag) {
      blobs.push(value as Blob);
      return { $b: blobs.length - 1, $t: tag };
    }
    return value;
  });
  const header = new TextEncoder().encode(json.slice(0, -1) + `,"$bins":[${blobs.map((b) => b.byteLength).join(',')}]}`);
  let size = pad8(4 + header.byteLength);
  for (const b of blobs) size += pad8(b.byteLength);
  const buf = new ArrayBuffer(size);
  const bytes = new Uint8Array(buf);
  new DataView(buf).setUint32(0, header.byteLength, true);
  bytes.set(header, 4);
  let off = pad8(4 + header.byteLength);
  for (const b of blobs) {
    bytes.set(new Uint8Array(b.buffer, b.byteOffset, b.byteLength), off);
    off += pad8(b.byteLength);
  }
  return buf;
}

/** One frame → message envelope (validated as an envelope; payloads are validated by method). */
export function decodeFrame(data: ArrayBuffer | ArrayBufferView): Envelope {
  const view = ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data);
  if (view.byteLength < 4 || view.byteLength > MAX_FRAME) throw invalid(`frame: size ${view.byteLength} out of range`);
  // Typed-array views need aligned offsets: copy when the frame does not start on 8 bytes.
  const bytes = view.byteOffset % 8 === 0 ? view : new Uint8Array(view);
  const headerLen = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true);
  if (4 + headerLen > bytes.byteLength) throw invalid('frame: header runs past the end');
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + headerLen)));
  } catch (e) {
    throw invalid(`frame: header is not JSON (${(e as Error).message})`);
  }
  const lens = s.array(s.number({ int: true, min: 0 }), { max: 4096 }).parse(header.$bins, '$bins');
  delete header.$bins;
  const blobs: { off: number; len: number }[] = [];
  let off = pad8(4 + headerLen);
  for (const len of lens) {
    if (off + len > bytes.byteLength) throw invalid('frame: binary part runs past the end');
    blobs.push({ off, len });
    off += pad8(len);
  }
  const revive = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(revive);
    if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (typeof o.$b === 'number' && typeof o.$t === 'string' && Object.keys(o).length === 2) {
        const b = blobs[o.$b];
        const Ctor = TAGS[o.$t as Tag];
        if (!b || !Ctor) throw invalid(`frame: bad binary reference ${JSON.stringify(o)}`);
        if (b.len % Ctor.BYTES_PER_ELEMENT) throw invalid('frame: binary length not a multiple of its element size');
        return new Ctor(bytes.buffer as ArrayBuffer, bytes.byteOffset + b.off, b.len / Ctor.BYTES_PER_ELEMENT);
      }
      for (const k of Object.keys(o)) o[k] = revive(o[k]);
      return o;
    }
    return v;
  };
  return Envelope.parse(revive(header));
}
