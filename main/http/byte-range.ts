/**
 * One `Range: bytes=…` header against a file of `size` bytes (RFC 9110 §14), for media seeking.
 * Only a single range is supported; a header that is not one well-formed byte range is ignored
 * (the whole file is sent), as the RFC allows.
 */
export type ByteRange =
  /** Send bytes start…end inclusive; `partial` when they answer a Range header (206). */
  | { kind: 'ok'; start: number; end: number; partial: boolean }
  /** The range lies outside the file (416, with `bytes *\/size`). */
  | { kind: 'unsatisfiable' };

export function parseByteRange(header: string | null | undefined, size: number): ByteRange {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header ?? '');
  if (!m || (!m[1] && !m[2])) return { kind: 'ok', start: 0, end: size - 1, partial: false };
  let start: number;
  let end: number;
  if (!m[1]) {
    // A suffix: the last N bytes.
    start = Math.max(0, size - Number(m[2]));
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] ? Math.min(Number(m[2]), size - 1) : size - 1;
  }
  if (start > end || start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'ok', start, end, partial: true };
}

/** Status and headers of a decoded-audio response (both hosts serve media the same way). */
export function mediaResponseHead(range: ByteRange, size: number): { status: number; headers: Record<string, string> } {
  if (range.kind === 'unsatisfiable') return { status: 416, headers: { 'content-range': `bytes */${size}` } };
  return {
    status: range.partial ? 206 : 200,
    headers: {
      'content-type': 'audio/wav',
      'accept-ranges': 'bytes',
      'content-length': String(range.end - range.start + 1),
      ...(range.partial ? { 'content-range': `bytes ${range.start}-${range.end}/${size}` } : {}),
      'cache-control': 'no-store',
    },
  };
}
