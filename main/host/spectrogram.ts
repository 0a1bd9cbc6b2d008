/**
 * The spectrogram the audio view shows: log-mel power of one 25 ms frame per display column,
 * sampled over the requested range, so a 1-hour file costs as much as a 5-second one at the
 * same width. Display only: the model's input comes from app/audio's Kaldi fbank.
 */

import { RealFft } from '../../app/audio/fft.js';
import type { SampleSource } from './sample-file.js';

const N_FFT = 512;
const WIN = 400; // 25 ms at 16 kHz
const LOW_HZ = 20;

export function hzToMel(hz: number): number {
  return 1127 * Math.log(1 + hz / 700);
}
export function melToHz(mel: number): number {
  return 700 * (Math.exp(mel / 1127) - 1);
}

/** bins + 1 edges evenly spaced on the (Kaldi) mel scale from 20 Hz to Nyquist. */
export function melEdgesHz(bins: number, sampleRate: number, lowHz = LOW_HZ): Float32Array {
  const lo = hzToMel(lowHz);
  const hi = hzToMel(sampleRate / 2);
  const out = new Float32Array(bins + 1);
  for (let i = 0; i <= bins; i++) out[i] = melToHz(lo + ((hi - lo) * i) / bins);
  return out;
}

interface Bank {
  /** Per band: first FFT bin and weights. */
  start: Int32Array;
  weights: Float32Array[];
}

const banks = new Map<string, Bank>();

function melBank(bins: number, sampleRate: number): Bank {
  const key = `${bins}/${sampleRate}`;
  let bank = banks.get(key);
  if (bank) return bank;
  const lo = hzToMel(LOW_HZ);
  const hi = hzToMel(sampleRate / 2);
  const step = (hi - lo) / (bins + 1);
  const start = new Int32Array(bins);
  const weights: Float32Array[] = [];
  const nBins = N_FFT / 2 + 1;
  for (let b = 0; b < bins; b++) {
    const left = lo + b * step;
    const centre = left + step;
    const right = centre + step;
    const w: number[] = [];
    let first = -1;
    for (let k = 0; k < nBins; k++) {
      const mel = hzToMel((k * sampleRate) / N_FFT);
      const v = mel > left && mel < right ? (mel <= centre ? (mel - left) / (centre - left) : (right - mel) / (right - centre)) : 0;
      if (v > 0) {
        if (first < 0) first = k;
        w.push(v);
      } else if (first >= 0) break;
    }
    start[b] = Math.max(first, 0);
    weights.push(Float32Array.from(w));
  }
  bank = { start, weights };
  banks.set(key, bank);
  return bank;
}

const hann = new Float32Array(WIN).map((_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (WIN - 1)));
export interface DisplaySpectrogram {
  startS: number;
  endS: number;
  cols: number;
  bins: number;
  /** Column-major, 0…255 over DB_RANGE dB below `refDb`. */
  data: Uint8Array;
  melEdgesHz: Float32Array;
  refDb: number;
}

/** Levels shown: from `refDb` (the file's loud end) down this many dB. */
export const DB_RANGE = 80;

/** One frame centred on each column's time (columns that fall past the end stay 0). */
export function displaySpectrogram(
  source: SampleSource,
  startS: number,
  endS: number,
  cols: number,
  bins = 128,
  refDb?: number,
): DisplaySpectrogram {
  const { sampleRate } = source;
  const bank = melBank(bins, sampleRate);
  const db = new Float32Array(cols * bins).fill(-200);
  const fft = new RealFft(N_FFT);
  const frame = new Float64Array(N_FFT);
  const power = new Float64Array(N_FFT / 2 + 1);
  const span = endS - startS;
  for (let c = 0; c < cols; c++) {
    const t = startS + ((c + 0.5) * span) / cols;
    const centre = Math.round(t * sampleRate);
    const from = centre - WIN / 2;
    if (from + WIN <= 0 || from >= source.length) continue;
    const x = source.read(from, from + WIN);
    let mean = 0;
    for (let i = 0; i < WIN; i++) mean += x[i];
    mean /= WIN;
    frame.fill(0);
    for (let i = 0; i < WIN; i++) frame[i] = (x[i] - mean) * hann[i];
    fft.powerSpectrum(frame, power);
    for (let b = 0; b < bins; b++) {
      const w = bank.weights[b];
      const k0 = bank.start[b];
      let e = 0;
      for (let k = 0; k < w.length; k++) e += power[k0 + k] * w[k];
      db[c * bins + b] = 10 * Math.log10(e + 1e-10);
    }
  }
  // The reference level: given (so zooming keeps the brightness), else this range's 99.5th percentile.
  let ref = refDb;
  if (ref === undefined) {
    const sample: number[] = [];
    const step = Math.max(1, Math.floor(db.length / 50_000));
    for (let i = 0; i < db.length; i += step) if (db[i] > -199) sample.push(db[i]);
    sample.sort((a, b) => a - b);
    ref = sample.length ? sample[Math.floor(sample.length * 0.995)] : 0;
  }
  const data = new Uint8Array(cols * bins);
  const lo = ref - DB_RANGE;
  for (let i = 0; i < db.length; i++) {
    const v = ((db[i] - lo) / DB_RANGE) * 255;
    data[i] = v < 0 ? 0 : v > 255 ? 255 : v;
  }
  return { startS, endS, cols, bins, data, melEdgesHz: melEdgesHz(bins, sampleRate), refDb: ref };
}

/** Samples read at a time by peaks(): 4 MB, so the whole-file overview never holds the file. */
const PEAKS_CHUNK = 1 << 20;

/** Max |sample| per bucket over [startS, endS), read from the source a chunk at a time. */
export function peaks(source: SampleSource, startS: number, endS: number, count: number): Float32Array {
  const out = new Float32Array(count);
  const a = Math.max(0, Math.floor(startS * source.sampleRate));
  const b = Math.min(source.length, Math.ceil(endS * source.sampleRate));
  const per = (b - a) / count;
  if (per <= 0) return out;
  let chunk: Float32Array = new Float32Array(0);
  let at = a;
  for (let i = 0; i < count; i++) {
    const from = a + Math.floor(i * per);
    const to = Math.min(b, Math.max(from + 1, a + Math.floor((i + 1) * per)));
    let m = 0;
    for (let k = from; k < to; k++) {
      // Buckets narrower than a sample overlap, so k may step back into the previous chunk.
      if (k < at || k >= at + chunk.length) {
        at = k;
        chunk = source.read(k, Math.min(b, k + PEAKS_CHUNK));
      }
      const v = chunk[k - at];
      if (v > m) m = v;
      else if (-v > m) m = -v;
    }
    out[i] = m;
  }
  return out;
}
