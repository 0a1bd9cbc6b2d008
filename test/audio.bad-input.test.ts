import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeAudioFile, streamAudioFile } from '../app/audio/decode.js';
import { featuresForFile } from '../app/audio/features.js';
import { StreamResampler } from '../app/audio/resample.js';
import { FastAstError, type FastAstErrorCode } from '../app/errors.js';
import { sineInt16, wavBytes } from './corpus/wav.js';

// Every bad input must end in a FastAstError whose message names the file and says what is
// wrong; nothing may crash the process or leave an unhandled rejection (Vitest fails on those).

const CORPUS = fileURLToPath(new URL('./corpus/', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'fastast-bad-audio-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function file(name: string, bytes: Uint8Array | string): string {
  const path = join(tmp, name);
  writeFileSync(path, bytes);
  return path;
}

/** Deterministic noise, so a failure can be reproduced byte for byte. */
function noise(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s >>> 24;
  }
  return out;
}

const original = (name: string) => new Uint8Array(readFileSync(join(CORPUS, name)));

async function decodeError(path: string, opts = {}): Promise<FastAstError> {
  try {
    await decodeAudioFile(path, opts);
  } catch (e) {
    expect(e).toBeInstanceOf(FastAstError);
    return e as FastAstError;
  }
  throw new Error(`${path} decoded without an error`);
}

async function expectError(path: string, code: FastAstErrorCode, message: RegExp, opts = {}): Promise<void> {
  const e = await decodeError(path, opts);
  console.log(`[audio] ${code.padEnd(17)} ${e.message}`);
  expect(e.code).toBe(code);
  expect(e.message).toContain(path);
  expect(e.message).toMatch(message);
}

const SPEECH = ['speech_16k_s16.wav', 'speech_16k_s16.flac', 'speech_44k_stereo.mp3', 'speech_44k_stereo.ogg', 'speech_48k_stereo.opus', 'speech_44k_stereo.m4a', 'speech_48k_stereo.webm'];

describe('bad input: not there, empty, not audio', () => {
  it('missing file', () => expectError(join(tmp, 'nope.wav'), 'FILE_NOT_FOUND', /no such file/));

  it('a directory', () => {
    const dir = join(tmp, 'folder.wav');
    mkdirSync(dir);
    return expectError(dir, 'AUDIO_UNREADABLE', /is a directory/);
  });

  it.each(['empty.wav', 'empty.mp3', 'empty'])('0-byte file %s', (name) => expectError(file(name, new Uint8Array(0)), 'AUDIO_EMPTY', /empty \(0 bytes\)/));

  it('a text file renamed .wav', () =>
    expectError(file('notes.wav', 'These are my notes.\nNot a recording at all.\n'), 'AUDIO_UNSUPPORTED', /has a \.wav extension but its content looks like a text file/));

  it('random bytes named .mp3: where and what was expected, never the bytes themselves', async () => {
    const bytes = noise(5000, 7);
    await expectError(file('noise.mp3', bytes), 'AUDIO_UNSUPPORTED', /matches no audio format at byte 0 \(expected a WAV "RIFF…WAVE", FLAC "fLaC".*\); supported formats: WAV, FLAC, MP3/);
    const message = (await decodeError(file('noise.mp3', bytes))).message;
    const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0'));
    expect(message).not.toContain(hex(bytes.subarray(0, 4)).join(' '));
    expect(message).not.toContain(hex(bytes.subarray(0, 4)).join(''));
  });

  it('a RIFF file of another type: its type is not quoted', async () => {
    const bytes = new Uint8Array(64);
    bytes.set(new TextEncoder().encode('RIFF\x38\0\0\0SECRfmt '));
    const e = await decodeError(file('other.wav', bytes));
    expect(e.message).toMatch(/a RIFF file whose type \(bytes 8–11\) is not WAVE is not supported/);
    expect(e.message).not.toContain('SECR');
  });

  it('random bytes behind an MP3 frame sync', () => {
    const bytes = noise(5000, 11);
    bytes.set([0xff, 0xfb, 0x90, 0x64]);
    return expectError(file('fake-sync.mp3', bytes), 'AUDIO_UNSUPPORTED', /matches no audio format at byte 0/);
  });

  it('an unknown format without an extension', () => expectError(file('blob', noise(300, 3)), 'AUDIO_UNSUPPORTED', /matches no audio format at byte 0/));

  it.each([
    ['song.aiff', 'FORM\0\0\0\x20AIFFCOMM', /AIFF is not supported; convert it to one of WAV/],
    ['tune.mid', 'MThd\0\0\0\x06\0\0\0\x01\0\x60', /MIDI \(notes, not recorded audio\) is not supported/],
  ])('a recognised but unsupported format: %s', (name, bytes, message) => expectError(file(name, Buffer.from(bytes, 'latin1')), 'AUDIO_UNSUPPORTED', message));
});

