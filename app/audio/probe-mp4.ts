import type { FileHandle } from 'node:fs/promises';
import { FastAstError } from '../errors.js';
import { ascii, readAt, u32be, u64be } from './probe-bytes.js';
import { MAX_CHUNKS, type Probe } from './probe-types.js';

const MAX_MOOV_BYTES = 64 * 1024 * 1024;

/** MP4 / M4A: finds the moov box (wherever it sits) and reads the audio track's declared length. */

interface Box {
  type: string;
  start: number;
  headerSize: number;
  size: number;
}

function boxAt(b: Uint8Array, at: number, end: number): Box | null {
  if (at + 8 > end) return null;
  let size = u32be(b, at);
  const type = ascii(b, at + 4, 4);
  let headerSize = 8;
  if (size === 1) {
    if (at + 16 > end) return null;
    size = u64be(b, at + 8);
    headerSize = 16;
  } else if (size === 0) size = end - at;
  if (size < headerSize) return null;
  return { type, start: at, headerSize, size };
}

function children(b: Uint8Array, parent: Box): Box[] {
  const out: Box[] = [];
  const end = Math.min(b.length, parent.start + parent.size);
  for (let at = parent.start + parent.headerSize; at < end; ) {
    const box = boxAt(b, at, end);
    if (!box) break;
    out.push(box);
    at += box.size;
  }
  return out;
}

export async function probeMp4(path: string, fh: FileHandle, size: number): Promise<Probe> {
  const unreadable = (why: string) => new FastAstError('AUDIO_UNREADABLE', `${path}: ${why}`);
  let moov: Box | null = null;
  for (let pos = 0, n = 0; pos < size && n < MAX_CHUNKS; n++) {
    const hdr = await readAt(fh, pos, 16);
    let boxSize = hdr.length >= 8 ? u32be(hdr, 0) : -1;
    const type = ascii(hdr, 4, 4);
    if (boxSize === 1) boxSize = hdr.length >= 16 ? u64be(hdr, 8) : -1;
    else if (boxSize === 0) boxSize = size - pos; // "extends to the end of the file"
    if (boxSize < 8) throw unreadable(`M4A file is truncated or corrupt (unreadable box header at byte ${pos})`);
    if (pos + boxSize > size) {
      throw unreadable(`M4A file is truncated: its "${type}" box needs ${pos + boxSize - size} more bytes than the file has`);
    }
    if (type === 'moov') moov = { type, start: pos, headerSize: u32be(hdr, 0) === 1 ? 16 : 8, size: boxSize };
    pos += boxSize;
  }
  if (!moov) throw unreadable('M4A file has no "moov" index box: it is truncated (an interrupted download or recording) or not an MP4 audio file');
  if (moov.size > MAX_MOOV_BYTES) throw unreadable(`M4A index box is implausibly large (${moov.size} bytes)`);
  const bytes = await readAt(fh, moov.start, moov.size);
  const root: Box = { ...moov, start: 0 };
  const probe: Probe = { format: 'm4a', decoder: 'm4a', label: 'M4A' };
  for (const trak of children(bytes, root).filter((x) => x.type === 'trak')) {
    const mdia = children(bytes, trak).find((x) => x.type === 'mdia');
    if (!mdia) continue;
    const parts = children(bytes, mdia);
    const hdlr = parts.find((x) => x.type === 'hdlr');
    const mdhd = parts.find((x) => x.type === 'mdhd');
    if (!hdlr || !mdhd || ascii(bytes, hdlr.start + hdlr.headerSize + 8, 4) !== 'soun') continue;
    const m = mdhd.start + mdhd.headerSize;
    const v1 = bytes[m] === 1;
    const timescale = u32be(bytes, m + (v1 ? 20 : 12));
    const duration = v1 ? u64be(bytes, m + 24) : u32be(bytes, m + 16);
    if (timescale > 0 && duration > 0 && duration !== 0xffffffff) {
      // AAC priming (1024–2112 samples) is counted in the track length but trimmed by the decoder.
      probe.declared = { frames: duration, sampleRate: timescale, toleranceFrames: Math.ceil(0.06 * timescale), source: 'M4A track header' };
    }
    return probe;
  }
  throw new FastAstError('AUDIO_UNSUPPORTED', `${path}: the MP4/M4A file has no audio track`);
}
