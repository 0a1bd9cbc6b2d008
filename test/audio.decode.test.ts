import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeAudioFile, streamAudioFile } from '../app/audio/decode.js';
import { sineInt16, wavInt16, writeWav } from './corpus/wav.js';

// Files in test/corpus were made by test/corpus/make.sh (see its README); the reference for all
// of them is speech_16k_s16.wav: samples 32000…55999 of the demo speech clip as 16-bit integers.
const CORPUS = fileURLToPath(new URL('./corpus/', import.meta.url));
const DEMO = fileURLToPath(new URL('../data/demo/', import.meta.url));
const corpus = (name: string) => join(CORPUS, name);

const refInts = wavInt16(readFileSync(corpus('speech_16k_s16.wav'))).samples;
const ref = Float32Array.from(refInts, (v) => v / 32768);

const tmp = mkdtempSync(join(tmpdir(), 'fastast-audio-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function expectExactly(actual: Float32Array, expected: Float32Array): void {
  expect(actual.length).toBe(expected.length);
  let mismatches = 0;
  for (let i = 0; i < expected.length; i++) if (actual[i] !== expected[i]) mismatches++;
  expect(mismatches).toBe(0);
}

/** Best normalised correlation of y against x over lags −maxLag…maxLag, with the SNR at that lag. */
function align(x: Float32Array, y: Float32Array, maxLag: number): { corr: number; lag: number; snrDb: number } {
  let best = { corr: -1, lag: 0, snrDb: 0 };
  for (let lag = -maxLag; lag <= maxLag; lag++) {
    let sxy = 0;
    let sxx = 0;
    let syy = 0;
    let see = 0;
    for (let i = Math.max(0, -lag); i < x.length && i + lag < y.length; i++) {
      const a = x[i];
      const b = y[i + lag];
      sxy += a * b;
      sxx += a * a;
      syy += b * b;
      see += (a - b) ** 2;
    }
    const corr = sxy / Math.sqrt(sxx * syy);
    if (corr > best.corr) best = { corr, lag, snrDb: 10 * Math.log10(sxx / see) };
  }
  return best;
}

/** Least-squares a·sin + b·cos at a known frequency: the continuous tone behind the samples. */
function fitTone(x: Float32Array, frequency: number, sampleRate: number): (t: number) => number {
  let ss = 0;
  let cc = 0;
  let sc = 0;
  let xs = 0;
  let xc = 0;
  for (let i = 0; i < x.length; i++) {
    const s = Math.sin((2 * Math.PI * frequency * i) / sampleRate);
    const c = Math.cos((2 * Math.PI * frequency * i) / sampleRate);
    ss += s * s;
    cc += c * c;
    sc += s * c;
    xs += x[i] * s;
    xc += x[i] * c;
  }
  const det = ss * cc - sc * sc;
  const a = (xs * cc - xc * sc) / det;
  const b = (xc * ss - xs * sc) / det;
  return (t) => a * Math.sin(2 * Math.PI * frequency * t) + b * Math.cos(2 * Math.PI * frequency * t);
}

/** Frequency of a pure tone from its zero crossings (rising), ignoring the resampler's edges. */
function toneFrequency(x: Float32Array, sampleRate: number): number {
  const crossings: number[] = [];
  const margin = Math.floor(0.05 * sampleRate);
  for (let i = margin; i < x.length - margin; i++) {
    if (x[i - 1] < 0 && x[i] >= 0) crossings.push(i - 1 + x[i - 1] / (x[i - 1] - x[i]));
  }
  return (sampleRate * (crossings.length - 1)) / (crossings[crossings.length - 1] - crossings[0]);
}

describe('decode: lossless formats reproduce the integers exactly (int / 2^(bits−1))', () => {
  it.each([
    ['speech_16k_s16.wav', 'wav'],
    ['speech_16k_s16_extensible.wav', 'wav'],
    ['speech_16k_s24_extensible.wav', 'wav'],
    ['speech_16k_f32.wav', 'wav'],
    ['speech_16k_s16.flac', 'flac'],
    ['speech_16k_s24.flac', 'flac'],
  ])('%s', async (file, format) => {
    const d = await decodeAudioFile(corpus(file));
    expect(d.format).toBe(format);
    expect(d.sampleRate).toBe(16000);
    expect(d.sourceSampleRate).toBe(16000);
    expect(d.channels).toBe(1);
    expect(d.durationS).toBe(1.5);
    expectExactly(d.samples, ref);
  });

  it('the demo FLAC decodes to the same integers as the WAV cut from it', async () => {
    const d = await decodeAudioFile(join(DEMO, 'speech_female_librispeech_198-209-0000.flac'));
    expectExactly(d.samples.subarray(32000, 56000), ref);
  });

  it('an extensible-header 16-bit stereo WAV written here decodes to the mean of its channels', async () => {
    const left = sineInt16(440, 16000, 0.25);
    const right = sineInt16(1000, 16000, 0.25, 0.3);
    const inter = new Int16Array(left.length * 2);
    for (let i = 0; i < left.length; i++) {
      inter[2 * i] = left[i];
      inter[2 * i + 1] = right[i];
    }
    const path = join(tmp, 'stereo_ext.wav');
    writeWav(path, { sampleRate: 16000, channels: 2, samples: inter, extensible: true });
    const d = await decodeAudioFile(path);
    expect(d.channels).toBe(2);
    expectExactly(d.samples, Float32Array.from(left, (l, i) => (l / 32768 + right[i] / 32768) / 2));
  });
});

describe('decode: lossy formats match the lossless reference', () => {
  it.each([
    ['speech_44k_stereo.mp3', 'mp3', 44100],
    ['speech_44k_stereo.ogg', 'ogg', 44100],
    ['speech_48k_stereo.opus', 'opus', 48000],
    ['speech_44k_stereo.m4a', 'm4a', 44100],
    ['speech_44k_stereo.aac', 'aac', 44100],
    ['speech_48k_stereo.webm', 'webm', 48000],
  ])('%s', async (file, format, rate) => {
    const d = await decodeAudioFile(corpus(file));
    expect(d.format).toBe(format);
    expect(d.sourceSampleRate).toBe(rate);
    expect(d.sampleRate).toBe(16000);
    // Raw ADTS carries no priming/padding info, so its decoder keeps a few extra samples.
    expect(Math.abs(d.samples.length - ref.length)).toBeLessThanOrEqual(0.01 * ref.length);
    const { corr, lag, snrDb } = align(ref, d.samples, 800);
    expect(lag).toBe(0);
    expect(corr).toBeGreaterThan(0.99);
    expect(snrDb).toBeGreaterThan(15);
  });
});

/** Amplitude of the `frequency` component of x (projection on sin and cos), away from the edges. */
function toneAmplitude(x: Float32Array, frequency: number, sampleRate: number): number {
  const from = Math.floor(0.05 * sampleRate);
  const to = x.length - from;
  let xs = 0;
  let xc = 0;
  for (let i = from; i < to; i++) {
    xs += x[i] * Math.sin((2 * Math.PI * frequency * i) / sampleRate);
    xc += x[i] * Math.cos((2 * Math.PI * frequency * i) / sampleRate);
  }
  return (2 / (to - from)) * Math.hypot(xs, xc);
}

describe('decode: lossy stereo with different channels downmixes to their mean', () => {
  // Left 440 Hz at 0.5, right 1000 Hz at 0.3 (test/corpus/make.sh): the mean holds 440 Hz at
  // 0.25 and 1000 Hz at 0.15. One channel alone would give 0.5 and 0, or 0 and 0.3.
  it.each([
    ['tones_44k_stereo_lr.mp3', 'mp3', 44100],
    ['tones_44k_stereo_lr.ogg', 'ogg', 44100],
    ['tones_48k_stereo_lr.opus', 'opus', 48000],
  ])('%s', async (file, format, rate) => {
    const d = await decodeAudioFile(corpus(file));
    expect([d.format, d.sourceSampleRate, d.channels]).toEqual([format, rate, 2]);
    // Codec tolerance: the lossy encoders keep a pure tone's level to well within 10 %.
    expect(Math.abs(toneAmplitude(d.samples, 440, 16000) - 0.25)).toBeLessThan(0.025);
    expect(Math.abs(toneAmplitude(d.samples, 1000, 16000) - 0.15)).toBeLessThan(0.015);
  });
});

describe('decode: other rates are resampled, more channels downmixed', () => {
  // The tone is fitted (amplitude, phase) on the source samples; the 16 kHz output must lie on
  // the same continuous sine: right frequency, right length, no delay, no gain change.
  it.each([
    ['sine_1000hz_8k.wav', 1000, 8000],
    ['sine_3000hz_48k.wav', 3000, 48000],
  ])('%s → 16 kHz on the same sine', async (file, frequency, rate) => {
    const source = wavInt16(readFileSync(corpus(file)));
    expect(source.sampleRate).toBe(rate);
    const tone = fitTone(Float32Array.from(source.samples, (v) => v / 32768), frequency, rate);
    const d = await decodeAudioFile(corpus(file));
    expect(d.sourceSampleRate).toBe(rate);
    expect(d.samples.length).toBe(16000);
    expect(d.durationS).toBe(1);
    expect(toneFrequency(d.samples, 16000)).toBeCloseTo(frequency, 1);
    let maxErr = 0;
    for (let i = 1600; i < 14400; i++) maxErr = Math.max(maxErr, Math.abs(d.samples[i] - tone(i / 16000)));
    expect(maxErr).toBeLessThan(2e-3);
  });

  it('6-channel (5.1) WAV → the mean of the six channels', async () => {
    const bytes = readFileSync(corpus('six_channel_16k.wav'));
    const { channels, samples } = wavInt16(bytes);
    expect(channels).toBe(6);
    const n = samples.length / 6;
    const mean = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let c = 0; c < 6; c++) s += samples[6 * i + c] / 32768;
      mean[i] = s / 6;
    }
    const d = await decodeAudioFile(corpus('six_channel_16k.wav'));
    expect(d.channels).toBe(6);
    expectExactly(d.samples, mean);
  });

  it('44.1 kHz WAV written here: length is round(N · 16000 / 44100)', async () => {
    const path = join(tmp, 'sine_44k.wav');
    writeWav(path, { sampleRate: 44100, channels: 1, samples: sineInt16(500, 44100, 0.7) });
    const d = await decodeAudioFile(path);
    expect(d.samples.length).toBe(Math.round((Math.round(44100 * 0.7) * 16000) / 44100));
    expect(toneFrequency(d.samples, 16000)).toBeCloseTo(500, 1);
  });
});

