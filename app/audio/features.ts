import type { FeatureSpec } from '../checkpoint/spec.js';
import { FastAstError } from '../errors.js';
import { streamAudioFile, TARGET_SAMPLE_RATE, type AudioInfo, type DecodeOptions } from './decode.js';
import { FbankStream, FBANK_SAMPLE_RATE, FRAME_LENGTH } from './fbank.js';

export interface FileFeatures {
  /** Whole-file log-mel fbank, frames × numMelBins, row-major; cut it into windows with windows.ts. */
  fbank: Float32Array;
  frames: number;
  numMelBins: number;
  audio: AudioInfo & { durationS: number; samples: number };
  /** Decoding and fbank run interleaved; each is the time spent in its own step. */
  timingsMs: { decode: number; fbank: number };
}

/** Decodes a file and computes its fbank as the audio streams in (no whole-file sample buffer). */
export async function featuresForFile(path: string, features: FeatureSpec, opts: DecodeOptions = {}): Promise<FileFeatures> {
  if (features.sampleRate !== FBANK_SAMPLE_RATE) {
    throw new FastAstError('CONFIG_INVALID', `the model expects ${features.sampleRate} Hz features; FastAST's fbank is defined at ${FBANK_SAMPLE_RATE} Hz only`);
  }
  const started = performance.now();
  const stream = await streamAudioFile(path, opts);
  const fbank = new FbankStream(features.numMelBins);
  const parts: Float32Array[] = [];
  let fbankMs = 0;
  for await (const chunk of stream) {
    const t = performance.now();
    const frames = fbank.push(chunk);
    fbankMs += performance.now() - t;
    if (frames.length) parts.push(frames);
  }
  const totalMs = performance.now() - started;
  if (fbank.frames === 0) {
    throw new FastAstError(
      'AUDIO_EMPTY',
      `${path}: ${(stream.samplesOut / TARGET_SAMPLE_RATE).toFixed(3)} s of audio is shorter than one ${(FRAME_LENGTH / FBANK_SAMPLE_RATE) * 1000} ms analysis frame`,
    );
  }
  const data = new Float32Array(fbank.frames * features.numMelBins);
  let at = 0;
  for (const p of parts) {
    data.set(p, at);
    at += p.length;
  }
  return {
    fbank: data,
    frames: fbank.frames,
    numMelBins: features.numMelBins,
    audio: {
      format: stream.format,
      sampleRate: stream.sampleRate,
      sourceSampleRate: stream.sourceSampleRate,
      channels: stream.channels,
      samples: stream.samplesOut,
      durationS: stream.samplesOut / TARGET_SAMPLE_RATE,
    },
    timingsMs: { decode: totalMs - fbankMs, fbank: fbankMs },
  };
}
