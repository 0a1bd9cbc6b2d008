import { createReadStream } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { decodeChunked } from 'audio-decode';
import { FastAstError } from '../errors.js';
import { OggPageVerifier } from './ogg-pages.js';
import { probeAudioFile, seconds, type AudioFormat, type IntegerPcm, type Probe } from './probe.js';
import { checkSampleRate } from './probe-types.js';
import { StreamResampler, type ResampleQuality } from './resample.js';

export const TARGET_SAMPLE_RATE = 16000;
export const DEFAULT_MAX_BYTES = 2 * 1024 ** 3;
/** 4 h of mono 16 kHz float32 is 0.9 GB; beyond that a file is more likely a mistake than a clip. */
export const DEFAULT_MAX_DURATION_S = 4 * 3600;

export interface DecodeOptions {
  signal?: AbortSignal;
  /** Fraction of the file's bytes consumed so far, 0…1; called once per read chunk and with 1 at the end. */
  onProgress?: (fraction: number) => void;
  /** Files larger than this are refused with AUDIO_TOO_LARGE before anything is decoded. */
  maxBytes?: number;
  /** Decoding stops with AUDIO_TOO_LARGE once this much audio has come out. */
  maxDurationS?: number;
  /** libsamplerate converter used when the file is not at 16 kHz (default 'medium'). */
  resampleQuality?: ResampleQuality;
  /** Keep the file's own sample rate (mono still): for exported clips, not for the model. */
  keepSourceRate?: boolean;
  /**
   * The file, already opened (serve --root opens and checks it first): read through this handle
   * only, never by `path` again, which then only names the file in errors. The caller closes it.
   */
  handle?: FileHandle;
}

export interface AudioInfo {
  format: AudioFormat;
  /** 16000 (every sample the model sees is mono 16 kHz), or the source rate with `keepSourceRate`. */
  sampleRate: number;
  sourceSampleRate: number;
  /** Channels as decoded (audio-decode reports an MP3/AAC whose two channels are identical as 1). */
  channels: number;
}

export interface DecodedAudio extends AudioInfo {
  /** Mono, at `sampleRate`. 8/16/24-bit integer PCM (WAV, FLAC) comes out as int / 2^(bits−1) exactly. */
  samples: Float32Array;
  durationS: number;
}

/**
 * Mono 16 kHz audio, chunk by chunk, as the file is read. Iterate it once, to the end or until
 * `close()`; a decoding problem found late (a truncated file) throws from the iteration.
 */
export interface AudioStream extends AudioInfo, AsyncIterable<Float32Array> {
  /** Mono samples (at `sampleRate`) delivered so far (the total once the iteration has finished). */
  readonly samplesOut: number;
  /** Stops decoding and releases the file and the decoders. */
  close(): Promise<void>;
}

interface DecodedBlock {
  channelData: Float32Array[];
  sampleRate: number;
}

const READ_CHUNK_BYTES = 256 * 1024;

function formatBytes(n: number): string {
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(1)} GB`;
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${n} bytes`;
}

function formatDuration(s: number): string {
  if (s >= 3600) return `${+(s / 3600).toFixed(2)} h`;
  if (s >= 60) return `${+(s / 60).toFixed(1)} min`;
  return `${s} s`;
}

function cancelled(path: string): FastAstError {
  return new FastAstError('CANCELLED', `${path}: decoding was cancelled`);
}

async function checkedSize(path: string, maxBytes: number, handle?: FileHandle): Promise<number> {
  let info;
  try {
    info = await (handle ? handle.stat() : stat(path));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new FastAstError('FILE_NOT_FOUND', `${path}: no such file`);
    if (code === 'EACCES' || code === 'EPERM') throw new FastAstError('AUDIO_UNREADABLE', `${path}: permission denied`);
    throw new FastAstError('AUDIO_UNREADABLE', `${path}: cannot be read (${(e as Error).message})`);
  }
  if (info.isDirectory()) throw new FastAstError('AUDIO_UNREADABLE', `${path}: is a directory, not an audio file`);
  if (info.size === 0) throw new FastAstError('AUDIO_EMPTY', `${path}: the file is empty (0 bytes)`);
  if (info.size > maxBytes) {
    throw new FastAstError('AUDIO_TOO_LARGE', `${path}: ${formatBytes(info.size)} is over the ${formatBytes(maxBytes)} limit for one file; split it or raise the limit`);
  }
  return info.size;
}

async function probeFile(path: string, size: number, handle?: FileHandle): Promise<Probe> {
  if (handle) return probeAudioFile(path, handle, size);
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    throw new FastAstError('AUDIO_UNREADABLE', `${path}: cannot be opened (${(e as Error).message})`);
  }
  try {
    return await probeAudioFile(path, fh, size);
  } finally {
    await fh.close();
  }
}

