import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeAudioFile } from '../app/audio/decode.js';
import type { FastAstErrorCode } from '../app/errors.js';
import { FUZZ_SEED, newTally, Rng, runCase, summary, type FuzzTally } from './support/fuzz.js';

/**
 * Generated audio: every supported container truncated at several points and with header bytes
 * flipped, WAV and FLAC header fields at their extremes, NaN/Inf samples, 0 and 1 sample, 1–8
 * channels, the valid rates from 8 to 192 kHz. Each case must decode to finite samples of a
 * sane length or be refused with an audio error code: never another error, a hang past the
 * per-case cap, or memory that grows with what a header claims. The seed and counts are printed.
 */

const CORPUS = fileURLToPath(new URL('./corpus/', import.meta.url));
const DEMO = fileURLToPath(new URL('../data/demo/', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'fastast-fuzz-audio-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const ANY_AUDIO_ERROR: FastAstErrorCode[] = ['AUDIO_UNREADABLE', 'AUDIO_UNSUPPORTED', 'AUDIO_EMPTY', 'AUDIO_TOO_LARGE'];
const CAP_MS = 10_000;
let fileNo = 0;

const SEEDS = [
  join(CORPUS, 'speech_16k_s16.wav'),
  join(CORPUS, 'speech_16k_s24_extensible.wav'),
  join(CORPUS, 'speech_16k_f32.wav'),
  join(CORPUS, 'six_channel_16k.wav'),
  join(CORPUS, 'speech_16k_s16.flac'),
  join(CORPUS, 'speech_16k_s24.flac'),
  join(CORPUS, 'speech_44k_stereo.mp3'),
  join(CORPUS, 'speech_44k_stereo.ogg'),
  join(CORPUS, 'speech_48k_stereo.opus'),
  join(CORPUS, 'speech_44k_stereo.m4a'),
  join(CORPUS, 'speech_48k_stereo.webm'),
  join(CORPUS, 'speech_44k_stereo.aac'),
  join(DEMO, 'car_horn_dj997_493751.flac'),
];

interface AudioCase {
  name: string;
  bytes: Uint8Array;
  /** Codes a refusal may carry (default: any audio error). */
  allowed?: FastAstErrorCode[];
  /** Checks a successful decode beyond "finite samples" (e.g. the exact length). */
  check?: (samples: Float32Array) => void;
  /** The file must not decode (NaN/Inf inside, or no samples). */
  mustRefuse?: boolean;
}

// ------------------------------------------------------------------ WAV builder

interface WavFields {
  tag: number;
  channels: number;
  rate: number;
  bits: number;
  byteRate?: number;
  blockAlign?: number;
  /** The data chunk's declared size (default: the real one). */
  dataSize?: number;
  /** The fmt chunk's declared size (default 16). */
  fmtSize?: number;
}

function wav(f: WavFields, data: Uint8Array): Buffer {
  const blockAlign = f.blockAlign ?? (f.channels * f.bits) / 8;
  const b = Buffer.alloc(44 + data.length);
  b.write('RIFF', 0, 'ascii');
  b.writeUInt32LE((36 + data.length) >>> 0, 4);
  b.write('WAVEfmt ', 8, 'ascii');
  b.writeUInt32LE(f.fmtSize ?? 16, 16);
  b.writeUInt16LE(f.tag & 0xffff, 20);
  b.writeUInt16LE(f.channels & 0xffff, 22);
  b.writeUInt32LE(f.rate >>> 0, 24);
  b.writeUInt32LE((f.byteRate ?? f.rate * blockAlign) >>> 0, 28);
  b.writeUInt16LE(blockAlign & 0xffff, 32);
  b.writeUInt16LE(f.bits & 0xffff, 34);
  b.write('data', 36, 'ascii');
  b.writeUInt32LE((f.dataSize ?? data.length) >>> 0, 40);
  b.set(data, 44);
  return b;
}

type SampleFormat = 'u8' | 's16' | 's24' | 's32' | 'f32' | 'f64';
const FORMAT: Record<SampleFormat, { tag: number; bits: number }> = {
  u8: { tag: 1, bits: 8 },
  s16: { tag: 1, bits: 16 },
  s24: { tag: 1, bits: 24 },
  s32: { tag: 1, bits: 32 },
  f32: { tag: 3, bits: 32 },
  f64: { tag: 3, bits: 64 },
};

/** `frames × channels` samples of noise in [−0.5, 0.5], with `special` written at the given sample indices. */
function samples(fmt: SampleFormat, frames: number, channels: number, rng: Rng, special: [number, number][] = []): Uint8Array {
  const n = frames * channels;
  const width = FORMAT[fmt].bits / 8;
  const b = Buffer.alloc(n * width);
  const at = new Map(special);
  for (let i = 0; i < n; i++) {
    const x = at.get(i) ?? rng.next() - 0.5;
    const o = i * width;
    if (fmt === 'u8') b.writeUInt8(Math.round(128 + x * 254), o);
    else if (fmt === 's16') b.writeInt16LE(Math.round(x * 65534), o);
    else if (fmt === 's24') b.writeIntLE(Math.round(x * 16777214), o, 3);
    else if (fmt === 's32') b.writeInt32LE(Math.round(x * 4294967294), o);
    else if (fmt === 'f32') b.writeFloatLE(x, o);
    else b.writeDoubleLE(x, o);
  }
  return b;
}

const pcmWav = (fmt: SampleFormat, rate: number, channels: number, data: Uint8Array, over: Partial<WavFields> = {}) =>
  wav({ ...FORMAT[fmt], channels, rate, ...over }, data);

const exactLength = (frames: number, rate: number) => (x: Float32Array) => {
  const want = Math.round((frames * 16000) / rate);
  if (x.length !== want) throw new Error(`${x.length} samples, expected ${want}`);
};

// ------------------------------------------------------------------ the cases

function seedCases(rng: Rng): AudioCase[] {
  const out: AudioCase[] = [];
  for (const path of SEEDS) {
    const bytes = new Uint8Array(readFileSync(path));
    const name = path.slice(path.lastIndexOf('/') + 1);
    const n = bytes.length;
    const cuts = [1, 4, 8, 12, 16, 36, 44, 64, 200, 1000, n >> 2, n >> 1, n - 100, n - 1, ...Array.from({ length: 4 }, () => rng.int(2, n - 2))];
    for (const cut of cuts) out.push({ name: `${name} truncated at ${cut}`, bytes: bytes.subarray(0, cut) });
    for (let i = 0; i < 6; i++) {
      const b = bytes.slice();
      for (let k = rng.int(1, 3); k > 0; k--) b[rng.int(0, Math.min(n, 96) - 1)] = rng.int(0, 255);
      out.push({ name: `${name} header bytes flipped #${i}`, bytes: b });
    }
    const b = bytes.slice();
    b.set(rng.bytes(64), rng.int(n >> 2, n - 65));
    out.push({ name: `${name} 64 random bytes in the middle`, bytes: b });
  }
  return out;
}

function wavHeaderCases(rng: Rng): AudioCase[] {
  const out: AudioCase[] = [];
  const data = samples('s16', 800, 2, rng);
  const base: WavFields = { tag: 1, channels: 2, rate: 16000, bits: 16 };
  const add = (what: string, over: Partial<WavFields>, bytes = data) => out.push({ name: `WAV ${what}`, bytes: wav({ ...base, ...over }, bytes) });
  for (const rate of [0, 1, 999, 768001, 2 ** 32 - 1]) add(`rate ${rate}`, { rate });
  for (const rate of [1000, 768000]) out.push({ name: `WAV rate ${rate}`, bytes: wav({ ...base, rate }, data), check: exactLength(800, rate) });
  for (const channels of [0, 9, 255, 65535]) add(`channels ${channels}`, { channels });
  for (const channels of [0, 9, 65535]) add(`channels ${channels}, block align to match`, { channels, blockAlign: (channels * 2) & 0xffff });
  for (const bits of [0, 1, 7, 12, 64, 65535]) add(`bits ${bits}`, { bits });
  for (const bits of [0, 7, 16, 64]) add(`float with ${bits} bits`, { tag: 3, bits });
  for (const dataSize of [0, 1, 3, 4, 2 ** 31, 2 ** 32 - 2, 2 ** 32 - 1]) add(`data size ${dataSize}`, { dataSize });
  for (const blockAlign of [0, 1, 3, 65535]) add(`block align ${blockAlign}`, { blockAlign });
  for (const byteRate of [0, 1, 2 ** 32 - 1]) add(`byte rate ${byteRate}`, { byteRate });
  for (const fmtSize of [0, 14, 15, 17, 2 ** 32 - 1]) add(`fmt chunk size ${fmtSize}`, { fmtSize });
  for (const tag of [0, 2, 6, 7, 0x11, 0x55, 0xfffe]) add(`codec tag 0x${tag.toString(16)}`, { tag });
  // A chunk before "data" whose length runs past the end of the file.
  const junk = Buffer.concat([wav(base, new Uint8Array(0)).subarray(0, 36), Buffer.from('junk\xff\xff\xff\x7f', 'latin1'), Buffer.from(data)]);
  out.push({ name: 'WAV chunk length past the end', bytes: junk });
  return out;
}

/** FLAC STREAMINFO fields at their extremes, on the 16-bit seed (block at byte 8, fields from byte 18). */
function flacHeaderCases(): AudioCase[] {
  const seed = new Uint8Array(readFileSync(join(CORPUS, 'speech_16k_s16.flac')));
  const out: AudioCase[] = [];
  const edit = (what: string, f: (b: Uint8Array) => void) => {
    const b = seed.slice();
    f(b);
    out.push({ name: `FLAC ${what}`, bytes: b });
  };
  const setRate = (b: Uint8Array, r: number) => {
    b[18] = (r >> 12) & 0xff;
    b[19] = (r >> 4) & 0xff;
    b[20] = ((r & 0x0f) << 4) | (b[20] & 0x0f);
  };
  for (const r of [0, 1, 999, 768001, 2 ** 20 - 1]) edit(`sample rate ${r}`, (b) => setRate(b, r));
  for (let ch = 0; ch < 8; ch++) edit(`channels field ${ch + 1}`, (b) => (b[20] = (b[20] & 0xf1) | (ch << 1)));
  for (const bits of [1, 4, 8, 20, 24, 32]) {
    edit(`bits per sample ${bits}`, (b) => {
      b[20] = (b[20] & 0xfe) | (((bits - 1) >> 4) & 1);
      b[21] = (((bits - 1) & 0x0f) << 4) | (b[21] & 0x0f);
    });
  }
  for (const total of [1, 2 ** 32 - 1, 2 ** 36 - 1]) {
    edit(`total samples ${total}`, (b) => {
      b[21] = (b[21] & 0xf0) | Math.floor(total / 2 ** 32);
      new DataView(b.buffer).setUint32(22, total % 2 ** 32);
    });
  }
  edit('block size 0', (b) => b.fill(0, 8, 12));
  edit('not STREAMINFO first', (b) => (b[4] = 0x04));
  return out;
}

/** The Vorbis identification header's rate (its page checksum is left stale: the rate is looked at first). */
function vorbisRateCases(): AudioCase[] {
  const seed = new Uint8Array(readFileSync(join(CORPUS, 'speech_44k_stereo.ogg')));
  const rateAt = 27 + seed[26] + 12;
  return [0, 1, 999, 768001, 2 ** 32 - 1].map((rate) => {
    const b = seed.slice();
    new DataView(b.buffer).setUint32(rateAt, rate, true);
    return { name: `Ogg Vorbis rate ${rate}`, bytes: b, allowed: ['AUDIO_UNSUPPORTED', 'AUDIO_UNREADABLE'], mustRefuse: true };
  });
}

function sampleCases(rng: Rng): AudioCase[] {
  const out: AudioCase[] = [];
  // NaN and ±Inf, in 32- and 64-bit float, 1–8 channels: always refused, by name.
  for (const fmt of ['f32', 'f64'] as const) {
    for (const [what, v] of [['NaN', NaN], ['+Inf', Infinity], ['-Inf', -Infinity]] as const) {
      for (let k = 0; k < 3; k++) {
        const channels = rng.int(1, 8);
        const frames = rng.int(1, 4000);
        const at = rng.int(0, frames * channels - 1);
        const rate = rng.pick([8000, 16000, 44100, 48000]);
        out.push({
          name: `${fmt} ${channels} ch ${rate} Hz with ${what} at sample ${at}`,
          bytes: pcmWav(fmt, rate, channels, samples(fmt, frames, channels, rng, [[at, v]])),
          allowed: ['AUDIO_UNREADABLE'],
          mustRefuse: true,
        });
      }
    }
  }
  // 0 and 1 sample, every sample format, 1–8 channels (1 sample at 48 kHz is 0 at 16 kHz: still not an error here).
  for (const fmt of Object.keys(FORMAT) as SampleFormat[]) {
    for (const channels of [1, 2, 5, 8]) {
      out.push({ name: `${fmt} ${channels} ch, 0 samples`, bytes: pcmWav(fmt, 16000, channels, new Uint8Array(0)), allowed: ['AUDIO_EMPTY'], mustRefuse: true });
      const rate = rng.pick([8000, 16000, 48000]);
      out.push({ name: `${fmt} ${channels} ch ${rate} Hz, 1 sample`, bytes: pcmWav(fmt, rate, channels, samples(fmt, 1, channels, rng)), check: exactLength(1, rate) });
    }
  }
  // Valid rates from 8 to 192 kHz, 1–8 channels, in turn 16-bit, 24-bit and float: exact length, finite.
  const rates = [8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000, 64000, 88200, 96000, 176400, 192000];
  const fmts: SampleFormat[] = ['s16', 's24', 'f32', 'u8', 's32'];
  rates.forEach((rate, i) => {
    for (const channels of [1 + (i % 8), 8 - (i % 8)]) {
      const fmt = fmts[(i + channels) % fmts.length];
      const frames = Math.round(rate * 0.05) + rng.int(0, 99);
      out.push({ name: `${fmt} ${channels} ch ${rate} Hz, ${frames} frames`, bytes: pcmWav(fmt, rate, channels, samples(fmt, frames, channels, rng)), check: exactLength(frames, rate) });
    }
  });
  return out;
}

async function decodeCase(c: AudioCase): Promise<void> {
  const path = join(tmp, `case-${fileNo++}.bin`);
  writeFileSync(path, c.bytes);
  const d = await decodeAudioFile(path);
  if (c.mustRefuse) throw new Error(`decoded (${d.samples.length} samples) but must be refused`);
  const bad = d.samples.findIndex((x) => !Number.isFinite(x));
  if (bad >= 0) throw new Error(`decoded sample ${bad} is ${d.samples[bad]}`);
  // Nothing here holds more than ~2 s of audio; a longer result means a header was believed.
  if (d.samples.length > 16000 * 30) throw new Error(`decoded to ${d.samples.length} samples`);
  c.check?.(d.samples);
}

async function run(tally: FuzzTally, cases: AudioCase[]): Promise<void> {
  for (const c of cases) await runCase(tally, c.name, c.allowed ?? ANY_AUDIO_ERROR, CAP_MS, () => decodeCase(c));
}

describe('fuzz: generated audio', () => {
  it(`every case decodes to finite samples or is refused with an audio error (seed ${FUZZ_SEED})`, async () => {
    const started = performance.now();
    const rng = new Rng(FUZZ_SEED);
    const tally = newTally();
    const rssBefore = process.memoryUsage().rss / 2 ** 20;
    await run(tally, seedCases(rng));
    await run(tally, wavHeaderCases(rng));
    await run(tally, flacHeaderCases());
    await run(tally, vorbisRateCases());
    await run(tally, sampleCases(rng));
    console.log(summary('audio', tally, (performance.now() - started) / 1000));
    for (const f of tally.findings) console.log(`  finding: ${f}`);
    expect(tally.findings).toEqual([]);
    expect(tally.cases).toBeGreaterThan(400);
    // Inputs are at most 100 KB each: growth beyond this is a header's claim being honoured.
    expect(tally.peakRssMb - rssBefore).toBeLessThan(512);
  });
});
