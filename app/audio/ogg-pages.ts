import { FastAstError } from '../errors.js';

// Ogg's page checksum: CRC-32, polynomial 0x04C11DB7, MSB first, initial value 0, no final XOR.
const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let r = i << 24;
    for (let b = 0; b < 8; b++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
    t[i] = r >>> 0;
  }
  return t;
})();

/**
 * Checks every Ogg page's checksum as the file's bytes stream past the decoder. Ogg decoders
 * skip a damaged page and carry on, so without this a corrupt Ogg file decodes "successfully"
 * to audio with a hole in it.
 */
export class OggPageVerifier {
  private pending = new Uint8Array(0);
  /** File offset of pending[0]. */
  private offset = 0;

  constructor(
    private readonly path: string,
    private readonly label: string,
  ) {}

  push(chunk: Uint8Array): void {
    let buf = chunk;
    if (this.pending.length) {
      buf = new Uint8Array(this.pending.length + chunk.length);
      buf.set(this.pending);
      buf.set(chunk, this.pending.length);
    }
    let p = 0;
    while (buf.length - p >= 27) {
      if (buf[p] !== 0x4f || buf[p + 1] !== 0x67 || buf[p + 2] !== 0x67 || buf[p + 3] !== 0x53) {
        throw this.corrupt(`no Ogg page starts at byte ${this.offset + p}`);
      }
      const segments = buf[p + 26];
      if (buf.length - p < 27 + segments) break;
      let end = p + 27 + segments;
      for (let i = 0; i < segments; i++) end += buf[p + 27 + i];
      if (end > buf.length) break;
      const stored = ((buf[p + 22] | (buf[p + 23] << 8) | (buf[p + 24] << 16) | (buf[p + 25] << 24)) >>> 0);
      let crc = 0;
      for (let i = p; i < end; i++) {
        const byte = i - p >= 22 && i - p < 26 ? 0 : buf[i];
        crc = ((crc << 8) ^ CRC_TABLE[((crc >>> 24) ^ byte) & 0xff]) >>> 0;
      }
      if (crc !== stored) throw this.corrupt(`the Ogg page at byte ${this.offset + p} fails its checksum`);
      p = end;
    }
    this.pending = buf.slice(p);
    this.offset += p;
  }

  /** Call at the end of the file: leftover bytes are a page cut short. */
  end(): void {
    if (this.pending.length) throw new FastAstError('AUDIO_UNREADABLE', `${this.path}: ${this.label} file is truncated: it ends in the middle of an Ogg page`);
  }

  private corrupt(why: string): FastAstError {
    return new FastAstError('AUDIO_UNREADABLE', `${this.path}: ${this.label} file is corrupt: ${why}`);
  }
}