async function* fileBytes(path: string, size: number, probe: Probe, opts: DecodeOptions): AsyncGenerator<Uint8Array> {
  const stream = opts.handle ? handleChunks(opts.handle) : createReadStream(path, { highWaterMark: READ_CHUNK_BYTES });
  const ogg = probe.ogg ? new OggPageVerifier(path, probe.label) : null;
  let read = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (opts.signal?.aborted) throw cancelled(path);
      read += chunk.length;
      opts.onProgress?.(Math.min(1, read / size));
      const bytes = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length);
      ogg?.push(bytes);
      yield bytes;
    }
    ogg?.end();
  } catch (e) {
    if (e instanceof FastAstError) throw e;
    throw new FastAstError('AUDIO_UNREADABLE', `${path}: reading the file failed (${(e as Error).message})`);
  } finally {
    if ('destroy' in stream) stream.destroy();
  }
}

/** The file's bytes through a handle its owner keeps open (a read stream on a handle closes it). */
async function* handleChunks(handle: FileHandle): AsyncGenerator<Buffer> {
  for (let at = 0; ; ) {
    const { bytesRead, buffer } = await handle.read(Buffer.allocUnsafe(READ_CHUNK_BYTES), 0, READ_CHUNK_BYTES, at);
    if (bytesRead === 0) return;
    at += bytesRead;
    yield buffer.subarray(0, bytesRead);
  }
}

/**
 * Puts integer samples back on the reference grid (v / 2^(bits−1)) and averages the channels.
 * Always returns a fresh array: decoder outputs are not ours to keep.
 */
function toMono(block: DecodedBlock, pcm: IntegerPcm | undefined): Float32Array {
  const channels = block.channelData;
  const n = Math.min(...channels.map((c) => c.length));
  const out = new Float32Array(n);
  const c = channels.length;
  if (pcm) {
    const unit = 2 ** (pcm.bits - 1);
    const pos = pcm.positiveDivisor;
    const neg = pcm.negativeDivisor;
    for (let i = 0; i < n; i++) {
      let sum = 0;
      for (let ch = 0; ch < c; ch++) {
        const x = channels[ch][i];
        sum += Math.round(x * (x >= 0 ? pos : neg)) / unit;
      }
      out[i] = sum / c;
    }
  } else if (c === 1) {
    out.set(channels[0].subarray(0, n));
  } else {
    for (let i = 0; i < n; i++) {
      let sum = 0;
      for (let ch = 0; ch < c; ch++) sum += channels[ch][i];
      out[i] = sum / c;
    }
  }
  return out;
}

/** Index of the first NaN or ±Inf in `x`, or −1. */
function firstNonFinite(x: Float32Array): number {
  for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i])) return i;
  return -1;
}

/**
 * NaN or ±Inf in a float file is an error, not something to zero: it means the writer was
 * broken, and every fbank frame and score touching it would be NaN (zeroed, quietly wrong).
 * `frame` counts source frames from the file's start, so the time is the file's own.
 */
function nonFiniteSample(path: string, block: DecodedBlock, i: number, frame: number, rate: number): FastAstError {
  const bad = block.channelData.map((c) => c[i]).find((v) => !Number.isFinite(v)) ?? NaN;
  const what = Number.isNaN(bad) ? 'NaN' : bad > 0 ? '+Inf' : '-Inf';
  return new FastAstError('AUDIO_UNREADABLE', `${path}: sample ${frame} (${seconds(frame, rate)}) is ${what}; the file holds non-finite float samples`);
}

/** A header that declares more audio than the limit is refused before anything is decoded. */
function checkDeclaredDuration(path: string, probe: Probe, maxDurationS: number): void {
  const d = probe.declared;
  if (!d) return;
  const frames = d.frames - d.toleranceFrames;
  if (frames / d.sampleRate > maxDurationS) {
    throw new FastAstError(
      'AUDIO_TOO_LARGE',
      `${path}: its ${d.source} declares ${seconds(d.frames, d.sampleRate)} of audio, over the ${formatDuration(maxDurationS)} limit for one file; split it or raise the limit`,
    );
  }
}

async function createResampler(path: string, rate: number, outRate: number, quality: ResampleQuality | undefined): Promise<StreamResampler> {
  try {
    return await StreamResampler.create(rate, outRate, quality);
  } catch (e) {
    if (e instanceof FastAstError) throw new FastAstError(e.code, `${path}: ${e.message}`);
    // libsamplerate throws plain strings for the settings it refuses.
    throw new FastAstError('AUDIO_UNSUPPORTED', `${path}: cannot resample ${rate} Hz to ${outRate} Hz (${e instanceof Error ? e.message : String(e)})`);
  }
}

function checkDeclaredLength(path: string, probe: Probe, decodedFrames: number, decodedRate: number): void {
  const d = probe.declared;
  if (!d) return;
  const decoded = (decodedFrames * d.sampleRate) / decodedRate;
  if (decoded < d.frames - d.toleranceFrames) {
    throw new FastAstError(
      'AUDIO_UNREADABLE',
      `${path}: ${probe.label} file is truncated or corrupt: decoding stopped after ${seconds(decoded, d.sampleRate)} but the ${d.source} declares ${seconds(d.frames, d.sampleRate)}`,
    );
  }
  if (decoded > d.frames + d.toleranceFrames) {
    throw new FastAstError(
      'AUDIO_UNREADABLE',
      `${path}: ${probe.label} file is corrupt: it decodes to ${seconds(decoded, d.sampleRate)} but the ${d.source} declares ${seconds(d.frames, d.sampleRate)}`,
    );
  }
}

