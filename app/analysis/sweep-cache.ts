import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FastAstError } from '../errors.js';

/**
 * Results of a sweep, kept per (model, merge setting, clip) so that re-running a sweep, adding
 * a setting or adding clips computes only what is new. Held in memory, and optionally in a
 * folder of JSON files (one per model × setting), read lazily and written by flush().
 */

/** Bump when anything that changes a clip's scores changes (windowing, scoring, fbank). */
export const SWEEP_CACHE_VERSION = 2;
/** Timing samples kept per setting (the most recent). */
const MAX_TIMING_SAMPLES = 512;

/** Identifies one model × merge setting. Everything that changes a clip's scores is in here. */
export interface GroupInfo {
  model: string;
  /** sha256 of model.safetensors. */
  modelSha256: string;
  /** Digest of the model spec (labels, scoring, features): two configs over one weight file differ. */
  specDigest: string;
  /** Number of classes (scores per clip). */
  classes: number;
  /** Execution provider (float results differ slightly between providers). */
  ep: string;
  /** 'int8' for 8-bit Linear weights; absent for float32 (so float32 groups keep their keys). */
  weights?: 'int8';
  /** r applied per layer, after clamping. */
  schedule: number[];
  propAttn: boolean;
  protectDistillation: boolean;
}

export interface CachedClip {
  /** Size and modification time of the file when it was scored: a changed file is scored again. */
  stamp: string;
  windows: number;
  /** Per-class score (softmax or sigmoid), the mean over the clip's windows. */
  scores: Float32Array;
}

/** Inference time of one setting: ms per window of each batch (median → ms per window). */
export interface TimingRecord {
  batchSize: number;
  samples: number[];
  /** When it was measured (ISO 8601). */
  measuredAt: string;
}

export class CacheGroup {
  readonly clips = new Map<string, CachedClip>();
  timing: TimingRecord | undefined;
  dirty = false;

  constructor(
    readonly key: string,
    readonly info: GroupInfo,
  ) {}

  get(path: string, stamp: string): CachedClip | undefined {
    const c = this.clips.get(path);
    return c && c.stamp === stamp ? c : undefined;
  }

  set(path: string, clip: CachedClip): void {
    this.clips.set(path, clip);
    this.dirty = true;
  }

  setTiming(batchSize: number, samples: number[]): void {
    this.timing = { batchSize, samples: samples.slice(-MAX_TIMING_SAMPLES), measuredAt: new Date().toISOString() };
    this.dirty = true;
  }
}

export function groupKey(info: GroupInfo): string {
  const ep = info.weights ? `${info.ep}+${info.weights}` : info.ep;
  return [info.modelSha256, info.specDigest, ep, info.schedule.join('.'), `pa${+info.propAttn}`, `pd${+info.protectDistillation}`].join(':');
}

/** A short digest of a JSON-able value (used for the model spec). */
export function digest(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 16);
}

interface GroupFile {
  version: number;
  key: string;
  info: GroupInfo;
  timing?: TimingRecord;
  /** Scores as the base64 of their float32 bytes (little-endian): exact, and 4/3 byte per byte (527 AudioSet classes: 2.8 kB a clip). */
  clips: Record<string, { stamp: string; windows: number; scores: string }>;
}

function encodeScores(scores: Float32Array): string {
  return Buffer.from(scores.buffer, scores.byteOffset, scores.byteLength).toString('base64');
}

function decodeScores(text: string): Float32Array | undefined {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length % 4) return undefined;
  const out = new Float32Array(bytes.length / 4);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

export class SweepCache {
  private readonly groups = new Map<string, Promise<CacheGroup>>();

  /** `dir`: a folder for the on-disk cache (created when first written); undefined = memory only. */
  constructor(readonly dir?: string) {}

  /** The group of one model × setting, from memory, else from disk, else empty. */
  group(info: GroupInfo): Promise<CacheGroup> {
    const key = groupKey(info);
    let g = this.groups.get(key);
    if (!g) {
      g = this.load(key, info);
      this.groups.set(key, g);
    }
    return g;
  }

  private fileFor(key: string): string {
    return join(this.dir!, `${createHash('sha256').update(key).digest('hex').slice(0, 24)}.json`);
  }

  private async load(key: string, info: GroupInfo): Promise<CacheGroup> {
    const group = new CacheGroup(key, info);
    if (!this.dir) return group;
    let parsed: GroupFile;
    try {
      parsed = JSON.parse(await readFile(this.fileFor(key), 'utf8')) as GroupFile;
    } catch {
      return group; // absent or unreadable: computed again and overwritten
    }
    if (parsed?.version !== SWEEP_CACHE_VERSION || parsed.key !== key || typeof parsed.clips !== 'object') return group;
    const classes = info.classes;
    for (const [path, c] of Object.entries(parsed.clips)) {
      const scores = typeof c?.scores === 'string' ? decodeScores(c.scores) : undefined;
      if (typeof c.stamp === 'string' && Number.isInteger(c.windows) && scores?.length === classes) group.clips.set(path, { stamp: c.stamp, windows: c.windows, scores });
    }
    if (parsed.timing && Array.isArray(parsed.timing.samples)) group.timing = parsed.timing;
    return group;
  }

  /** Writes every group changed since the last flush (atomically: temp file, then rename). */
  async flush(): Promise<void> {
    if (!this.dir) return;
    const groups = await Promise.all(this.groups.values());
    const dirty = groups.filter((g) => g.dirty);
    if (dirty.length === 0) return;
    try {
      await mkdir(this.dir, { recursive: true });
    } catch (e) {
      throw new FastAstError('EXPORT_FAILED', `${this.dir}: cannot create the cache folder (${(e as Error).message})`);
    }
    for (const g of dirty) {
      const body: GroupFile = {
        version: SWEEP_CACHE_VERSION,
        key: g.key,
        info: g.info,
        ...(g.timing ? { timing: g.timing } : {}),
        clips: Object.fromEntries([...g.clips].map(([path, c]) => [path, { stamp: c.stamp, windows: c.windows, scores: encodeScores(c.scores) }])),
      };
      const file = this.fileFor(g.key);
      const temp = `${file}.${process.pid}.tmp`;
      try {
        await writeFile(temp, JSON.stringify(body));
        await rename(temp, file);
      } catch (e) {
        await unlink(temp).catch(() => undefined);
        throw new FastAstError('EXPORT_FAILED', `${file}: cannot write the sweep cache (${(e as Error).message})`);
      }
      g.dirty = false;
    }
  }
}
