/**
 * Power spectrum of a real signal of length n (a power of two), in float64.
 *
 * The n real samples are packed as n/2 complex ones (even samples real, odd imaginary), run
 * through an iterative radix-2 complex FFT of size n/2, and split back into the spectrum of the
 * real signal: half the work of a complex FFT of size n.
 */
export class RealFft {
  readonly size: number;
  private readonly half: number;
  private readonly bitReversed: Uint32Array;
  /** cos/sin(2πk/half) for the butterflies, k < half/2. */
  private readonly cosHalf: Float64Array;
  private readonly sinHalf: Float64Array;
  /** cos/sin(2πk/n) for splitting the packed result, k ≤ half. */
  private readonly cosFull: Float64Array;
  private readonly sinFull: Float64Array;
  private readonly re: Float64Array;
  private readonly im: Float64Array;

  constructor(size: number) {
    if (!Number.isInteger(Math.log2(size)) || size < 4) throw new RangeError(`RealFft size must be a power of two ≥ 4, got ${size}`);
    this.size = size;
    const half = size / 2;
    this.half = half;
    const bits = Math.log2(half);
    this.bitReversed = new Uint32Array(half);
    for (let i = 0; i < half; i++) {
      let r = 0;
      for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
      this.bitReversed[i] = r;
    }
    this.cosHalf = new Float64Array(half / 2);
    this.sinHalf = new Float64Array(half / 2);
    for (let k = 0; k < half / 2; k++) {
      this.cosHalf[k] = Math.cos((2 * Math.PI * k) / half);
      this.sinHalf[k] = Math.sin((2 * Math.PI * k) / half);
    }
    this.cosFull = new Float64Array(half + 1);
    this.sinFull = new Float64Array(half + 1);
    for (let k = 0; k <= half; k++) {
      this.cosFull[k] = Math.cos((2 * Math.PI * k) / size);
      this.sinFull[k] = Math.sin((2 * Math.PI * k) / size);
    }
    this.re = new Float64Array(half);
    this.im = new Float64Array(half);
  }

  /** out[k] = |X[k]|² for k = 0 … n/2, where X is the DFT of input (length n). */
  powerSpectrum(input: Float64Array, out: Float64Array): void {
    const { half, re, im, bitReversed, cosHalf, sinHalf, cosFull, sinFull } = this;
    // Load in bit-reversed order and do the first stage (twiddle 1) on the way.
    for (let i = 0; i < half; i += 2) {
      const j0 = 2 * bitReversed[i];
      const j1 = 2 * bitReversed[i + 1];
      const ar = input[j0];
      const ai = input[j0 + 1];
      const br = input[j1];
      const bi = input[j1 + 1];
      re[i] = ar + br;
      im[i] = ai + bi;
      re[i + 1] = ar - br;
      im[i + 1] = ai - bi;
    }
    for (let len = 4; len <= half; len <<= 1) {
      const h = len >> 1;
      const step = half / len;
      for (let j = 0, t = 0; j < h; j++, t += step) {
        const wr = cosHalf[t];
        const wi = -sinHalf[t];
        for (let a = j; a < half; a += len) {
          const b = a + h;
          const tr = re[b] * wr - im[b] * wi;
          const ti = re[b] * wi + im[b] * wr;
          re[b] = re[a] - tr;
          im[b] = im[a] - ti;
          re[a] += tr;
          im[a] += ti;
        }
      }
    }
    // Z = FFT(packed); E = DFT of even samples, O = DFT of odd ones; X[k] = E[k] + e^{−2πik/n}·O[k].
    out[0] = (re[0] + im[0]) ** 2;
    out[half] = (re[0] - im[0]) ** 2;
    for (let k = 1; k < half; k++) {
      const a = re[k];
      const b = im[k];
      const c = re[half - k];
      const d = im[half - k];
      const er = 0.5 * (a + c);
      const ei = 0.5 * (b - d);
      const or = 0.5 * (b + d);
      const oi = -0.5 * (a - c);
      const cos = cosFull[k];
      const sin = sinFull[k];
      const xr = er + cos * or + sin * oi;
      const xi = ei + cos * oi - sin * or;
      out[k] = xr * xr + xi * xi;
    }
  }
}
