import { RealFft } from './fft.js';

/**
 * Kaldi log-mel filterbank, the definition of torchaudio.compliance.kaldi.fbank with the settings
 * HuggingFace's ASTFeatureExtractor passes: 16 kHz, 25 ms Hann (symmetric) frames every 10 ms,
 * snip_edges, DC removal, pre-emphasis 0.97, 512-point power spectrum, Kaldi mel banks from
 * 20 Hz to Nyquist, log(max(x, float32 eps)), no dither, no energy term (htk_compat has no
 * effect without it).
 *
 * The reference runs in float32. Its elementwise steps (window, DC removal, pre-emphasis, mel
 * weights) are deterministic, so they are reproduced here with the same float32 roundings
 * (Math.fround): against the fixtures this cuts the error on well-conditioned entries about
 * tenfold, and the mel weights of bins at a triangle's edge are otherwise off by up to 1e-5,
 * which shows on strong tones. The FFT, the power spectrum and the mel sums run in float64:
 * the reference's FFT library (and its rounding) is not known, so there is nothing to imitate.
 */

export const FBANK_SAMPLE_RATE = 16000;
export const FRAME_LENGTH = 400; // 25 ms
export const FRAME_SHIFT = 160; // 10 ms
export const FFT_SIZE = 512; // next power of two ≥ FRAME_LENGTH
const PREEMPHASIS_F32 = Math.fround(0.97);
const LOW_FREQ = 20;
const FLOAT32_EPS = 1.1920928955078125e-7;

export interface Fbank {
  /** frames × numMelBins, row-major (frame-major): data[t · numMelBins + m]. */
  data: Float32Array;
  frames: number;
  numMelBins: number;
}

/** Frames a signal of `samples` samples yields with snip_edges: only whole frames. */
export function fbankFrameCount(samples: number): number {
  return samples < FRAME_LENGTH ? 0 : 1 + Math.floor((samples - FRAME_LENGTH) / FRAME_SHIFT);
}

export const melScale = (hz: number): number => 1127 * Math.log(1 + hz / 700);

/** One triangular filter over FFT bins [start, start + weights.length). */
interface MelFilter {
  start: number;
  weights: Float64Array;
}

/**
 * Kaldi's mel banks (torchaudio get_mel_banks, no VTLN): triangles equally spaced in mel
 * between 20 Hz and Nyquist, evaluated at the FFT bin frequencies 0 … (n/2 − 1)·Δf; the
 * Nyquist bin gets weight 0. Each float32 rounding torchaudio performs is repeated here.
 */
export function melFilters(numMelBins: number): MelFilter[] {
  const f = Math.fround;
  const binHz = FBANK_SAMPLE_RATE / FFT_SIZE;
  // Scalars are computed in double (Python floats) and enter the float32 tensor ops rounded.
  const melLow = melScale(LOW_FREQ);
  const delta = f((melScale(FBANK_SAMPLE_RATE / 2) - melLow) / (numMelBins + 1));
  const low = f(melLow);
  const binMel = new Float64Array(FFT_SIZE / 2);
  for (let k = 0; k < FFT_SIZE / 2; k++) binMel[k] = f(1127 * f(Math.log(f(1 + f((binHz * k) / 700)))));
  const filters: MelFilter[] = [];
  for (let m = 0; m < numMelBins; m++) {
    const left = f(low + f(m * delta));
    const center = f(low + f((m + 1) * delta));
    const right = f(low + f((m + 2) * delta));
    const w = new Float64Array(FFT_SIZE / 2);
    let first = -1;
    let last = -1;
    for (let k = 0; k < FFT_SIZE / 2; k++) {
      const up = f(f(binMel[k] - left) / f(center - left));
      const down = f(f(right - binMel[k]) / f(right - center));
      w[k] = Math.max(0, Math.min(up, down));
      if (w[k] > 0) {
        if (first < 0) first = k;
        last = k;
      }
    }
    filters.push(first < 0 ? { start: 0, weights: new Float64Array(0) } : { start: first, weights: w.slice(first, last + 1) });
  }
  return filters;
}

