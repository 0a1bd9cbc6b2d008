import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, readdirSync, readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import type { ModelSpec } from '../checkpoint/spec.js';
import { appVersion } from '../export/app-version.js';
import { OPSET } from '../graph/onnx-builder.js';
import type { GraphOptions } from '../graph/tome-ast.js';
import type { GraphFiles, WrittenFile } from './graph-file.js';

/**
 * Bump when app/graph emits a different graph for the same checkpoint. In a source checkout the
 * key also holds a hash of app/graph's sources, so a forgotten bump cannot serve a stale graph
 * during development; a packaged app keys by its version instead.
 */
export const GRAPH_BUILD_VERSION = 2; // 2: int8 keys; proportional attention as a key dimension in the mha form
export const DEFAULT_CACHE_MAX_BYTES = 2 * 2 ** 30;
/** A temp file this old is left over from a crashed build, not one in progress. */
const STALE_TEMP_MS = 3600_000;

/** `$FASTAST_CACHE_DIR/graphs`, else `$XDG_CACHE_HOME/fastast-studio/graphs`, else `~/.cache/fastast-studio/graphs`. */
export function defaultGraphCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const root = env.FASTAST_CACHE_DIR || join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'fastast-studio');
  return join(root, 'graphs');
}

/** What makes one built graph: the checkpoint's content, what config.json made of it, the graph's form and code. */
export interface GraphKey {
  checkpointSha256: string;
  spec: ModelSpec;
  graph: GraphOptions;
}

/** A complete entry on disk: the model and its weights file, with what the sidecar says each must be. */
export interface CacheEntry {
  id: string;
  /** The ONNX model to open; it names its weights file (`<id>.weights`, same folder). */
  path: string;
  model: WrittenFile;
  weights: WrittenFile;
}

export interface GraphCacheOptions {
  /** Folder of entries (default: defaultGraphCacheDir()). */
  dir?: string;
  /** Size cap of all entries; least recently used ones go first (default 2 GiB). */
  maxBytes?: number;
  /** Told once when the cache cannot be used (e.g. an unwritable folder): the engine then builds every time. */
  notice?: (message: string) => void;
}

interface Sidecar {
  id: string;
  model: WrittenFile;
  weights: WrittenFile;
  key: unknown;
}

/**
 * Built ONNX graphs on disk, one entry per checkpoint × spec × graph form: `<id>.onnx` (the
 * structure), `<id>.weights` (its large weights) and the `<id>.json` sidecar with each file's
 * length and sha256, written last. Files are written under temp names and renamed, so a reader
 * sees a whole entry or none; one that is truncated or altered anyway fails the sidecar's check
 * and is removed. Hits touch the entry's mtime, which orders eviction.
 * Checkpoint hashes are remembered by path, size and mtime (`sources/`), so a start from the
 * cache does not read the checkpoint at all.
 */
export class GraphCache {
  private constructor(
    /** null when the cache is off (the folder could not be created or written). */
    readonly dir: string | null,
    readonly maxBytes: number,
  ) {}

  static async open(opts: GraphCacheOptions = {}): Promise<GraphCache> {
    const dir = resolve(opts.dir ?? defaultGraphCacheDir());
    const maxBytes = opts.maxBytes ?? DEFAULT_CACHE_MAX_BYTES;
    try {
      await mkdir(join(dir, 'sources'), { recursive: true });
      // mkdir succeeds on an existing read-only folder: only a write shows that entries can be added.
      const probe = join(dir, `.probe-${process.pid}-${randomBytes(4).toString('hex')}`);
      await writeFile(probe, '');
      await unlink(probe);
      return new GraphCache(dir, maxBytes);
    } catch (e) {
      opts.notice?.(`graph cache off: cannot write ${dir} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); every start builds the graph`);
      return new GraphCache(null, maxBytes);
    }
  }

  get enabled(): boolean {
    return this.dir !== null;
  }