describe('bad input: 0-length and broken WAV headers', () => {
  it('valid WAV header, no samples', () => expectError(file('zero.wav', wavBytes({ sampleRate: 16000, channels: 1, samples: new Int16Array(0) })), 'AUDIO_EMPTY', /header is valid but holds no audio/));

  it('WAV with an unknown codec tag', () => {
    const b = wavBytes({ sampleRate: 16000, channels: 1, samples: sineInt16(440, 16000, 0.1) });
    b.writeUInt16LE(0x1234, 20);
    return expectError(file('codec.wav', b), 'AUDIO_UNSUPPORTED', /codec tag 0x1234 is not supported/);
  });

  it('WAV with 0 channels', () => {
    const b = wavBytes({ sampleRate: 16000, channels: 1, samples: sineInt16(440, 16000, 0.1) });
    b.writeUInt16LE(0, 22);
    return expectError(file('nochannels.wav', b), 'AUDIO_UNREADABLE', /header is corrupt/);
  });

  it('WAV whose data chunk is missing', () => {
    const b = wavBytes({ sampleRate: 16000, channels: 1, samples: sineInt16(440, 16000, 0.1) });
    b.write('junk', 36, 'ascii');
    return expectError(file('nodata.wav', b), 'AUDIO_UNREADABLE', /no "data" chunk/);
  });

  it('a WAV too short for one analysis frame decodes, but has no features', async () => {
    const path = file('tiny.wav', wavBytes({ sampleRate: 16000, channels: 1, samples: sineInt16(440, 16000, 0.01) }));
    expect((await decodeAudioFile(path)).samples.length).toBe(160);
    const spec = { sampleRate: 16000, numMelBins: 128, maxLength: 1024, doNormalize: true, mean: -4.2677393, std: 4.5689974 };
    await expect(featuresForFile(path, spec)).rejects.toMatchObject({ code: 'AUDIO_EMPTY', message: expect.stringMatching(/shorter than one 25 ms analysis frame/) });
  });
});

describe('bad input: truncated files of each format', () => {
  it.each(SPEECH)('%s cut in half', (name) => {
    const bytes = original(name);
    return expectError(file(`half-${name}`, bytes.subarray(0, bytes.length >> 1)), 'AUDIO_UNREADABLE', /truncated/);
  });

  it.each(SPEECH)('%s cut inside its header (first 30 bytes)', async (name) => {
    const e = await decodeError(file(`head-${name}`, original(name).subarray(0, 30)));
    console.log(`[audio] ${e.code.padEnd(17)} ${e.message}`);
    expect(['AUDIO_UNREADABLE', 'AUDIO_UNSUPPORTED', 'AUDIO_EMPTY']).toContain(e.code);
    expect(e.message).toMatch(/truncated|corrupt|no audio|matches no audio format/);
  });

  it('raw AAC (ADTS) has no length field: a cut file decodes to what is there', async () => {
    const bytes = original('speech_44k_stereo.aac');
    const d = await decodeAudioFile(file('half.aac', bytes.subarray(0, bytes.length >> 1)));
    expect(d.durationS).toBeGreaterThan(0.5);
    expect(d.durationS).toBeLessThan(1);
  });
});

