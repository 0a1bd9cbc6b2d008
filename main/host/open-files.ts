/**
 * The files open in the workstation: decoded once, with a WAV copy in the media folder for the
 * player. At most MAX_OPEN_FILES stay open; opening another closes the one opened first.
 */
import { mkdir, rm, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { FileInfo } from '../../app/contract/index.js';
import { isMediaName, mediaName } from '../http/media-name.js';
import { writeMediaFile } from '../process/media-folder.js';
import { decodeForHost, type DecodedAudio } from './audio-io.js';
import { LruMap } from './lru-map.js';
import { HostError, throwIfAborted, type CallContext } from './rpc.js';
import { wavBytes } from './spectrogram.js';

export interface OpenFile {
  info: FileInfo;
  audio: DecodedAudio;
  /** Reference level of the display spectrogram (set by the first, whole-file request). */
  specRefDb?: number;
}

const MAX_OPEN_FILES = 4;

export class OpenFiles {
  // Looked up with peek: use does not keep a file open, the one opened first closes first.
  private readonly files = new LruMap<string, OpenFile>(MAX_OPEN_FILES);
  private counter = 0;

  constructor(
    private readonly mediaDir: string,
    /** Told when a file closes (its cached windows go too). */
    private readonly onClose: (fileId: string) => void,
  ) {}

  async start(): Promise<void> {
    // Usually made (0700, random name) by the process that owns it; made here only for tests and the bench.
    await mkdir(this.mediaDir, { recursive: true, mode: 0o700 });
  }

  /** Decodes `path`, writes its media copy and opens it; `windowS` is the active model's window. */
  async open(path: string, windowS: number, ctx: CallContext): Promise<FileInfo> {
    const abs = resolve(path);
    const audio = await decodeForHost(abs, { signal: ctx.signal, onProgress: (done, total) => ctx.progress('decode', done, total) });
    throwIfAborted(ctx.signal);
    const fileId = `f${++this.counter}`;
    const media = mediaName(fileId);
    await writeMediaFile(join(this.mediaDir, media), wavBytes(audio.samples, audio.sampleRate));
    const info: FileInfo = {
      fileId,
      path: abs,
      name: basename(abs),
      durationS: audio.samples.length / audio.sampleRate,
      sampleRate: audio.sampleRate,
      numSamples: audio.samples.length,
      media,
      windowS,
    };
    for (const [oldId, old] of this.files.set(fileId, { info, audio })) await this.removeMedia(oldId, old);
    return info;
  }

  /** The open file, or UNKNOWN_FILE. */
  get(fileId: string): OpenFile {
    const f = this.files.peek(fileId);
    if (!f) throw new HostError('UNKNOWN_FILE', `file ${fileId} is not open (it may have been closed or the engine restarted)`);
    return f;
  }

  async close(fileId: string): Promise<void> {
    const f = this.files.peek(fileId);
    if (!f) return;
    this.files.delete(fileId);
    await this.removeMedia(fileId, f);
  }

  private async removeMedia(fileId: string, f: OpenFile): Promise<void> {
    this.onClose(fileId);
    await rm(join(this.mediaDir, f.info.media), { force: true });
  }

  /** Path of a decoded media file, or null when the name is not one of ours. */
  async mediaPath(name: string): Promise<string | null> {
    if (!isMediaName(name)) return null;
    const p = join(this.mediaDir, name);
    try {
      return (await stat(p)).isFile() ? p : null;
    } catch {
      return null;
    }
  }

  async dispose(): Promise<void> {
    await rm(this.mediaDir, { recursive: true, force: true }).catch(() => {});
  }
}
