import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeAudioFile } from '../app/audio/decode.js';
import { fbank } from '../app/audio/fbank.js';
import { featuresForFile } from '../app/audio/features.js';
import { hopFramesFromSeconds, normaliseInPlace, paddingValue, validFrames, windowCount, windowInput, windowTimes } from '../app/audio/windows.js';
import { openSafetensors, type SafetensorsFile } from '../app/checkpoint/safetensors.js';
import { specFromConfigs, type FeatureSpec } from '../app/checkpoint/spec.js';
import { FastAstError } from '../app/errors.js';
import { DEMO_CLIP_STEMS, SYNTHETIC_INPUTS } from './helpers/fixtures.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const DEMO = fileURLToPath(new URL('../data/demo/', import.meta.url));
const MEL = 128;

// The fixtures were made with HF's defaults (AudioSet mean/std, do_normalize, max_length 1024),
// which is what a checkpoint without preprocessor_config.json (the tiny AST) gets.
const features: FeatureSpec = specFromConfigs(JSON.parse(readFileSync(FIXTURES + 'tiny-ast/config.json', 'utf8')), null, 'tiny-ast').features;

let synthetic: SafetensorsFile;
let real: SafetensorsFile;
beforeAll(async () => {
  synthetic = await openSafetensors(FIXTURES + 'features_synthetic.safetensors');
  real = await openSafetensors(FIXTURES + 'features_real.safetensors');
});

const INPUTS = [
  ...SYNTHETIC_INPUTS.map((n) => ({ name: n, file: 'syn' as const, key: n })),
  ...DEMO_CLIP_STEMS.map((n) => ({ name: n, file: 'real' as const, key: `real_${n}` })),
];

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('input_values match HF ASTFeatureExtractor', () => {
  it('the feature spec is HF\'s default', () => {
    expect(features).toMatchObject({ sampleRate: 16000, maxLength: 1024, numMelBins: MEL, doNormalize: true, mean: -4.2677393, std: 4.5689974 });
  });

  it.each(INPUTS)('$name: from the fixture fbank_raw (pad, then normalise)', async ({ file, key }) => {
    const st = file === 'syn' ? synthetic : real;
    const raw = await st.readFloat(`${key}.fbank_raw`);
    const frames = st.tensors.get(`${key}.fbank_raw`)!.shape[0];
    const expected = await st.readFloat(`${key}.input_values`);
    expect(windowCount(frames, features.maxLength)).toBe(1);
    expect(maxAbsDiff(windowInput(raw, frames, MEL, 0, features.maxLength, features), expected)).toBeLessThanOrEqual(1e-5);
  });

  it.each(INPUTS)('$name: from our own fbank', async ({ name, file, key }) => {
    const st = file === 'syn' ? synthetic : real;
    const wave = file === 'syn' ? await st.readFloat(`${key}.wave`) : (await decodeAudioFile(`${DEMO}${name}.flac`)).samples.subarray(0, 163_840);
    const f = fbank(wave, MEL);
    const d = maxAbsDiff(windowInput(f.data, f.frames, MEL, 0, features.maxLength, features), await st.readFloat(`${key}.input_values`));
    // The fbank's error (audio.fbank.test.ts: 2e-3, the chirp's float32-noise entries 1e-2)
    // divided by 2·std, which is what normalisation does to it.
    expect(d).toBeLessThanOrEqual((name === 'chirp_100_7000' ? 1e-2 : 2e-3) / (2 * features.std));
  });

});