describe('decode: streaming', () => {
  it('chunks concatenate to the whole-file decode, and progress reaches 1', async () => {
    const path = join(DEMO, 'music_orchestra_brahms_hungarian_dance5.flac');
    const whole = await decodeAudioFile(path);
    const progress: number[] = [];
    const stream = await streamAudioFile(path, { onProgress: (f) => progress.push(f) });
    expect(stream.sourceSampleRate).toBe(16000);
    let at = 0;
    let chunks = 0;
    let mismatches = 0;
    for await (const chunk of stream) {
      for (let i = 0; i < chunk.length; i++) if (chunk[i] !== whole.samples[at + i]) mismatches++;
      at += chunk.length;
      chunks++;
    }
    expect(mismatches).toBe(0);
    expect(at).toBe(whole.samples.length);
    expect(stream.samplesOut).toBe(whole.samples.length);
    expect(chunks).toBeGreaterThan(2);
    expect(progress.at(-1)).toBe(1);
    expect(progress.every((p, i) => i === 0 || p >= progress[i - 1])).toBe(true);
  });

  it('a resampled stream equals the whole-file decode too', async () => {
    const path = join(tmp, 'long_48k.wav');
    writeWav(path, { sampleRate: 48000, channels: 1, samples: sineInt16(700, 48000, 3) });
    const whole = await decodeAudioFile(path);
    const parts: Float32Array[] = [];
    for await (const chunk of await streamAudioFile(path)) parts.push(chunk);
    const joined = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
    parts.reduce((at, p) => (joined.set(p, at), at + p.length), 0);
    expectExactly(joined, whole.samples);
    expect(joined.length).toBe(48000);
  });

  it('close() stops early and releases the file', async () => {
    const stream = await streamAudioFile(join(DEMO, 'music_orchestra_brahms_hungarian_dance5.flac'));
    for await (const chunk of stream) {
      expect(chunk.length).toBeGreaterThan(0);
      break;
    }
    await stream.close();
    expect(stream.samplesOut).toBeLessThan(45 * 16000);
  });

  it('decodes the 45 s demo clip (timing logged)', async () => {
    const path = join(DEMO, 'music_orchestra_brahms_hungarian_dance5.flac');
    await decodeAudioFile(path); // WASM already warm from the tests above; measure a steady-state run
    const t = performance.now();
    const d = await decodeAudioFile(path);
    const ms = performance.now() - t;
    console.log(`[audio] decode ${d.durationS.toFixed(2)} s FLAC: ${ms.toFixed(1)} ms (${(d.durationS / (ms / 1000)).toFixed(0)}× real time)`);
    expect(d.samples.length).toBe(733518);
  });
});

describe('decode: through an opened handle (serve --root reads only what it checked)', () => {
  it.each(['speech_16k_s16.wav', 'speech_44k_stereo.mp3', 'speech_44k_stereo.ogg', 'speech_48k_stereo.opus', 'speech_44k_stereo.m4a', 'speech_48k_stereo.webm'])('%s: the same samples as by path, and the handle stays open for its owner', async (file) => {
    const byPath = await decodeAudioFile(corpus(file));
    const handle = await open(corpus(file), 'r');
    try {
      // A path that does not exist: only the handle may be read.
      const byHandle = await decodeAudioFile(join(tmp, 'not-there', file), { handle });
      expect(byHandle.format).toBe(byPath.format);
      expectExactly(byHandle.samples, byPath.samples);
      expect((await handle.stat()).size).toBeGreaterThan(0);
    } finally {
      await handle.close();
    }
  });
});