  /** The checkpoint's sha256 from an earlier start, if the file's path, size and mtime are unchanged. */
  async knownChecksum(file: string): Promise<string | null> {
    if (!this.dir) return null;
    try {
      const [s, memo] = await Promise.all([stat(file), readFile(this.sourcePath(file), 'utf8')]);
      const m = JSON.parse(memo) as { path: string; size: number; mtimeMs: number; sha256: string };
      return m.path === resolve(file) && m.size === s.size && m.mtimeMs === s.mtimeMs ? m.sha256 : null;
    } catch {
      return null;
    }
  }

  /**
   * Hashes the checkpoint and compares it with what was remembered. A file rewritten with the
   * same size and mtime (a restored backup, `touch -r`) slips past knownChecksum; this catches
   * it afterwards, off the start's critical path: the memo is forgotten, so the next start reads
   * the weights and builds. Returns false on a mismatch.
   */
  async confirmChecksum(file: string, sha256: string): Promise<boolean> {
    if (!this.dir) return true;
    if ((await sha256File(file).catch(() => '')) === sha256) return true;
    await unlink(this.sourcePath(file)).catch(() => undefined);
    return false;
  }

  async rememberChecksum(file: string, sha256: string): Promise<void> {
    if (!this.dir) return;
    const s = await stat(file);
    const memo = JSON.stringify({ path: resolve(file), size: s.size, mtimeMs: s.mtimeMs, sha256 });
    await this.writeSmallFile(this.sourcePath(file), memo).catch(() => undefined);
  }

  /** The entry for `key` when both files have the lengths its sidecar says; null otherwise (a broken one is removed). */
  async lookup(key: GraphKey): Promise<CacheEntry | null> {
    if (!this.dir) return null;
    const id = entryId(key);
    let side: Sidecar;
    try {
      side = JSON.parse(await readFile(join(this.dir, `${id}.json`), 'utf8')) as Sidecar;
    } catch {
      return null;
    }
    const entry: CacheEntry = { id, path: join(this.dir, `${id}.onnx`), model: side.model, weights: side.weights };
    const size = (path: string) =>
      stat(path).then(
        (s) => s.size,
        () => -1,
      );
    if (side.id !== id || (await size(entry.path)) !== side.model?.bytes || (await size(this.weightsPath(id))) !== side.weights?.bytes) {
      await this.remove(id);
      return null;
    }
    const now = new Date();
    await utimes(entry.path, now, now).catch(() => undefined); // least recently used goes first
    return entry;
  }

  /** Reads both files and compares them with the sidecar's sha256; a mismatch removes the entry. */
  async verify(entry: CacheEntry): Promise<boolean> {
    const hashes = await Promise.all([sha256File(entry.path), sha256File(this.weightsPath(entry.id))]).catch(() => ['', '']);
    const ok = hashes[0] === entry.model.sha256 && hashes[1] === entry.weights.sha256;
    if (!ok) await this.remove(entry.id);
    return ok;
  }

  /**
   * Adds an entry: `write` fills the temp files it is given (see GraphFiles) and returns what it
   * wrote; they are renamed into place, the sidecar written last, and the cache trimmed to its
   * cap. Returns null (temp files removed, `notice` told) when the cache is off or a write fails.
   */
  async store(key: GraphKey, write: (files: GraphFiles) => { model: WrittenFile; weights: WrittenFile }, notice?: (m: string) => void): Promise<CacheEntry | null> {
    if (!this.dir) return null;
    const id = entryId(key);
    const tag = `${process.pid}-${randomBytes(4).toString('hex')}`;
    const temp = { model: join(this.dir, `.tmp-${id}-${tag}.onnx`), weights: join(this.dir, `.tmp-${id}-${tag}.weights`), location: `${id}.weights` };
    const path = join(this.dir, `${id}.onnx`);
    try {
      const written = write(temp);
      await rename(temp.weights, this.weightsPath(id));
      await rename(temp.model, path);
      const side: Sidecar = { id, ...written, key: describeKey(key) };
      await this.writeSmallFile(join(this.dir, `${id}.json`), JSON.stringify(side, null, 1));
      await this.evict(id);
      return { id, path, ...written };
    } catch (e) {
      await unlink(temp.model).catch(() => undefined);
      await unlink(temp.weights).catch(() => undefined);
      notice?.(`graph cache: could not store the graph in ${this.dir} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); it will be built again next time`);
      return null;
    }
  }