describe('windows', () => {
  const L = 1024;

  it('count = 1 + max(0, ⌈(F − L)/H⌉)', () => {
    expect(windowCount(0, L)).toBe(1);
    expect(windowCount(98, L)).toBe(1); // F < L
    expect(windowCount(L, L)).toBe(1); // F = L
    expect(windowCount(L + 1, L)).toBe(2); // F = L + 1
    expect(windowCount(2 * L, L)).toBe(2);
    expect(windowCount(4583, L)).toBe(5);
    expect(windowCount(L, L, 512)).toBe(1); // hop < L
    expect(windowCount(L + 1, L, 512)).toBe(2);
    expect(windowCount(2000, L, 512)).toBe(3); // ⌈976/512⌉ = 2 more
    expect(windowCount(2048, L, 512)).toBe(3);
    expect(windowCount(2049, L, 512)).toBe(4);
    expect(() => windowCount(100, L, 0)).toThrow(RangeError);
  });

  it('start times are k·H·10 ms; ends are the last real frame', () => {
    expect(windowTimes(98, 0, L)).toEqual({ startS: 0, endS: 0.98 });
    expect(windowTimes(L + 1, 1, L)).toEqual({ startS: 10.24, endS: 10.25 });
    expect(windowTimes(2000, 2, L, 512)).toEqual({ startS: 10.24, endS: 20 });
    expect([0, 1, 2].map((k) => validFrames(2000, k, L, 512))).toEqual([1024, 1024, 976]);
    expect(validFrames(L + 1, 1, L)).toBe(1);
  });

  it('hop in seconds becomes whole frames', () => {
    expect(hopFramesFromSeconds(5.12)).toBe(512);
    expect(hopFramesFromSeconds(0.01)).toBe(1);
    expect(() => hopFramesFromSeconds(0)).toThrow(FastAstError);
    expect(() => hopFramesFromSeconds(Number.NaN)).toThrow(FastAstError);
  });

  it('padding equals the normalised zero, and sits exactly past the real frames', () => {
    const pad = paddingValue(features);
    expect(pad).toBe(Math.fround(Math.fround(4.2677393) / Math.fround(2 * 4.5689974)));
    expect(normaliseInPlace(new Float32Array([0]), features)[0]).toBe(pad);
    const frames = L + 300;
    const raw = new Float32Array(frames * MEL).map((_, i) => 1 + Math.floor(i / MEL)); // frame t holds t + 1
    const w1 = windowInput(raw, frames, MEL, 1, L, features);
    const expectRow = (w: Float32Array, row: number, value: number) => expect(w.subarray(row * MEL, (row + 1) * MEL).every((v) => v === value)).toBe(true);
    expectRow(w1, 0, normaliseInPlace(new Float32Array([L + 1]), features)[0]);
    expectRow(w1, 299, normaliseInPlace(new Float32Array([L + 300]), features)[0]);
    expectRow(w1, 300, pad);
    expectRow(w1, L - 1, pad);
    const unnormalised = windowInput(raw, frames, MEL, 1, L, { ...features, doNormalize: false });
    expectRow(unnormalised, 300, 0);
    // hop < L: window 1 starts at frame H
    const h = windowInput(raw, frames, MEL, 1, 256, features);
    expectRow(h, 0, normaliseInPlace(new Float32Array([257]), features)[0]);
    expect(() => windowInput(raw, frames, MEL, 2, L, features)).toThrow(RangeError);
  });

  it('featuresForFile: streamed fbank of a file = fbank of its decoded samples; windows over 45 s', async () => {
    const path = `${DEMO}music_orchestra_brahms_hungarian_dance5.flac`;
    const streamed = await featuresForFile(path, features);
    const whole = fbank((await decodeAudioFile(path)).samples, MEL);
    expect(streamed.frames).toBe(whole.frames);
    expect(streamed.fbank).toEqual(whole.data);
    expect(streamed.audio).toMatchObject({ format: 'flac', sampleRate: 16000, sourceSampleRate: 16000, channels: 1, samples: 733518 });
    expect(streamed.timingsMs.decode).toBeGreaterThan(0);
    expect(streamed.timingsMs.fbank).toBeGreaterThan(0);
    const n = windowCount(streamed.frames, L);
    expect(n).toBe(5);
    expect(windowTimes(streamed.frames, n - 1, L)).toEqual({ startS: 40.96, endS: (4096 + validFrames(streamed.frames, n - 1, L)) / 100 });
    console.log(`[audio] featuresForFile 45.84 s FLAC: decode ${streamed.timingsMs.decode.toFixed(0)} ms, fbank ${streamed.timingsMs.fbank.toFixed(0)} ms, ${streamed.frames} frames`);
  });

  it('featuresForFile refuses a feature spec at another sample rate', async () => {
    await expect(featuresForFile(`${DEMO}car_horn_dj997_493751.flac`, { ...features, sampleRate: 22050 })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });
});
