import type { FileHandle } from 'node:fs/promises';
import { extname } from 'node:path';
import { AUDIO_EXTENSIONS } from '../common/audio-extensions.js';
import { FastAstError } from '../errors.js';
import { ascii, readAt, u16le, u32be, u32le, u64le } from './probe-bytes.js';
import { probeMp4 } from './probe-mp4.js';
import { checkSampleRate, MAX_CHUNKS, SUPPORTED_FORMATS_TEXT, type IntegerPcm, type Probe } from './probe-types.js';
import { probeWebm } from './probe-webm.js';

export { SUPPORTED_FORMATS_TEXT, type AudioFormat, type DeclaredLength, type DecoderName, type IntegerPcm, type Probe } from './probe-types.js';

/**
 * Looks at a file's bytes (never its name) to decide which decoder reads it, and collects
 * what the container promises: the integer PCM scale (to reproduce int/2^(bits-1) exactly)
 * and the declared length (to tell a truncated or corrupt file from a complete one, since
 * the decoders themselves happily return whatever part they could read).
 */

const HEAD_BYTES = 64 * 1024;
// A whole Ogg page is at most 27 + 255 + 255·255 bytes; this tail always holds the last one.
const OGG_TAIL_BYTES = 66 * 1024;

export function seconds(frames: number, rate: number): string {
  return `${(frames / rate).toFixed(2)} s`;
}

export async function probeAudioFile(path: string, fh: FileHandle, size: number): Promise<Probe> {
  const unreadable = (why: string) => new FastAstError('AUDIO_UNREADABLE', `${path}: ${why}`);
  const head = await readAt(fh, 0, Math.min(size, HEAD_BYTES));
  const tagEnd = id3v2End(head);
  if (tagEnd > 0 && tagEnd >= size) throw unreadable('the file holds only an ID3 tag and no audio (truncated MP3?)');
  const body = tagEnd > 0 ? await readAt(fh, tagEnd, HEAD_BYTES) : head;

  if (ascii(body, 0, 4) === 'RIFF' && ascii(body, 8, 4) === 'WAVE') return probeWav(path, fh, size, tagEnd);
  if (ascii(body, 0, 4) === 'fLaC') return probeFlac(path, body);
  if (ascii(body, 0, 4) === 'OggS' && tagEnd === 0) return probeOgg(path, fh, size, body);
  if (ascii(body, 4, 4) === 'ftyp') return probeMp4(path, fh, size);
  if (body[0] === 0x1a && body[1] === 0x45 && body[2] === 0xdf && body[3] === 0xa3 && tagEnd === 0) return probeWebm(path, body, size);
  if (isAdts(body, size - tagEnd)) return { format: 'aac', decoder: 'aac', label: 'AAC' };
  const mp3 = mp3Frame(body, 0);
  if (mp3 && confirmsMp3(body, mp3, size - tagEnd)) return probeMp3(body, mp3);

  const other = recogniseUnsupported(body);
  if (other) {
    throw new FastAstError('AUDIO_UNSUPPORTED', `${path}: ${other} is not supported; convert it to one of ${SUPPORTED_FORMATS_TEXT}`);
  }
  // The name counts only in the wording of the error: the content decided the format.
  const ext = extname(path).toLowerCase();
  // The bytes are not shown: serve opens any file it is pointed at, and an error must not read a file out.
  const what = looksLikeText(body)
    ? 'looks like a text file, not audio'
    : `matches no audio format at byte ${tagEnd} (expected a WAV "RIFF…WAVE", FLAC "fLaC", Ogg "OggS", MP4 "ftyp" or WebM header, or an MP3/AAC frame)`;
  const claim = (AUDIO_EXTENSIONS as readonly string[]).includes(ext.slice(1)) ? `has a ${ext} extension but its content ${what}` : `its content ${what}`;
  throw new FastAstError('AUDIO_UNSUPPORTED', `${path}: ${claim}; supported formats: ${SUPPORTED_FORMATS_TEXT}`);
}

function id3v2End(b: Uint8Array): number {
  if (b.length < 10 || ascii(b, 0, 3) !== 'ID3') return 0;
  const size = ((b[6] & 0x7f) << 21) | ((b[7] & 0x7f) << 14) | ((b[8] & 0x7f) << 7) | (b[9] & 0x7f);
  const footer = b[5] & 0x10 ? 10 : 0;
  return 10 + size + footer;
}

