import { open, stat } from 'node:fs/promises';
import { FastAstError } from '../errors.js';

/** The dtypes a checkpoint may store; all are widened to float32 (or int32) on read. */
export type SafetensorsDtype = 'F32' | 'F16' | 'BF16' | 'I32' | 'I64';

export interface TensorInfo {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  /** Byte range inside the data section (after the header). */
  begin: number;
  end: number;
}

export interface SafetensorsFile {
  path: string;
  tensors: Map<string, TensorInfo>;
  metadata: Record<string, string>;
  /** Reads one tensor as float32 (floating dtypes) or int32 (integer dtypes). */
  read(name: string): Promise<Float32Array | Int32Array>;
  readFloat(name: string): Promise<Float32Array>;
  readInt(name: string): Promise<Int32Array>;
}

const DTYPE_BYTES: Record<SafetensorsDtype, number> = { F32: 4, F16: 2, BF16: 2, I32: 4, I64: 8 };
const MAX_HEADER_BYTES = 100 * 1024 * 1024;

/**
 * Opens a safetensors file (8-byte little-endian header length, JSON header, raw little-endian
 * data) and validates every entry against the file size before any tensor is read.
 */
export async function openSafetensors(path: string): Promise<SafetensorsFile> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch {
    throw new FastAstError('FILE_NOT_FOUND', `${path}: no such file`);
  }
  const bad = (why: string) => new FastAstError('CHECKPOINT_INVALID', `${path}: not a valid safetensors file (${why})`);
  if (size < 8) throw bad(`${size} bytes, too short for a header`);
  const fh = await open(path, 'r');
  try {
    const lenBuf = Buffer.alloc(8);
    await fh.read(lenBuf, 0, 8, 0);
    const headerLen = Number(lenBuf.readBigUInt64LE(0));
    if (headerLen <= 0 || headerLen > MAX_HEADER_BYTES || 8 + headerLen > size) {
      throw bad(`header length ${headerLen} does not fit in a ${size}-byte file`);
    }
    const headerBuf = Buffer.alloc(headerLen);
    await fh.read(headerBuf, 0, headerLen, 8);
    let header: unknown;
    try {
      header = JSON.parse(headerBuf.toString('utf8'));
    } catch {
      throw bad('header is not JSON');
    }
    const dataStart = 8 + headerLen;
    const { tensors, metadata } = parseHeader(path, header, size - dataStart);

    const readRaw = async (name: string): Promise<{ info: TensorInfo; bytes: Buffer }> => {
      const info = tensors.get(name);
      if (!info) throw new FastAstError('CHECKPOINT_TENSOR', `${path}: tensor ${name} is missing`);
      const bytes = Buffer.alloc(info.end - info.begin);
      const h = await open(path, 'r');
      try {
        await h.read(bytes, 0, bytes.length, dataStart + info.begin);
      } finally {
        await h.close();
      }
      return { info, bytes };
    };
    const read = async (name: string) => {
      const { info, bytes } = await readRaw(name);
      return decodeTensor(info.dtype, bytes);
    };
    return {
      path,
      tensors,
      metadata,
      read,
      async readFloat(name) {
        const t = await read(name);
        return t instanceof Float32Array ? t : Float32Array.from(t);
      },
      async readInt(name) {
        const t = await read(name);
        return t instanceof Int32Array ? t : Int32Array.from(t);
      },
    };
  } finally {
    await fh.close();
  }
}

const isByteIndex = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

/**
 * Checks the JSON header against the format's promises before anything is read: every entry an
 * object, a known dtype, a shape of whole sizes, `data_offsets` two whole byte positions whose
 * span is dtype × shape, and the tensors back to back over the whole data section (no gap, no
 * overlap, nothing after the last), as the reference implementation requires. A header that
 * passes can only ever read bytes that belong to the tensor asked for.
 */
function parseHeader(path: string, header: unknown, dataLen: number): { tensors: Map<string, TensorInfo>; metadata: Record<string, string> } {
  const bad = (why: string) => new FastAstError('CHECKPOINT_INVALID', `${path}: not a valid safetensors file (${why})`);
  if (header === null || typeof header !== 'object' || Array.isArray(header)) throw bad('header is not a JSON object');
  const tensors = new Map<string, TensorInfo>();
  let metadata: Record<string, string> = {};
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (raw === null || typeof raw !== 'object' || Array.isArray(raw) || !Object.values(raw).every((v) => typeof v === 'string')) {
        throw bad('__metadata__ is not a map of strings');
      }
      metadata = raw as Record<string, string>;
      continue;
    }
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw bad(`entry ${name} is not an object`);
    const entry = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    // hasOwn, not `in`: "toString" is in every object.
    if (typeof entry.dtype !== 'string' || !Object.hasOwn(DTYPE_BYTES, entry.dtype)) {
      const shown = typeof entry.dtype === 'string' ? entry.dtype : JSON.stringify(entry.dtype);
      throw new FastAstError('CHECKPOINT_INVALID', `${path}: tensor ${name} has dtype ${shown}; supported: F32, F16, BF16, I32, I64`);
    }
    const dtype = entry.dtype as SafetensorsDtype;
    const { shape, data_offsets: offsets } = entry;
    if (!Array.isArray(shape) || !shape.every(isByteIndex)) throw bad(`tensor ${name} has an invalid shape ${JSON.stringify(shape)}`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isByteIndex) || offsets[0] > offsets[1]) {
      throw bad(`tensor ${name} has data_offsets ${JSON.stringify(offsets)}; they must be two whole byte positions [begin, end] with begin ≤ end`);
    }
    const [begin, end] = offsets as [number, number];
    if (end > dataLen) throw bad(`tensor ${name} lies past the end of the file (truncated download?)`);
    // The span is at most the data section, so a shape whose product passes it cannot match: no overflow to worry about.
    const bytes = (shape as number[]).reduce((a, d) => a * d, DTYPE_BYTES[dtype]);
    if (end - begin !== bytes) {
      throw bad(`tensor ${name}: shape [${shape.join(', ')}] of ${dtype} needs ${bytes} bytes, offsets give ${end - begin}`);
    }
    tensors.set(name, { name, dtype, shape: shape as number[], begin, end });
  }
  const ordered = [...tensors.values()].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  let before = '';
  for (const t of ordered) {
    if (t.begin !== at) {
      throw bad(before ? `tensor ${t.name} starts at byte ${t.begin} but the tensor before it ends at byte ${at}` : `tensor ${t.name} starts at byte ${t.begin}, not at the start of the data`);
    }
    at = t.end;
    before = t.name;
  }
  if (at !== dataLen) throw bad(`${dataLen - at} bytes after the last tensor`);
  return { tensors, metadata };
}

export function decodeTensor(dtype: SafetensorsDtype, bytes: Uint8Array): Float32Array | Int32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = bytes.byteLength / DTYPE_BYTES[dtype];
  switch (dtype) {
    case 'F32': {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getFloat32(i * 4, true);
      return out;
    }
    case 'F16': {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = halfToFloat(view.getUint16(i * 2, true));
      return out;
    }
    case 'BF16': {
      const out = new Float32Array(n);
      const u32 = new Uint32Array(out.buffer);
      for (let i = 0; i < n; i++) u32[i] = view.getUint16(i * 2, true) << 16;
      return out;
    }
    case 'I32': {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getInt32(i * 4, true);
      return out;
    }
    case 'I64': {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = Number(view.getBigInt64(i * 8, true));
      return out;
    }
  }
}

export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}