/** torch.hann_window(length, periodic=False) as torch computes it in float32. */
function hannWindow(length: number): Float64Array {
  const f = Math.fround;
  const step = f((2 * Math.PI) / (length - 1));
  const w = new Float64Array(length);
  for (let i = 0; i < length; i++) w[i] = f(f(-0.5 * f(Math.cos(f(i * step)))) + 0.5);
  return w;
}

const filterCache = new Map<number, MelFilter[]>();

/**
 * Computes fbank frames incrementally: push samples as they are decoded and get the frames they
 * complete. With snip_edges every frame lies inside the signal, so the frames are exactly those
 * of the whole signal at once, whatever the chunking.
 */
export class FbankStream {
  readonly numMelBins: number;
  private readonly filters: MelFilter[];
  private readonly window = hannWindow(FRAME_LENGTH);
  private readonly fft = new RealFft(FFT_SIZE);
  private readonly frame = new Float64Array(FFT_SIZE);
  private readonly power = new Float64Array(FFT_SIZE / 2 + 1);
  /** Samples from the start of the next frame on, not yet enough for it. */
  private pending = new Float32Array(0);
  private emitted = 0;

  constructor(numMelBins = 128) {
    if (!Number.isInteger(numMelBins) || numMelBins < 1) throw new RangeError(`numMelBins must be a positive integer, got ${numMelBins}`);
    this.numMelBins = numMelBins;
    let filters = filterCache.get(numMelBins);
    if (!filters) {
      filters = melFilters(numMelBins);
      filterCache.set(numMelBins, filters);
    }
    this.filters = filters;
  }

  /** Frames produced so far. */
  get frames(): number {
    return this.emitted;
  }

  /** Feeds samples (mono, 16 kHz); returns the frames they complete, row-major (may be empty). */
  push(samples: Float32Array): Float32Array {
    let signal = samples;
    if (this.pending.length > 0) {
      signal = new Float32Array(this.pending.length + samples.length);
      signal.set(this.pending);
      signal.set(samples, this.pending.length);
    }
    const count = fbankFrameCount(signal.length);
    const out = new Float32Array(count * this.numMelBins);
    for (let t = 0; t < count; t++) this.computeFrame(signal, t * FRAME_SHIFT, out, t * this.numMelBins);
    this.pending = signal.slice(count * FRAME_SHIFT);
    this.emitted += count;
    return out;
  }

  private computeFrame(signal: Float32Array, offset: number, out: Float32Array, outOffset: number): void {
    const { frame, window, power, filters } = this;
    const f = Math.fround;
    let sum = 0;
    for (let i = 0; i < FRAME_LENGTH; i++) {
      frame[i] = signal[offset + i];
      sum += frame[i];
    }
    const mean = f(sum / FRAME_LENGTH);
    for (let i = 0; i < FRAME_LENGTH; i++) frame[i] = f(frame[i] - mean);
    // Pre-emphasis runs backwards so each step still sees its unmodified predecessor; the first
    // sample is its own predecessor (torchaudio pads the frame by replicating it).
    for (let i = FRAME_LENGTH - 1; i > 0; i--) frame[i] = f(frame[i] - f(PREEMPHASIS_F32 * frame[i - 1]));
    frame[0] = f(frame[0] - f(PREEMPHASIS_F32 * frame[0]));
    for (let i = 0; i < FRAME_LENGTH; i++) frame[i] = f(frame[i] * window[i]);
    frame.fill(0, FRAME_LENGTH);
    this.fft.powerSpectrum(frame, power);
    for (let m = 0; m < filters.length; m++) {
      const { start, weights } = filters[m];
      let energy = 0;
      for (let k = 0; k < weights.length; k++) energy += weights[k] * power[start + k];
      out[outOffset + m] = Math.log(Math.max(energy, FLOAT32_EPS));
    }
  }
}

/** Log-mel fbank of a whole mono 16 kHz signal. */
export function fbank(samples: Float32Array, numMelBins = 128): Fbank {
  const stream = new FbankStream(numMelBins);
  const data = stream.push(samples);
  return { data, frames: stream.frames, numMelBins };
}
