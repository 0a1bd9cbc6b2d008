import type { FileHandle } from 'node:fs/promises';

/** Little readers for container headers: a file region, ASCII tags, fixed-width integers. */

export async function readAt(fh: FileHandle, pos: number, len: number): Promise<Uint8Array> {
  const buf = Buffer.alloc(Math.max(0, len));
  const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
  return new Uint8Array(buf.buffer, buf.byteOffset, bytesRead);
}

export function ascii(b: Uint8Array, at: number, len: number): string {
  let s = '';
  for (let i = at; i < at + len && i < b.length; i++) s += String.fromCharCode(b[i]);
  return s;
}
export const u16le = (b: Uint8Array, at: number) => b[at] | (b[at + 1] << 8);
export const u32le = (b: Uint8Array, at: number) => (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0;
export const u32be = (b: Uint8Array, at: number) => ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
export const u64le = (b: Uint8Array, at: number) => u32le(b, at) + u32le(b, at + 4) * 2 ** 32;
export const u64be = (b: Uint8Array, at: number) => u32be(b, at) * 2 ** 32 + u32be(b, at + 4);
