import { FastAstError } from '../errors.js';
import type { Probe } from './probe-types.js';

/** WebM / Matroska: walks the EBML header to the Segment and reads its declared duration. */

function ebmlVint(b: Uint8Array, at: number): { len: number; value: number; unknown: boolean } | null {
  const first = b[at];
  if (first === undefined || first === 0) return null;
  let len = 1;
  let mask = 0x80;
  while (!(first & mask)) {
    mask >>= 1;
    len++;
  }
  if (at + len > b.length) return null;
  let value = first & (mask - 1);
  for (let i = 1; i < len; i++) value = value * 256 + b[at + i];
  return { len, value, unknown: value === 2 ** (7 * len) - 1 };
}

function ebmlId(b: Uint8Array, at: number): { len: number; id: number } | null {
  const first = b[at];
  if (first === undefined || first < 0x10) return null; // IDs are 1–4 bytes long
  const len = first >= 0x80 ? 1 : first >= 0x40 ? 2 : first >= 0x20 ? 3 : 4;
  if (at + len > b.length) return null;
  let id = 0;
  for (let i = 0; i < len; i++) id = id * 256 + b[at + i];
  return { len, id };
}

const EBML_SEGMENT = 0x18538067;
const EBML_INFO = 0x1549a966;
const EBML_TIMECODE_SCALE = 0x2ad7b1;
const EBML_DURATION = 0x4489;
const EBML_CLUSTER = 0x1f43b675;

/** Segment › Info › Duration in seconds, if it lies in the bytes we have (it precedes the clusters). */
function webmDurationS(b: Uint8Array, from: number, to: number): number | null {
  for (let at = from; at < to; ) {
    const id = ebmlId(b, at);
    const size = id ? ebmlVint(b, at + id.len) : null;
    if (!id || !size || size.unknown) return null;
    const body = at + id.len + size.len;
    if (id.id === EBML_CLUSTER) return null;
    if (id.id === EBML_INFO) {
      let scale = 1e6;
      let duration: number | null = null;
      for (let p = body; p < Math.min(body + size.value, b.length); ) {
        const cid = ebmlId(b, p);
        const csize = cid ? ebmlVint(b, p + cid.len) : null;
        if (!cid || !csize) return null;
        const v = p + cid.len + csize.len;
        if (v + csize.value > b.length) return null;
        const dv = new DataView(b.buffer, b.byteOffset + v, csize.value);
        if (cid.id === EBML_TIMECODE_SCALE) {
          scale = 0;
          for (let i = 0; i < csize.value; i++) scale = scale * 256 + b[v + i];
        } else if (cid.id === EBML_DURATION) {
          duration = csize.value === 4 ? dv.getFloat32(0) : csize.value === 8 ? dv.getFloat64(0) : null;
        }
        p = v + csize.value;
      }
      return duration === null ? null : (duration * scale) / 1e9;
    }
    at = body + size.value;
  }
  return null;
}

export function probeWebm(path: string, b: Uint8Array, size: number): Probe {
  const unreadable = (why: string) => new FastAstError('AUDIO_UNREADABLE', `${path}: ${why}`);
  const header = ebmlVint(b, 4);
  if (!header) throw unreadable('WebM/Matroska header is truncated or corrupt');
  const segmentAt = 4 + header.len + header.value;
  const segment = ebmlId(b, segmentAt)?.id === EBML_SEGMENT ? ebmlVint(b, segmentAt + 4) : null;
  if (!segment) throw unreadable('WebM/Matroska file is truncated or corrupt (no Segment after the header)');
  const start = segmentAt + 4 + segment.len;
  // A live recording leaves the size "unknown"; otherwise the segment must fit in the file.
  if (!segment.unknown && start + segment.value > size) {
    throw unreadable(`WebM/Matroska file is truncated: its Segment needs ${start + segment.value - size} more bytes than the file has`);
  }
  const probe: Probe = { format: 'webm', decoder: 'webm', label: 'WebM' };
  const durationS = webmDurationS(b, start, segment.unknown ? b.length : Math.min(b.length, start + segment.value));
  if (durationS !== null && durationS > 0) {
    // Counted in milliseconds; codec pre-skip and the last block's length make up a few tens of them.
    probe.declared = { frames: durationS * 1000, sampleRate: 1000, toleranceFrames: 60, source: 'WebM header' };
  }
  return probe;
}
