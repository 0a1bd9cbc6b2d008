/**
 * The host's view of app/audio: decode a file once, cut model windows out of it.
 */
import type { FileHandle } from 'node:fs/promises';
import { decodeAudioFile } from '../../app/audio/decode.js';
import { fbank, fbankFrameCount, FRAME_LENGTH, FRAME_SHIFT } from '../../app/audio/fbank.js';
import { hopFramesFromSeconds, windowCount, windowInput } from '../../app/audio/windows.js';
import type { ModelSpec } from '../../app/checkpoint/spec.js';
import { FastAstError } from '../../app/errors.js';
import { HostError } from './rpc.js';

export interface DecodedAudio {
  samples: Float32Array;
  sampleRate: number;
}


export async function decodeForHost(
  path: string,
  opts: { signal: AbortSignal; onProgress: (done: number, total: number) => void; handle?: FileHandle },
): Promise<DecodedAudio> {
  try {
    const d = await decodeAudioFile(path, { signal: opts.signal, onProgress: (f) => opts.onProgress(f, 1), ...(opts.handle ? { handle: opts.handle } : {}) });
    return { samples: d.samples, sampleRate: d.sampleRate };
  } catch (e) {
    if (e instanceof FastAstError && e.code === 'CANCELLED') throw new HostError('CANCELLED', 'cancelled');
    throw e;
  }
}

/** Frames (10 ms) in a file of `numSamples`, as Kaldi counts them (25 ms windows, snip edges). */
export function frameCount(numSamples: number): number {
  return fbankFrameCount(numSamples);
}

/**
 * First frame of each model window for a hop in seconds (windows.ts geometry: window k starts
 * at k·hop; the last one may run past the end and is padded).
 */
export function windowStartFrames(numSamples: number, spec: ModelSpec, hopS: number): number[] {
  const frames = Math.max(1, frameCount(numSamples));
  const hop = hopFramesFromSeconds(hopS);
  const n = windowCount(frames, spec.maxLength, hop);
  return Array.from({ length: n }, (_, k) => k * hop);
}

/**
 * The model input for the window starting at `startFrame`: maxLength × numMelBins, padded and
 * normalised as HF does. Only that window's samples go through the fbank (frames do not depend
 * on their neighbours with snip_edges), so any window of a long file costs the same.
 */
export function modelWindow(audio: DecodedAudio, spec: ModelSpec, startFrame: number): { input: Float32Array; validFrames: number } {
  const L = spec.maxLength;
  const from = startFrame * FRAME_SHIFT;
  const to = Math.min(audio.samples.length, from + (L - 1) * FRAME_SHIFT + FRAME_LENGTH);
  const slice = from < to ? audio.samples.subarray(from, to) : new Float32Array(0);
  const fb = fbank(slice, spec.numMelBins);
  const valid = Math.min(L, fb.frames);
  const input = windowInput(fb.data.subarray(0, valid * spec.numMelBins), valid, spec.numMelBins, 0, L, spec.features);
  return { input, validFrames: valid };
}
