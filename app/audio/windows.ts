import type { FeatureSpec } from '../checkpoint/spec.js';
import { FRAMES_PER_SECOND } from '../common/units.js';
import { FastAstError } from '../errors.js';

/**
 * Model windows over a whole file's fbank, the same everywhere (CLI, app, benchmarks):
 * window k covers frames [k·H, k·H + L), L = the model's max_length, H = hop (default L);
 * frames past the end are 0 in fbank units, padded BEFORE normalisation (as HF pads);
 * there are 1 + max(0, ⌈(F − L)/H⌉) windows; window k starts at k·H·10 ms.
 */

export const FRAME_SHIFT_S = 0.01;

function checkGeometry(length: number, hop: number): void {
  if (!Number.isInteger(length) || length < 1) throw new RangeError(`window length must be a positive integer of frames, got ${length}`);
  if (!Number.isInteger(hop) || hop < 1) throw new RangeError(`window hop must be a positive integer of frames, got ${hop}`);
}

export function windowCount(frames: number, length: number, hop: number = length): number {
  checkGeometry(length, hop);
  return 1 + Math.max(0, Math.ceil((frames - length) / hop));
}

/** Frames of real audio in window k; the remaining length − validFrames rows are padding. */
export function validFrames(frames: number, k: number, length: number, hop: number = length): number {
  checkGeometry(length, hop);
  return Math.max(0, Math.min(length, frames - k * hop));
}

/** Start of window k, and the end of the audio it holds (start + validFrames · 10 ms). */
export function windowTimes(frames: number, k: number, length: number, hop: number = length): { startS: number; endS: number } {
  const start = k * hop;
  return { startS: start / FRAMES_PER_SECOND, endS: (start + validFrames(frames, k, length, hop)) / FRAMES_PER_SECOND };
}

/** Hop given in seconds (CLI --hop) as whole frames. */
export function hopFramesFromSeconds(hopS: number): number {
  const frames = Math.round(hopS * FRAMES_PER_SECOND);
  if (!Number.isFinite(hopS) || frames < 1) throw new FastAstError('USAGE', `hop must be at least ${FRAME_SHIFT_S} s (one 10 ms frame), got ${hopS}`);
  return frames;
}

/**
 * HF ASTFeatureExtractor normalisation, in place: (x − mean) / (2·std) when do_normalize.
 * HF does this in numpy on a float32 array with Python-float constants, i.e. in float32 with the
 * constants rounded to float32; the same roundings give bit-identical values.
 */
export function normaliseInPlace(values: Float32Array, features: FeatureSpec): Float32Array {
  if (!features.doNormalize) return values;
  const f = Math.fround;
  const mean = f(features.mean);
  const scale = f(features.std * 2);
  for (let i = 0; i < values.length; i++) values[i] = f(values[i] - mean) / scale;
  return values;
}

/** The value a padded frame has after normalisation (HF pads with 0, then normalises). */
export function paddingValue(features: FeatureSpec): number {
  return normaliseInPlace(new Float32Array(1), features)[0];
}

/**
 * The model input of window k: L × numMelBins, frame-major, padded past the end of the audio
 * and normalised. `fbank` is the whole file's fbank (frames × numMelBins, row-major).
 */
export function windowInput(fbank: Float32Array, frames: number, numMelBins: number, k: number, hopFrames: number, features: FeatureSpec): Float32Array {
  const length = features.maxLength;
  if (fbank.length !== frames * numMelBins) throw new RangeError(`fbank holds ${fbank.length} values, not ${frames} frames × ${numMelBins} mel bins`);
  if (numMelBins !== features.numMelBins) throw new RangeError(`fbank has ${numMelBins} mel bins, the model expects ${features.numMelBins}`);
  const count = windowCount(frames, length, hopFrames);
  if (!Number.isInteger(k) || k < 0 || k >= count) throw new RangeError(`window ${k} does not exist: ${frames} frames give ${count} windows`);
  const out = new Float32Array(length * numMelBins);
  const start = k * hopFrames;
  const valid = validFrames(frames, k, length, hopFrames);
  out.set(fbank.subarray(start * numMelBins, (start + valid) * numMelBins));
  return normaliseInPlace(out, features);
}
