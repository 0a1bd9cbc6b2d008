import libsamplerate from '@alexanderolsen/libsamplerate-js';

// The package is CommonJS; its named exports are only reachable through the default import under Node ESM.
const { create, ConverterType } = libsamplerate;

export type ResampleQuality = 'best' | 'medium' | 'fastest';

const CONVERTER = {
  best: ConverterType.SRC_SINC_BEST_QUALITY,
  medium: ConverterType.SRC_SINC_MEDIUM_QUALITY,
  fastest: ConverterType.SRC_SINC_FASTEST,
} as const;

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
    const src = await create(1, inRate, outRate, { converterType: CONVERTER[quality] });
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