  /** Total bytes of the entries now on disk. */
  async size(): Promise<number> {
    return (await this.entries()).reduce((n, e) => n + e.bytes, 0);
  }

  /** Removes least recently used entries until the rest fit the cap; `keep` (just written) stays. */
  private async evict(keep: string): Promise<void> {
    const entries = (await this.entries()).sort((a, b) => a.mtimeMs - b.mtimeMs);
    let total = entries.reduce((n, e) => n + e.bytes, 0);
    for (const e of entries) {
      if (total <= this.maxBytes) break;
      if (e.id === keep) continue;
      await this.remove(e.id);
      total -= e.bytes;
    }
  }

  private async entries(): Promise<{ id: string; bytes: number; mtimeMs: number }[]> {
    const dir = this.dir!;
    const out: { id: string; bytes: number; mtimeMs: number }[] = [];
    for (const name of await readdir(dir)) {
      const s = await stat(join(dir, name)).catch(() => null);
      if (!s) continue;
      if (name.startsWith('.tmp-') && Date.now() - s.mtimeMs > STALE_TEMP_MS) await unlink(join(dir, name)).catch(() => undefined);
      if (name.endsWith('.onnx') && !name.startsWith('.')) {
        const weights = await stat(this.weightsPath(basename(name, '.onnx'))).catch(() => null);
        out.push({ id: basename(name, '.onnx'), bytes: s.size + (weights?.size ?? 0), mtimeMs: s.mtimeMs });
      }
    }
    return out;
  }

  /** Sidecar first: without it the entry is no longer found, whatever happens to the rest. */
  private async remove(id: string): Promise<void> {
    await unlink(join(this.dir!, `${id}.json`)).catch(() => undefined);
    await unlink(join(this.dir!, `${id}.onnx`)).catch(() => undefined);
    await unlink(this.weightsPath(id)).catch(() => undefined);
  }

  private weightsPath(id: string): string {
    return join(this.dir!, `${id}.weights`);
  }

  private sourcePath(file: string): string {
    return join(this.dir!, 'sources', `${sha256Hex(resolve(file)).slice(0, 32)}.json`);
  }

  private async writeSmallFile(path: string, text: string): Promise<void> {
    const temp = `${path}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
    try {
      await writeFile(temp, text);
      await rename(temp, path);
    } finally {
      await unlink(temp).catch(() => undefined);
    }
  }
}

export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  return h.digest('hex');
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** What goes into an entry's id (and its sidecar, for a reader): label names do not change the graph, their count does. */
function describeKey(key: GraphKey): unknown {
  return {
    checkpointSha256: key.checkpointSha256,
    spec: { ...key.spec, labels: key.spec.labels.length },
    graph: key.graph,
    opset: OPSET,
    builder: GRAPH_BUILD_VERSION,
    code: graphCode(),
  };
}

export function entryId(key: GraphKey): string {
  return sha256Hex(JSON.stringify(describeKey(key))).slice(0, 40);
}

let codeFingerprint: string | undefined;

/** A hash of app/graph's sources where they are on disk (a checkout), else the app's version. */
function graphCode(): string {
  if (codeFingerprint === undefined) {
    try {
      const dir = new URL('../graph/', import.meta.url);
      const h = createHash('sha256');
      const sources = readdirSync(dir).filter((n) => n.endsWith('.ts')).sort();
      if (!sources.length) throw new Error('no sources');
      for (const name of sources) h.update(name).update(readFileSync(new URL(name, dir)));
      codeFingerprint = `src:${h.digest('hex').slice(0, 16)}`;
    } catch {
      codeFingerprint = `app:${appVersion()}`;
    }
  }
  return codeFingerprint;
}
