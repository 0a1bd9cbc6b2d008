import libsamplerate from '@alexanderolsen/libsamplerate-js';
import { FastAstError } from '../errors.js';

// The package is CommonJS; its named exports are only reachable through the default import under Node ESM.
const { create, ConverterType } = libsamplerate;

export type ResampleQuality = 'best' | 'medium' | 'fastest';

const CONVERTER = {
  best: ConverterType.SRC_SINC_BEST_QUALITY,
  medium: ConverterType.SRC_SINC_MEDIUM_QUALITY,
  fastest: ConverterType.SRC_SINC_FASTEST,
} as const;

// libsamplerate-js refuses rates above this (its own check), though the C library only needs the ratio.
const LIBRARY_MAX_RATE = 192_000;

/** 16 kHz out of the lowest rate read (1 kHz, app/audio/probe-types.ts). */
const MAX_EXPANSION = 16;

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

// libsamplerate-js copies through a fixed 1,008,000-float WASM buffer; stay well below it.
const SLICE = 1 << 16;
const FLUSH_BLOCK = 4096;

/**
 * Mono band-limited sinc resampler (libsamplerate) fed in pieces.
 *
 * libsamplerate's streaming ("full") API holds back the last half filter length until it sees
 * more input and has no end-of-input flag here, so `end()` feeds silence and cuts the output
 * at exactly round(inputSamples · outRate / inRate): the length a whole-signal resample has.
 */
export class StreamResampler {
  private inSamples = 0;
  private outSamples = 0;

  private constructor(
    private readonly src: Awaited<ReturnType<typeof create>>,
    readonly inRate: number,
    readonly outRate: number,
  ) {}

  static async create(inRate: number, outRate: number, quality: ResampleQuality = 'medium'): Promise<StreamResampler> {
    // The decoder reads nothing below 1 kHz, so 16 kHz output never needs more than 16×; a larger
    // factor would turn a small file into a huge array.
    if (outRate > MAX_EXPANSION * inRate) {
      throw new FastAstError('AUDIO_UNSUPPORTED', `resampling ${inRate} Hz to ${outRate} Hz would multiply the length ${Math.round(outRate / inRate)}-fold; at most ${MAX_EXPANSION}`);
    }
    // Only the ratio matters to the converter, and the wrapper takes integer rates up to 192 kHz:
    // 384 kHz → 16 kHz is passed as 24 → 1. A ratio that does not reduce that far is refused.
    const g = gcd(inRate, outRate);
    const [a, b] = [inRate / g, outRate / g];
    if (!Number.isInteger(a) || !Number.isInteger(b) || a > LIBRARY_MAX_RATE || b > LIBRARY_MAX_RATE) {
      throw new FastAstError('AUDIO_UNSUPPORTED', `resampling ${inRate} Hz to ${outRate} Hz needs a ratio the resampler cannot take; convert the file to 192 kHz or less`);
    }
    const src = await create(1, a, b, { converterType: CONVERTER[quality] });
    return new StreamResampler(src, inRate, outRate);
  }

  push(input: Float32Array): Float32Array[] {
    const out: Float32Array[] = [];
    for (let i = 0; i < input.length; i += SLICE) {
      const piece = input.subarray(i, Math.min(input.length, i + SLICE));
      this.inSamples += piece.length;
      const y = this.src.full(piece);
      if (y.length) {
        this.outSamples += y.length;
        out.push(y);
      }
    }
    return out;
  }

  /** Drains the filter tail and releases the WASM state; the resampler cannot be used afterwards. */
  end(): Float32Array[] {
    const want = Math.round((this.inSamples * this.outRate) / this.inRate);
    const out: Float32Array[] = [];
    const silence = new Float32Array(FLUSH_BLOCK);
    while (this.outSamples < want) {
      const y = this.src.full(silence);
      const keep = Math.min(y.length, want - this.outSamples);
      if (keep > 0) out.push(y.subarray(0, keep));
      this.outSamples += keep;
    }
    this.destroy();
    return out;
  }

  destroy(): void {
    if (!this.src.isDestroyed) this.src.destroy();
  }
}
