import { FastAstError } from '../errors.js';

/** What probing a file's bytes tells the decoder (app/audio/probe.ts decides, decode.ts uses it). */

export type AudioFormat = 'wav' | 'flac' | 'mp3' | 'ogg' | 'opus' | 'm4a' | 'aac' | 'webm';

/** Format names understood by audio-decode's `decodeChunked`. */
export type DecoderName = 'wav' | 'flac' | 'mp3' | 'oga' | 'opus' | 'm4a' | 'aac' | 'webm';

export const SUPPORTED_FORMATS_TEXT = 'WAV, FLAC, MP3, Ogg Vorbis, Opus, M4A/MP4 (AAC or ALAC), AAC (ADTS), WebM/Matroska audio';

/**
 * The decoder returned x = v / divisor (divisor chosen by the sign of v) for an integer sample v;
 * the reference reads v / 2^(bits−1), so decode.ts maps x back onto that grid.
 */
export interface IntegerPcm {
  bits: number;
  positiveDivisor: number;
  negativeDivisor: number;
}

/** Length the container declares, in its own time base. */
export interface DeclaredLength {
  frames: number;
  sampleRate: number;
  /** How far (in the same frames) a correct decode may legitimately differ: codec priming, edit lists. */
  toleranceFrames: number;
  /** Where the number comes from, for the error message. */
  source: string;
}

export interface Probe {
  format: AudioFormat;
  decoder: DecoderName;
  /** Human name for messages: "WAV", "FLAC", "Ogg Vorbis", ... */
  label: string;
  /** The codec's packets travel in Ogg pages (Vorbis, Opus, FLAC in Ogg): decode checks the pages. */
  ogg?: boolean;
  pcm?: IntegerPcm;
  declared?: DeclaredLength;
}

/**
 * Sample rates the app reads, whatever the container says: 1 kHz (below it a "recording" is a
 * corrupt header or sensor data, and resampling to 16 kHz would multiply its length) to 768 kHz
 * (the highest rate converters write). A header outside this range is refused before decoding.
 */
export const MIN_SAMPLE_RATE = 1000;
export const MAX_SAMPLE_RATE = 768_000;

export function checkSampleRate(path: string, label: string, rate: number): void {
  if (Number.isInteger(rate) && rate >= MIN_SAMPLE_RATE && rate <= MAX_SAMPLE_RATE) return;
  throw new FastAstError(
    'AUDIO_UNSUPPORTED',
    `${path}: ${label} sample rate ${rate} Hz is outside 1 kHz…768 kHz, the rates this app reads (a corrupt header, or not a sound recording)`,
  );
}

/** Bound on chunks/boxes walked in a header, so a crafted file cannot loop for long. */
export const MAX_CHUNKS = 10_000;
