/**
 * An open file's decoded audio, kept on disk instead of in the host's memory: a 3-hour file is
 * 173 M samples (691 MB as float32), and the host used to hold all of it, twice while decoding.
 * Decoding streams each chunk into two files of the private media folder (main/process/
 * media-folder.ts: 0700, created with 'wx', swept after a crash):
 *  - `f<n>.f32`: the mono 16 kHz float32 samples exactly as decoded, read back by range for the
 *    model's windows, the waveform peaks and the spectrogram, so every figure is computed from
 *    the same values as before (bit-identical) while the host holds one window at a time;
 *  - `f<n>.wav`: the 16-bit copy the player streams (unchanged), its header patched at the end.
 * The host's memory is then bounded by the chunk and window sizes, not by the file's length.
 * Formats whose decoder needs the whole file (M4A: audio-decode's AAC decoder takes the file at
 * once) still pass through memory once while decoding; what is kept afterwards is the same.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { open, rm, type FileHandle } from 'node:fs/promises';
import { streamAudioFile, type DecodeOptions } from '../../app/audio/decode.js';
import { HostError } from './rpc.js';

/** Mono samples at one rate, read by range. */
export interface SampleSource {
  readonly length: number;
  readonly sampleRate: number;
  /** Samples [from, to): exactly to − from values, 0 where the range runs outside the audio. */
  read(from: number, to: number): Float32Array;
}

/** Samples already in memory (tests, and tools that decoded a clip themselves). */
export function memorySamples(samples: Float32Array, sampleRate: number): SampleSource {
  return {
    length: samples.length,
    sampleRate,
    read(from, to) {
      const out = new Float32Array(Math.max(0, to - from));
      const a = Math.max(0, from);
      const b = Math.min(samples.length, to);
      if (a < b) out.set(samples.subarray(a, b), a - from);
      return out;
    },
  };
}

/** Samples in a float32 file, read with positioned reads (no file-length buffer anywhere). */
export class SampleFile implements SampleSource {
  private fd: number | null;

  constructor(
    readonly path: string,
    readonly length: number,
    readonly sampleRate: number,
  ) {
    this.fd = openSync(path, 'r');
  }

  read(from: number, to: number): Float32Array {
    const out = new Float32Array(Math.max(0, to - from));
    const a = Math.max(0, from);
    const b = Math.min(this.length, to);
    if (a >= b) return out;
    // A file closed under a running request (the page opened another): that request ends here.
    if (this.fd === null) throw new HostError('UNKNOWN_FILE', 'the file was closed while this request was reading it');
    const bytes = new Uint8Array(out.buffer, (a - from) * 4, (b - a) * 4);
    let done = 0;
    while (done < bytes.length) {
      const n = readSync(this.fd, bytes, done, bytes.length - done, a * 4 + done);
      if (n === 0) throw new Error(`${this.path} ends before sample ${b}`);
      done += n;
    }
    return out;
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

/** The 44-byte header of a mono 16-bit PCM WAV of `n` samples. */
export function wavHeader(n: number, sampleRate: number): Uint8Array {
  const buf = Buffer.alloc(44);
  buf.write('RIFF', 0, 'ascii');
  buf.writeUInt32LE(36 + n * 2, 4);
  buf.write('WAVE', 8, 'ascii');
  buf.write('fmt ', 12, 'ascii');
  buf.writeUInt32LE(16, 16);
  buf.writeUInt16LE(1, 20);
  buf.writeUInt16LE(1, 22);
  buf.writeUInt32LE(sampleRate, 24);
  buf.writeUInt32LE(sampleRate * 2, 28);
  buf.writeUInt16LE(2, 32);
  buf.writeUInt16LE(16, 34);
  buf.write('data', 36, 'ascii');
  buf.writeUInt32LE(n * 2, 40);
  return buf;
}

/** 16-bit PCM of float samples, clipped as the player's copy always was. */
function int16Bytes(x: Float32Array): Uint8Array {
  const pcm = new Int16Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    pcm[i] = v >= 1 ? 32767 : v <= -1 ? -32767 : Math.round(v * 32767);
  }
  return new Uint8Array(pcm.buffer);
}

async function writeAll(fh: FileHandle, bytes: Uint8Array, position?: number): Promise<void> {
  for (let done = 0; done < bytes.length; ) {
    const { bytesWritten } = await fh.write(bytes, done, bytes.length - done, position === undefined ? null : position + done);
    done += bytesWritten;
  }
}

/**
 * Decodes `path` chunk by chunk into `samplesPath` (float32) and `wavPath` (16-bit WAV for the
 * player); both are created with 'wx' and 0600. On any failure (cancel included) both are removed.
 */
export async function decodeToSampleFile(path: string, samplesPath: string, wavPath: string, opts: DecodeOptions): Promise<SampleFile> {
  const stream = await streamAudioFile(path, opts);
  let samples: FileHandle | null = null;
  let wav: FileHandle | null = null;
  const created: string[] = [];
  try {
    samples = await open(samplesPath, 'wx', 0o600);
    created.push(samplesPath);
    wav = await open(wavPath, 'wx', 0o600);
    created.push(wavPath);
    await writeAll(wav, wavHeader(0, stream.sampleRate)); // sizes patched once the length is known
    let n = 0;
    for await (const chunk of stream) {
      await writeAll(samples, new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      await writeAll(wav, int16Bytes(chunk));
      n += chunk.length;
    }
    await writeAll(wav, wavHeader(n, stream.sampleRate), 0);
    await Promise.all([samples.close(), wav.close()]);
    samples = wav = null;
    return new SampleFile(samplesPath, n, stream.sampleRate);
  } catch (e) {
    await stream.close().catch(() => undefined);
    await Promise.all([samples?.close(), wav?.close()]).catch(() => undefined);
    // Only what this call created: 'wx' refused to touch anything that was there before.
    await Promise.all(created.map((p) => rm(p, { force: true })));
    throw e;
  }
}
