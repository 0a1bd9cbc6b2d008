import { basename, extname } from 'node:path';
import type { Segment } from '../segments/types.js';

/**
 * 16-bit PCM WAV, little-endian, canonical 44-byte header. Samples are float in −1…1; they are
 * scaled by 32768 (the decoder maps 16-bit input to int / 32768), so 16-bit audio written at its
 * own rate comes out bit for bit; out-of-range values are clipped.
 */
export function encodeWav16(samples: Float32Array, sampleRate: number, channels = 1): Uint8Array {
  const dataBytes = samples.length * 2;
  const buf = Buffer.alloc(44 + dataBytes);
  buf.write('RIFF', 0, 'ascii');
  buf.writeUInt32LE(36 + dataBytes, 4);
  buf.write('WAVE', 8, 'ascii');
  buf.write('fmt ', 12, 'ascii');
  buf.writeUInt32LE(16, 16);
  buf.writeUInt16LE(1, 20); // PCM
  buf.writeUInt16LE(channels, 22);
  buf.writeUInt32LE(sampleRate, 24);
  buf.writeUInt32LE(sampleRate * channels * 2, 28); // byte rate
  buf.writeUInt16LE(channels * 2, 32); // block align
  buf.writeUInt16LE(16, 34);
  buf.write('data', 36, 'ascii');
  buf.writeUInt32LE(dataBytes, 40);
  for (let i = 0; i < samples.length; i++) {
    const v = Math.round(samples[i] * 32768);
    buf.writeInt16LE(Math.max(-32768, Math.min(32767, Number.isFinite(v) ? v : 0)), 44 + i * 2);
  }
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
}

/** The samples of [startS, endS) of a mono recording (clamped to the recording). */
export function clipSamples(samples: Float32Array, sampleRate: number, startS: number, endS: number): Float32Array {
  const a = Math.max(0, Math.min(samples.length, Math.round(startS * sampleRate)));
  const b = Math.max(a, Math.min(samples.length, Math.round(endS * sampleRate)));
  return samples.subarray(a, b);
}

/** Keeps letters, digits, '.', '_' and '-': safe on every OS, and no spaces to quote in a shell. */
function safe(text: string, maxChars: number): string {
  const s = text.replace(/[^\p{L}\p{N}._-]+/gu, '-').replace(/^[-.]+|-+$/g, '');
  return (s || 'x').slice(0, maxChars);
}

/**
 * `{label}_{confidence}_{file stem}_{start}s_{end}s.wav` (FORMATS.md): sorted by name, clips
 * group by label and rank by confidence; stem and times locate the clip in its recording.
 * Times are zero-padded to the recording's length so they sort in time order too. Label and
 * stem are cut short enough that the name stays under the 255-byte limit of file systems.
 */
export function clipName(s: Segment, durationS: number): string {
  const width = String(Math.floor(Math.max(durationS, s.endS))).length + 4; // digits + '.' + 3 decimals
  const time = (x: number) => x.toFixed(3).padStart(width, '0');
  const confidence = s.maxScore === null ? 'user' : s.maxScore.toFixed(3);
  const stem = basename(s.file, extname(s.file));
  return `${safe(s.label, 60)}_${confidence}_${safe(stem, 100)}_${time(s.startS)}s_${time(s.endS)}s.wav`;
}
