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

/** Bound on chunks/boxes walked in a header, so a crafted file cannot loop for long. */
export const MAX_CHUNKS = 10_000;