function recogniseUnsupported(b: Uint8Array): string | null {
  const magic = ascii(b, 0, 4);
  if (magic === 'RIFF' && ascii(b, 8, 4) === 'AVI ') return 'AVI video';
  if (magic === 'RIFF') return 'a RIFF file whose type (bytes 8–11) is not WAVE';
  if (magic === 'RF64' || magic === 'BW64') return 'RF64/BW64 WAV (files over 4 GB)';
  if (magic === 'FORM' && (ascii(b, 8, 4) === 'AIFF' || ascii(b, 8, 4) === 'AIFC')) return 'AIFF';
  if (magic === 'OggS') return 'Ogg with an unsupported codec (only Vorbis, Opus and FLAC in Ogg are read)';
  if (magic === 'caff') return 'Core Audio Format (CAF)';
  if (magic === 'MThd') return 'MIDI (notes, not recorded audio)';
  if (b[0] === 0x30 && b[1] === 0x26 && b[2] === 0xb2 && b[3] === 0x75) return 'WMA/ASF';
  if (ascii(b, 0, 5) === '#!AMR') return 'AMR';
  return null;
}

function looksLikeText(b: Uint8Array): boolean {
  const n = Math.min(b.length, 512);
  if (n === 0) return false;
  let printable = 0;
  for (let i = 0; i < n; i++) {
    const c = b[i];
    if (c === 9 || c === 10 || c === 13 || (c >= 32 && c < 127) || c >= 0x80) printable++;
    if (c === 0) return false;
  }
  return printable === n;
}

// ---------------------------------------------------------------- WAV

const WAV_CODECS: Record<number, string> = { 1: 'pcm', 3: 'float', 6: 'alaw', 7: 'ulaw', 2: 'ms-adpcm', 0x11: 'ima-adpcm' };

async function probeWav(path: string, fh: FileHandle, size: number, start: number): Promise<Probe> {
  const unreadable = (why: string) => new FastAstError('AUDIO_UNREADABLE', `${path}: ${why}`);
  let fmt: { codec: string; channels: number; sampleRate: number; byteRate: number; blockAlign: number; bits: number } | null = null;
  let pos = start + 12;
  for (let n = 0; n < MAX_CHUNKS && pos + 8 <= size; n++) {
    const hdr = await readAt(fh, pos, 8);
    const id = ascii(hdr, 0, 4);
    const len = u32le(hdr, 4);
    if (id === 'fmt ') {
      const f = await readAt(fh, pos + 8, Math.min(len, 40));
      if (f.length < 16) throw unreadable('WAV header is truncated (incomplete "fmt " chunk)');
      let tag = u16le(f, 0);
      if (tag === 0xfffe) {
        if (f.length < 26) throw unreadable('WAV header is corrupt (WAVE_FORMAT_EXTENSIBLE without a sub-format)');
        tag = u16le(f, 24);
      }
      const codec = WAV_CODECS[tag];
      if (!codec) {
        throw new FastAstError(
          'AUDIO_UNSUPPORTED',
          `${path}: WAV with codec tag 0x${tag.toString(16).padStart(4, '0')} is not supported (only PCM, float, A-law, µ-law and ADPCM); convert it to PCM WAV or FLAC`,
        );
      }
      fmt = { codec, channels: u16le(f, 2), sampleRate: u32le(f, 4), byteRate: u32le(f, 8), blockAlign: u16le(f, 12), bits: u16le(f, 14) };
      if (fmt.channels === 0 || fmt.sampleRate === 0 || fmt.blockAlign === 0 || fmt.byteRate === 0) {
        throw unreadable(`WAV header is corrupt (channels ${fmt.channels}, sample rate ${fmt.sampleRate}, block size ${fmt.blockAlign})`);
      }
      checkSampleRate(path, 'WAV', fmt.sampleRate);
      const intPcm = codec === 'pcm' && [8, 16, 24, 32].includes(fmt.bits);
      const floatPcm = codec === 'float' && (fmt.bits === 32 || fmt.bits === 64);
      if ((codec === 'pcm' || codec === 'float') && (!(intPcm || floatPcm) || fmt.blockAlign !== (fmt.channels * fmt.bits) / 8)) {
        throw unreadable(`WAV header is corrupt or unsupported (${codec} with ${fmt.bits} bits, ${fmt.channels} channels, block size ${fmt.blockAlign})`);
      }
    } else if (id === 'data') {
      if (!fmt) throw unreadable('WAV file is corrupt: the "data" chunk comes before the "fmt " chunk');
      const dataStart = pos + 8;
      const present = size - dataStart;
      // 0xFFFFFFFF, or 0 followed by data, are what streaming writers leave when they cannot seek back.
      const open = len === 0xffffffff || (len === 0 && present > 0);
      if (len === 0 && present === 0) throw new FastAstError('AUDIO_EMPTY', `${path}: the WAV header is valid but holds no audio (0 samples)`);
      if (!open && len > present) {
        throw unreadable(
          `WAV file is truncated: its header declares ${(len / fmt.byteRate).toFixed(2)} s of audio but only ${(present / fmt.byteRate).toFixed(2)} s are present`,
        );
      }
      const dataBytes = open ? present : len;
      if (dataBytes < fmt.blockAlign) throw new FastAstError('AUDIO_EMPTY', `${path}: the WAV header is valid but holds no audio (${dataBytes} data bytes, less than one sample)`);
      const probe: Probe = { format: 'wav', decoder: 'wav', label: 'WAV' };
      if (fmt.codec === 'pcm' && fmt.bits <= 24) {
        // audio-decode's WAV reader divides negatives by 2^(bits−1) and positives by 2^(bits−1) − 1.
        probe.pcm = { bits: fmt.bits, negativeDivisor: 2 ** (fmt.bits - 1), positiveDivisor: 2 ** (fmt.bits - 1) - 1 };
      }
      if (fmt.codec === 'pcm' || fmt.codec === 'float') {
        probe.declared = { frames: Math.floor(dataBytes / fmt.blockAlign), sampleRate: fmt.sampleRate, toleranceFrames: 0, source: 'WAV header' };
      }
      return probe;
    }
    pos += 8 + len + (len & 1);
  }
  throw unreadable(fmt ? 'WAV file has no "data" chunk: it is truncated or incomplete' : 'WAV file has no "fmt " chunk: it is truncated or corrupt');
}