describe('bad input: corrupt data in the middle', () => {
  // WAV has no checksum and no structure inside its samples: corrupt samples are just other samples.
  it.each(SPEECH.filter((n) => !n.endsWith('.wav')))('%s with 2000 noise bytes a quarter of the way in', (name) => {
    const bytes = original(name).slice();
    bytes.set(noise(2000, 5), bytes.length >> 2);
    return expectError(file(`corrupt-${name}`, bytes), 'AUDIO_UNREADABLE', /corrupt/);
  });
});

describe('bad input: limits and cancellation', () => {
  it('larger than maxBytes', () => expectError(join(CORPUS, 'speech_16k_s16.wav'), 'AUDIO_TOO_LARGE', /47\.0 KB is over the 1000 bytes limit/, { maxBytes: 1000 }));

  // Raw AAC declares no length, so the limit is found while decoding; the MP3's Xing header says it up front.
  it('longer than maxDurationS, found while decoding', () => expectError(join(CORPUS, 'speech_44k_stereo.aac'), 'AUDIO_TOO_LARGE', /longer than the 0\.5 s limit/, { maxDurationS: 0.5 }));

  it('longer than maxDurationS, declared by the header', () =>
    expectError(join(CORPUS, 'speech_44k_stereo.mp3'), 'AUDIO_TOO_LARGE', /MP3 Info header declares 1\.50 s of audio, over the 0\.5 s limit/, { maxDurationS: 0.5 }));

  it('cancelled before it starts', () => {
    const controller = new AbortController();
    controller.abort();
    return expectError(join(CORPUS, 'speech_16k_s16.wav'), 'CANCELLED', /cancelled/, { signal: controller.signal });
  });

  it('cancelled while streaming', async () => {
    const controller = new AbortController();
    const stream = await streamAudioFile(fileURLToPath(new URL('../data/demo/music_orchestra_brahms_hungarian_dance5.flac', import.meta.url)), {
      signal: controller.signal,
    });
    const read = async () => {
      for await (const chunk of stream) {
        expect(chunk.length).toBeGreaterThan(0);
        controller.abort();
      }
    };
    await expect(read()).rejects.toMatchObject({ code: 'CANCELLED' });
  });

  it('the process is still fine: a good file decodes after all of the above', async () => {
    const d = await decodeAudioFile(join(CORPUS, 'speech_16k_s16.flac'));
    expect(d.samples.length).toBe(24000);
  });
});

/** A 32-bit float WAV (format tag 3), channels interleaved in `samples`. */
function floatWav(sampleRate: number, channels: number, samples: Float32Array): Buffer {
  const data = Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
  const b = Buffer.alloc(44 + data.length);
  b.write('RIFFxxxxWAVEfmt ', 0, 'ascii');
  b.writeUInt32LE(36 + data.length, 4);
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(3, 20);
  b.writeUInt16LE(channels, 22);
  b.writeUInt32LE(sampleRate, 24);
  b.writeUInt32LE(sampleRate * channels * 4, 28);
  b.writeUInt16LE(channels * 4, 32);
  b.writeUInt16LE(32, 34);
  b.write('data', 36, 'ascii');
  b.writeUInt32LE(data.length, 40);
  data.copy(b, 44);
  return b;
}

/** A 16-bit PCM WAV of `n` bytes of tone whose header claims `rate` (byte rate and all). */
function wavDeclaring(rate: number, seconds = 0.1): Buffer {
  const b = wavBytes({ sampleRate: 16000, channels: 1, samples: sineInt16(440, 16000, seconds) });
  b.writeUInt32LE(rate >>> 0, 24);
  b.writeUInt32LE((rate * 2) >>> 0 || 2, 28);
  return b;
}

