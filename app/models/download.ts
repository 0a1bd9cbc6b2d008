/**
 * `fastast models pull`: the studio's files of a hub repo into the hub cache, in Python's
 * layout (see hub-cache.ts), so Python finds them and the resolver opens them offline.
 * Metadata comes from @huggingface/hub (hub-api.ts); bytes from transfer.ts.
 */
import { stat } from 'node:fs/promises';
import { FastAstError } from '../errors.js';
import { resolveCommit, wantedFiles, type HubRequest, type RemoteFile } from './hub-api.js';
import { blobPath, findCachedSnapshot, hubCacheDir, linkIntoSnapshot, parseRepoRef, repoDir, snapshotDir, writeRef } from './hub-cache.js';
import { hubSettings } from './hub-settings.js';
import { transferBlob } from './transfer.js';

export interface PullProgress {
  repoId: string;
  file: string;
  /** Bytes of this file on disk, and its size. */
  fileBytes: number;
  fileSize: number;
  /** Bytes of all files on disk (already cached ones included), and their total. */
  bytes: number;
  totalBytes: number;
  /** Over this pull's transfer so far; 0 before the first byte. */
  bytesPerSecond: number;
  /** Seconds left at that rate; undefined while unknown. */
  etaSeconds?: number;
}

export interface PullOptions {
  revision?: string;
  /** HF_ENDPOINT, HF_TOKEN, HF_HUB_OFFLINE, HF_HUB_CACHE / HF_HOME are read from it (default process.env). */
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** No byte (or no metadata answer) for this long aborts (default 30 s). */
  stallTimeoutMs?: number;
  onProgress?: (p: PullProgress) => void;
  /** A file was found in the cache, or its transfer starts ('resume' when a .incomplete is continued). */
  onFile?: (file: RemoteFile, how: 'cached' | 'download' | 'resume', fromByte: number) => void;
}

export interface PullResult {
  repoId: string;
  revision: string;
  commit: string;
  /** The snapshot folder: snapshots/<commit>/. */
  dir: string;
  /** True when everything was in the cache already. */
  cached: boolean;
  files: RemoteFile[];
}

async function sizeOf(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch {
    return undefined;
  }
}

/** Metadata requests: cancelled with the pull, and given up after the stall timeout. */
function metadataFetch(signal: AbortSignal | undefined, timeoutMs: number): typeof fetch {
  return (input, init) => {
    const signals = [AbortSignal.timeout(timeoutMs), ...(signal ? [signal] : [])];
    return fetch(input, { ...init, signal: AbortSignal.any(signals) });
  };
}

function networkError(e: unknown, endpoint: string, opts: PullOptions, timeoutMs: number): unknown {
  if (e instanceof FastAstError) return e;
  if (opts.signal?.aborted) return new FastAstError('CANCELLED', 'pull cancelled');
  const err = e as { name?: string; cause?: { message?: string }; message?: string };
  if (err.name === 'TimeoutError') return new FastAstError('DOWNLOAD_FAILED', `no answer from ${endpoint} within ${timeoutMs / 1000} s; try again, or set HF_ENDPOINT to a mirror`);
  if (err.name === 'TypeError' && err.message === 'fetch failed') {
    return new FastAstError('DOWNLOAD_FAILED', `cannot reach ${endpoint} (${err.cause?.message ?? 'network error'}); check the connection or HF_ENDPOINT (HF_HUB_OFFLINE=1 uses only the cache)`);
  }
  return e;
}

export async function pullModel(repoArg: string, opts: PullOptions = {}): Promise<PullResult> {
  const env = opts.env ?? process.env;
  const settings = hubSettings(env);
  const ref = parseRepoRef(repoArg);
  if (ref === undefined) throw new FastAstError('USAGE', `"${repoArg}" is not a hub repo id (ORG/NAME, e.g. MIT/ast-finetuned-audioset-10-10-0.4593)`);
  if (opts.revision !== undefined && repoArg.includes('@') && opts.revision !== ref.revision) {
    throw new FastAstError('USAGE', `${repoArg} names revision ${ref.revision} and --revision says ${opts.revision}; give one`);
  }
  const revision = opts.revision ?? ref.revision;
  const { repoId } = ref;
  const cacheDir = hubCacheDir(env);
  const repo = repoDir(cacheDir, repoId);

  if (settings.offline) {
    const hit = await findCachedSnapshot(cacheDir, { repoId, revision });
    if (hit) return { repoId, revision, commit: hit.commit, dir: hit.dir, cached: true, files: [] };
    throw new FastAstError('MODEL_NOT_CACHED', `HF_HUB_OFFLINE is set: ${repoId}@${revision} is not in the hub cache (${cacheDir}) and cannot be downloaded; unset HF_HUB_OFFLINE to pull it`);
  }

  const stallTimeoutMs = opts.stallTimeoutMs ?? 30_000;
  const req: HubRequest = { endpoint: settings.endpoint, token: settings.token, fetch: metadataFetch(opts.signal, stallTimeoutMs) };
  let commit: string;
  let files: RemoteFile[];
  try {
    commit = await resolveCommit(req, repoId, revision);
    const dir = snapshotDir(repo, commit);
    const hit = await findCachedSnapshot(cacheDir, { repoId, revision: commit });
    if (hit) {
      await writeRef(repo, revision, commit);
      return { repoId, revision, commit, dir, cached: true, files: [] };
    }
    files = await wantedFiles(req, repoId, commit);
  } catch (e) {
    throw networkError(e, settings.endpoint, opts, stallTimeoutMs);
  }

  const totalBytes = files.reduce((s, f) => s + f.size, 0);
  let doneBefore = 0; // bytes of files finished earlier in this pull
  let transferred = 0; // bytes that came over the network in this pull
  let started: number | undefined; // the rate's clock starts with the first transfer, not with the metadata calls
  for (const file of files) {
    const blob = blobPath(repo, file.etag);
    if ((await sizeOf(blob)) === file.size) {
      opts.onFile?.(file, 'cached', file.size);
    } else {
      const from = (await sizeOf(`${blob}.incomplete`)) ?? 0;
      opts.onFile?.(file, from > 0 && from <= file.size ? 'resume' : 'download', from);
      const url = `${settings.endpoint}/${repoId}/resolve/${commit}/${file.path}`;
      started ??= Date.now();
      await transferBlob({
        repoId,
        commit,
        file,
        url,
        hubOrigin: new URL(settings.endpoint).origin,
        token: settings.token,
        blob,
        signal: opts.signal,
        stallTimeoutMs,
        onBytes: (onDisk, added) => {
          transferred += added;
          const seconds = (Date.now() - started!) / 1000;
          const bytesPerSecond = seconds > 0 ? transferred / seconds : 0;
          const bytes = doneBefore + onDisk;
          const etaSeconds = bytesPerSecond > 0 ? (totalBytes - bytes) / bytesPerSecond : undefined;
          opts.onProgress?.({ repoId, file: file.path, fileBytes: onDisk, fileSize: file.size, bytes, totalBytes, bytesPerSecond, etaSeconds });
        },
      });
    }
    await linkIntoSnapshot(repo, commit, file.path, file.etag);
    doneBefore += file.size;
  }
  // The ref last: until it is written, the resolver does not see a half-linked snapshot.
  await writeRef(repo, revision, commit);
  return { repoId, revision, commit, dir: snapshotDir(repo, commit), cached: false, files };
}