// ---------------------------------------------------------------- FLAC

interface StreamInfo {
  sampleRate: number;
  channels: number;
  bits: number;
  totalSamples: number;
}

function parseStreamInfo(b: Uint8Array, at: number): StreamInfo | null {
  if (b.length < at + 18) return null;
  const sampleRate = (b[at + 10] << 12) | (b[at + 11] << 4) | (b[at + 12] >> 4);
  const channels = ((b[at + 12] >> 1) & 7) + 1;
  const bits = (((b[at + 12] & 1) << 4) | (b[at + 13] >> 4)) + 1;
  const totalSamples = (b[at + 13] & 0x0f) * 2 ** 32 + u32be(b, at + 14);
  return { sampleRate, channels, bits, totalSamples };
}

function flacScale(bits: number): IntegerPcm | undefined {
  // libFLAC (wasm) output is v / (2^(bits−1) − 1) for both signs; verified for 16 and 24 bits only.
  if (bits !== 16 && bits !== 24) return undefined;
  const d = 2 ** (bits - 1) - 1;
  return { bits, positiveDivisor: d, negativeDivisor: d };
}

function probeFlac(path: string, b: Uint8Array): Probe {
  const blockType = b[4] & 0x7f;
  const info = blockType === 0 ? parseStreamInfo(b, 8) : null;
  if (!info) throw new FastAstError('AUDIO_UNREADABLE', `${path}: FLAC header is truncated or corrupt (no STREAMINFO block)`);
  if (info.sampleRate === 0) throw new FastAstError('AUDIO_UNREADABLE', `${path}: FLAC header is corrupt (sample rate 0)`);
  checkSampleRate(path, 'FLAC', info.sampleRate);
  const probe: Probe = { format: 'flac', decoder: 'flac', label: 'FLAC', pcm: flacScale(info.bits) };
  // 0 means "unknown" (written by encoders that could not seek back), not "empty".
  if (info.totalSamples > 0) probe.declared = { frames: info.totalSamples, sampleRate: info.sampleRate, toleranceFrames: 0, source: 'FLAC STREAMINFO' };
  return probe;
}