/**
 * Opens an audio file for streaming: the returned stream already knows the format, rate and
 * channel count (the first block has been decoded); samples follow as the file is read, so a
 * long file is never held whole at its original rate and width (except M4A, whose decoder
 * needs the whole file: it is then held once, as decoded, and converted slice by slice).
 */
export async function streamAudioFile(path: string, opts: DecodeOptions = {}): Promise<AudioStream> {
  if (opts.signal?.aborted) throw cancelled(path);
  const size = await checkedSize(path, opts.maxBytes ?? DEFAULT_MAX_BYTES, opts.handle);
  const probe = await probeFile(path, size, opts.handle);
  const maxDurationS = opts.maxDurationS ?? DEFAULT_MAX_DURATION_S;
  checkDeclaredDuration(path, probe, maxDurationS);

  const blocks = decodeChunked(fileBytes(path, size, probe, opts), probe.decoder) as AsyncGenerator<DecodedBlock>;
  const nextBlock = async (): Promise<DecodedBlock | null> => {
    try {
      const r = await blocks.next();
      return r.done ? null : r.value;
    } catch (e) {
      if (e instanceof FastAstError) throw e;
      const why = e instanceof Error ? e.message : String(e);
      throw new FastAstError('AUDIO_UNREADABLE', `${path}: ${probe.label} data is corrupt or truncated (decoder: ${why})`);
    }
  };

  let first: DecodedBlock | null;
  try {
    first = await nextBlock();
  } catch (e) {
    await blocks.return(undefined).catch(() => undefined);
    throw e;
  }
  if (!first) {
    if (probe.declared?.frames === 0) throw new FastAstError('AUDIO_EMPTY', `${path}: the ${probe.label} header is valid but holds no audio`);
    throw new FastAstError('AUDIO_UNREADABLE', `${path}: no audio could be decoded from this ${probe.label} file; it is truncated or corrupt`);
  }
  const rate = first.sampleRate;
  // The probe checked what the header says; this covers containers whose rate only the decoder knows (MP3, M4A, WebM).
  try {
    checkSampleRate(path, probe.label, rate);
  } catch (e) {
    await blocks.return(undefined).catch(() => undefined);
    throw e;
  }
  const outRate = opts.keepSourceRate ? rate : TARGET_SAMPLE_RATE;

  async function* monoChunks(): AsyncGenerator<Float32Array> {
    const resampler = rate === outRate ? null : await createResampler(path, rate, outRate, opts.resampleQuality);
    let inFrames = 0;
    try {
      for (let block: DecodedBlock | null = first; block; block = await nextBlock()) {
        if (opts.signal?.aborted) throw cancelled(path);
        if (block.sampleRate !== rate) {
          throw new FastAstError('AUDIO_UNSUPPORTED', `${path}: the sample rate changes from ${rate} to ${block.sampleRate} Hz after ${seconds(inFrames, rate)} (chained stream); split the file`);
        }
        const mono = toMono(block, probe.pcm);
        const bad = firstNonFinite(mono);
        if (bad >= 0) throw nonFiniteSample(path, block, bad, inFrames + bad, rate);
        inFrames += mono.length;
        if (inFrames / rate > maxDurationS) {
          throw new FastAstError('AUDIO_TOO_LARGE', `${path}: longer than the ${formatDuration(maxDurationS)} limit for one file; split it or raise the limit`);
        }
        if (resampler) yield* resampler.push(mono);
        else yield mono;
      }
      checkDeclaredLength(path, probe, inFrames, rate);
      if (resampler) yield* resampler.end();
      opts.onProgress?.(1);
    } finally {
      resampler?.destroy();
      await blocks.return(undefined).catch(() => undefined);
    }
  }

  const chunks = monoChunks();
  let samplesOut = 0;
  return {
    format: probe.format,
    sampleRate: outRate,
    sourceSampleRate: rate,
    channels: first.channelData.length,
    get samplesOut() {
      return samplesOut;
    },
    async *[Symbol.asyncIterator]() {
      for await (const chunk of chunks) {
        samplesOut += chunk.length;
        yield chunk;
      }
    },
    async close() {
      await chunks.return(undefined);
    },
  };
}

/** Decodes a whole file to mono 16 kHz (through the streaming path, so only the result is held). */
export async function decodeAudioFile(path: string, opts: DecodeOptions = {}): Promise<DecodedAudio> {
  const stream = await streamAudioFile(path, opts);
  const parts: Float32Array[] = [];
  let total = 0;
  for await (const chunk of stream) {
    parts.push(chunk);
    total += chunk.length;
  }
  const samples = new Float32Array(total);
  let at = 0;
  for (const p of parts) {
    samples.set(p, at);
    at += p.length;
  }
  return {
    format: stream.format,
    sampleRate: stream.sampleRate,
    sourceSampleRate: stream.sourceSampleRate,
    channels: stream.channels,
    samples,
    durationS: total / stream.sampleRate,
  };
}