describe('bad input: non-finite float samples', () => {
  // Decision: an error, not silent zeroing: NaN/Inf in a recording means the writer was broken,
  // and every score computed from it would be NaN (or, zeroed, quietly wrong).
  it.each([
    ['NaN', NaN],
    ['+Inf', Infinity],
    ['-Inf', -Infinity],
  ])('a float WAV holding %s names the first bad sample and its time', (what, value) => {
    const s = new Float32Array(16000).fill(0.25);
    s[12345] = value;
    s[15000] = NaN;
    return expectError(file(`nonfinite-${what}.wav`, floatWav(16000, 1, s)), 'AUDIO_UNREADABLE', new RegExp(`sample 12345 \\(0\\.77 s\\) is ${what.replace('+', '\\+')}; the file holds non-finite float samples`));
  });

  it('in the second channel of a stereo file, at 44.1 kHz (the time is the source time)', () => {
    const s = new Float32Array(2 * 44100).fill(0.1);
    s[2 * 30000 + 1] = NaN;
    return expectError(file('nonfinite-stereo.wav', floatWav(44100, 2, s)), 'AUDIO_UNREADABLE', /sample 30000 \(0\.68 s\) is NaN/);
  });
});

describe('bad input: sample rates outside 1 kHz…768 kHz', () => {
  it.each([1, 100, 999, 768001, 4_000_000_000])('a WAV declaring %d Hz is refused by name', (rate) =>
    expectError(file(`rate-${rate}.wav`, wavDeclaring(rate)), 'AUDIO_UNSUPPORTED', new RegExp(`sample rate ${rate} Hz is outside 1 kHz…768 kHz`)),
  );

  it.each([1000, 768000])('a WAV at %d Hz (the bounds) decodes to finite samples of the right length', async (rate) => {
    const d = await decodeAudioFile(file(`rate-ok-${rate}.wav`, wavDeclaring(rate)));
    expect(d.samples.length).toBe(Math.round((1600 * 16000) / rate));
    expect(d.samples.every(Number.isFinite)).toBe(true);
  });

  it('a rate above 192 kHz that does not reduce to one the resampler takes is refused by name (keepSourceRate still reads it)', async () => {
    const path = file('rate-odd.wav', wavDeclaring(700_001));
    await expectError(path, 'AUDIO_UNSUPPORTED', /resampling 700001 Hz to 16000 Hz needs a ratio the resampler cannot take/);
    expect((await decodeAudioFile(path, { keepSourceRate: true })).samples.length).toBe(1600);
  });

  it('a FLAC whose STREAMINFO says 1 Hz is refused by name', () => {
    const b = original('speech_16k_s16.flac').slice();
    // STREAMINFO's 20-bit sample rate starts at byte 18 (after "fLaC", the block header and 10 bytes).
    b[18] = 0;
    b[19] = 0;
    b[20] = (b[20] & 0x0f) | 0x10;
    return expectError(file('rate-1.flac', b), 'AUDIO_UNSUPPORTED', /FLAC sample rate 1 Hz is outside 1 kHz…768 kHz/);
  });
});

describe('bad input: the output length is bounded before decoding', () => {
  it('a WAV whose header declares more audio than maxDurationS is refused before any sample is decoded', async () => {
    // 8 s at 1 kHz would come out as 128,000 samples at 16 kHz: over a 1 s limit, said up front.
    let progress = 0;
    await expectError(file('long-1k.wav', wavDeclaring(1000, 0.5)), 'AUDIO_TOO_LARGE', /declares 8\.00 s of audio, over the 1 s limit/, {
      maxDurationS: 1,
      onProgress: (f: number) => (progress = f),
    });
    expect(progress).toBe(0);
  });
});

describe('bad input: the resampler bounds its own expansion', () => {
  // decode.ts never asks for more than 16× (1 kHz is the lowest rate read); the resampler refuses it anyway.
  it('100 Hz → 16 kHz (160-fold) is refused; 1 kHz → 16 kHz is taken', async () => {
    await expect(StreamResampler.create(100, 16000)).rejects.toMatchObject({ code: 'AUDIO_UNSUPPORTED', message: expect.stringMatching(/100 Hz to 16000 Hz would multiply the length 160-fold; at most 16/) });
    const r = await StreamResampler.create(1000, 16000);
    expect(r.push(new Float32Array(1000)).reduce((n, y) => n + y.length, 0) + r.end().reduce((n, y) => n + y.length, 0)).toBe(16000);
  });
});
