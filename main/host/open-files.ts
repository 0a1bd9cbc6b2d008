/**
 * The files open in the workstation: decoded once, with a WAV copy in the media folder for the
 * player. Each connection keeps at most MAX_OPEN_FILES open: opening another closes the one it
 * opened first, never another client's. A closed connection's files stay readable (a page that
 * reconnects keeps its file ids) until more than MAX_OPEN_FILES such files are left over.
 */
import { mkdir, rm, stat, type FileHandle } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { FileInfo } from '../../app/contract/index.js';
import { isMediaName, mediaName } from '../http/media-name.js';
import { writeMediaFile } from '../process/media-folder.js';
import { decodeForHost, type DecodedAudio } from './audio-io.js';
import { HostError, throwIfAborted, type CallContext, type ClientConnection } from './rpc.js';
import { wavBytes } from './spectrogram.js';

export interface OpenFile {
  info: FileInfo;
  /** The connection that opened it and whose limit it counts against; null once that one has closed. */
  owner: ClientConnection | null;
  audio: DecodedAudio;
  /** Reference level of the display spectrogram (set by the first, whole-file request). */
  specRefDb?: number;
}

const MAX_OPEN_FILES = 4;

export class OpenFiles {
  // In the order opened: use does not keep a file open, the one opened first closes first.
  private readonly files = new Map<string, OpenFile>();
  /** Connections whose close this class listens for. */
  private readonly watched = new WeakSet<ClientConnection>();
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

  /**
   * Decodes `path`, writes its media copy and opens it; `windowS` is the active model's window.
   * `handle`: the file already opened (and checked against serve --root), read instead of `path`.
   */
  async open(path: string, windowS: number, ctx: CallContext, handle?: FileHandle): Promise<FileInfo> {
    const abs = resolve(path);
    const audio = await decodeForHost(abs, { signal: ctx.signal, onProgress: (done, total) => ctx.progress('decode', done, total), ...(handle ? { handle } : {}) });
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
    const owner = ctx.client;
    this.files.set(fileId, { info, audio, owner });
    if (!this.watched.has(owner)) {
      this.watched.add(owner);
      owner.onClose(() => void this.orphan(owner));
    }
    await this.trim((f) => f.owner === owner);
    return info;
  }

  /** Closes the oldest of the files `which` picks until at most MAX_OPEN_FILES of them are left. */
  private async trim(which: (f: OpenFile) => boolean): Promise<void> {
    const picked = [...this.files].filter(([, f]) => which(f));
    for (const [oldId] of picked.slice(0, Math.max(0, picked.length - MAX_OPEN_FILES))) await this.close(oldId);
  }

  /** A connection closed: its files no longer count against it, and the oldest left-overs go. */
  private async orphan(owner: ClientConnection): Promise<void> {
    for (const f of this.files.values()) if (f.owner === owner) f.owner = null;
    await this.trim((f) => f.owner === null).catch(() => {});
  }

  /** The open file, or UNKNOWN_FILE. */
  get(fileId: string): OpenFile {
    const f = this.files.get(fileId);
    if (!f) throw new HostError('UNKNOWN_FILE', `file ${fileId} is not open (it may have been closed or the engine restarted)`);
    return f;
  }

  async close(fileId: string): Promise<void> {
    const f = this.files.get(fileId);
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