// ---------------------------------------------------------------- MP3

interface Mp3Frame {
  version: 1 | 2 | 25;
  layer: 1 | 2 | 3;
  sampleRate: number;
  samplesPerFrame: number;
  length: number;
  mono: boolean;
  srIndex: number;
}

const MP3_BITRATES: Record<string, number[]> = {
  '1-1': [0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
  '1-2': [0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
  '1-3': [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  '2-1': [0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
  '2-2': [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
  '2-3': [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
};

function mp3Frame(b: Uint8Array, at: number): Mp3Frame | null {
  if (b.length < at + 4 || b[at] !== 0xff || (b[at + 1] & 0xe0) !== 0xe0) return null;
  const v = (b[at + 1] >> 3) & 3;
  const l = (b[at + 1] >> 1) & 3;
  const brIndex = b[at + 2] >> 4;
  const srIndex = (b[at + 2] >> 2) & 3;
  if (v === 1 || l === 0 || brIndex === 0 || brIndex === 15 || srIndex === 3) return null;
  const version = v === 3 ? 1 : v === 2 ? 2 : 25;
  const layer = (4 - l) as 1 | 2 | 3;
  const sampleRate = [44100, 48000, 32000][srIndex] / (version === 1 ? 1 : version === 2 ? 2 : 4);
  const bitrate = MP3_BITRATES[`${version === 1 ? 1 : 2}-${layer}`][brIndex] * 1000;
  const pad = (b[at + 2] >> 1) & 1;
  const samplesPerFrame = layer === 1 ? 384 : layer === 2 || version === 1 ? 1152 : 576;
  const length = layer === 1 ? (Math.floor((12 * bitrate) / sampleRate) + pad) * 4 : Math.floor(((samplesPerFrame / 8) * bitrate) / sampleRate) + pad;
  return { version, layer, sampleRate, samplesPerFrame, length, mono: b[at + 3] >> 6 === 3, srIndex };
}

// A lone 0xFFEx pair is common in random data; a second frame header where the first one says it ends is not.
function confirmsMp3(b: Uint8Array, first: Mp3Frame, available: number): boolean {
  if (first.length >= available) return true;
  if (first.length + 4 > b.length) return true;
  const next = mp3Frame(b, first.length);
  return !!next && next.version === first.version && next.layer === first.layer && next.srIndex === first.srIndex;
}

function probeMp3(b: Uint8Array, f: Mp3Frame): Probe {
  const probe: Probe = { format: 'mp3', decoder: 'mp3', label: 'MP3' };
  if (f.layer !== 3) return probe;
  const sideInfo = f.version === 1 ? (f.mono ? 17 : 32) : f.mono ? 9 : 17;
  const x = 4 + sideInfo;
  const tag = ascii(b, x, 4);
  // The decoder (libmpg123-style) trims encoder delay/padding and the 529-sample decoder delay.
  const slack = 2 * f.samplesPerFrame + 529;
  if ((tag === 'Xing' || tag === 'Info') && b.length >= x + 12) {
    const flags = u32be(b, x + 4);
    if (flags & 1) {
      const frames = u32be(b, x + 8);
      let p = x + 12 + (flags & 2 ? 4 : 0) + (flags & 4 ? 100 : 0) + (flags & 8 ? 4 : 0);
      let delayPadding = 0;
      if (b.length >= p + 24) {
        p += 21;
        delayPadding = ((b[p] << 4) | (b[p + 1] >> 4)) + (((b[p + 1] & 0x0f) << 8) | b[p + 2]);
      }
      if (frames > 0) {
        probe.declared = { frames: frames * f.samplesPerFrame - delayPadding, sampleRate: f.sampleRate, toleranceFrames: slack, source: `MP3 ${tag} header` };
      }
    }
  } else if (ascii(b, 4 + 32, 4) === 'VBRI' && b.length >= 36 + 18) {
    const frames = u32be(b, 36 + 14);
    if (frames > 0) probe.declared = { frames: frames * f.samplesPerFrame, sampleRate: f.sampleRate, toleranceFrames: slack, source: 'MP3 VBRI header' };
  }
  return probe;
}

// ---------------------------------------------------------------- Ogg (Vorbis, Opus, FLAC)

function oggPageEnd(b: Uint8Array, at: number): number {
  if (b.length < at + 27) return -1;
  const segments = b[at + 26];
  if (b.length < at + 27 + segments) return -1;
  let body = 0;
  for (let i = 0; i < segments; i++) body += b[at + 27 + i];
  return at + 27 + segments + body;
}

async function probeOgg(path: string, fh: FileHandle, size: number, head: Uint8Array): Promise<Probe> {
  const unreadable = (why: string) => new FastAstError('AUDIO_UNREADABLE', `${path}: ${why}`);
  const firstEnd = oggPageEnd(head, 0);
  if (firstEnd < 0 || firstEnd > size) throw unreadable('Ogg file is truncated inside its first page');
  const p = 27 + head[26];
  let probe: Probe;
  let rate: number;
  let preSkip = 0;
  if (ascii(head, p, 8) === 'OpusHead') {
    probe = { format: 'opus', decoder: 'opus', label: 'Opus', ogg: true };
    rate = 48000; // Opus granule positions always count 48 kHz samples
    preSkip = u16le(head, p + 10);
  } else if (head[p] === 1 && ascii(head, p + 1, 6) === 'vorbis') {
    probe = { format: 'ogg', decoder: 'oga', label: 'Ogg Vorbis', ogg: true };
    rate = u32le(head, p + 12);
    checkSampleRate(path, probe.label, rate);
  } else if (head[p] === 0x7f && ascii(head, p + 1, 4) === 'FLAC') {
    const info = parseStreamInfo(head, p + 17);
    if (!info || info.sampleRate === 0) throw unreadable('Ogg FLAC header is truncated or corrupt');
    probe = { format: 'flac', decoder: 'flac', label: 'Ogg FLAC', ogg: true, pcm: flacScale(info.bits) };
    rate = info.sampleRate;
    checkSampleRate(path, probe.label, rate);
  } else {
    const codec = ascii(head, p, 8).replace(/[^\x20-\x7e]/g, '');
    throw new FastAstError('AUDIO_UNSUPPORTED', `${path}: Ogg file with codec "${codec}" is not supported (only Vorbis, Opus and FLAC); convert it to one of ${SUPPORTED_FORMATS_TEXT}`);
  }

  // The last page must end exactly at the end of the file; anything else is a cut-off download.
  const tailStart = Math.max(0, size - OGG_TAIL_BYTES);
  const tail = await readAt(fh, tailStart, size - tailStart);
  let last = -1;
  for (let i = tail.length - 27; i >= 0; i--) {
    if (tail[i] === 0x4f && tail[i + 1] === 0x67 && tail[i + 2] === 0x67 && tail[i + 3] === 0x53 && tail[i + 4] === 0 && oggPageEnd(tail, i) === tail.length) {
      last = i;
      break;
    }
  }
  if (last < 0) throw unreadable(`${probe.label} file is truncated: it ends in the middle of an Ogg page`);
  const granuleLo = u32le(tail, last + 6);
  const granuleHi = u32le(tail, last + 10);
  // A stream dump without an end-of-stream flag is still a usable file as long as its last page is whole.
  // FLAC's STREAMINFO, not the granule, declares its length (and is checked as in native FLAC).
  if (!(granuleLo === 0xffffffff && granuleHi === 0xffffffff) && probe.format !== 'flac') {
    const frames = u64le(tail, last + 6) - preSkip;
    if (frames <= 0) throw new FastAstError('AUDIO_EMPTY', `${path}: the ${probe.label} stream is valid but holds no audio`);
    // Vorbis blocks reach 8192 samples, Opus packets 120 ms (5760 at 48 kHz).
    probe.declared = { frames, sampleRate: rate, toleranceFrames: probe.format === 'opus' ? 5760 : 4096, source: 'last Ogg page' };
  }
  return probe;
}

// ---------------------------------------------------------------- AAC (ADTS)

function isAdts(b: Uint8Array, available: number): boolean {
  const frameLength = (at: number) => (b[at] === 0xff && (b[at + 1] & 0xf6) === 0xf0 && b.length >= at + 6 ? ((b[at + 3] & 3) << 11) | (b[at + 4] << 3) | (b[at + 5] >> 5) : 0);
  const len = frameLength(0);
  if (len < 7) return false;
  // Same guard as for MP3: a second header where the first frame ends.
  return len >= available || len + 6 > b.length || frameLength(len) >= 7;
}
