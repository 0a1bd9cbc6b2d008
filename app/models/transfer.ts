/**
 * The byte transfer of one file into blobs/<etag>, written here rather than taken from
 * @huggingface/hub: its downloadFileToCacheDir streams into blobs/<etag>.incomplete but offers
 * no progress callback, no AbortSignal, no resume (a fresh GET each time; the .incomplete is
 * overwritten) and no hash check, and it names the snapshot by the file's last commit instead
 * of the revision's commit. This transfer keeps Python's names and adds those four things:
 *
 * - resume: bytes already in blobs/<etag>.incomplete are asked for with `Range: bytes=N-`;
 * - cancel: the caller's AbortSignal stops the transfer; the .incomplete stays for next time;
 * - stall timeout: no byte for `stallTimeoutMs` aborts the attempt;
 * - check: size, then the LFS sha256 (or the git blob sha1 of a plain file), before the
 *   .incomplete is renamed to its blob name, so no half or wrong file ever has that name.
 *
 * A connection that drops after some bytes arrived is resumed at once, a few times.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { FastAstError } from '../errors.js';
import { hubStatusError, type RemoteFile } from './hub-api.js';

export interface TransferRequest {
  repoId: string;
  commit: string;
  file: RemoteFile;
  /** The hub's resolve URL: {endpoint}/{repo}/resolve/{commit}/{path}. */
  url: string;
  /** Origin the token may be sent to; a redirect elsewhere (the CDN) gets no Authorization header. */
  hubOrigin: string;
  token?: string;
  /** Final path, blobs/<etag>; the transfer writes <blob>.incomplete. */
  blob: string;
  signal?: AbortSignal;
  stallTimeoutMs: number;
  /** Attempts after a dropped connection that made progress (default 4). */
  attempts?: number;
  /** Called as bytes reach the disk: the .incomplete's size, and how many bytes were new. */
  onBytes: (onDisk: number, added: number) => void;
  fetch?: typeof fetch;
}

/** Why an attempt stopped: a retry helps only when the connection dropped or went quiet. */
class Interrupted extends Error {
  constructor(
    message: string,
    readonly stalled: boolean,
  ) {
    super(message);
  }
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

/** ETag values come quoted, maybe weak (W/"…"); Python's _normalize_etag strips both. */
export function normalizeEtag(value: string | null): string | undefined {
  return value === null ? undefined : value.replace(/^W\//, '').replace(/^"|"$/g, '');
}

/** sha256 of the file (LFS oid), or the git blob sha1 of a plain file. */
async function hashOf(path: string, file: RemoteFile): Promise<{ kind: string; expected: string; actual: string }> {
  const lfs = file.sha256 !== undefined;
  const hash = createHash(lfs ? 'sha256' : 'sha1');
  if (!lfs) hash.update(`blob ${file.size}\0`);
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return { kind: lfs ? 'sha256' : 'git sha1', expected: (lfs ? file.sha256 : file.gitOid)!, actual: hash.digest('hex') };
}

/** The hub's own headers must agree with its API: a mismatch means the wrong file would be stored. */
function checkHubHeaders(res: Response, req: TransferRequest): void {
  const size = res.headers.get('x-linked-size');
  const etag = normalizeEtag(res.headers.get('x-linked-etag'));
  const commit = res.headers.get('x-repo-commit');
  const bad = (what: string) => new FastAstError('DOWNLOAD_FAILED', `${req.repoId}: ${req.file.path}: the hub's ${what} disagrees with its file list; nothing was stored`);
  if (size !== null && Number(size) !== req.file.size) throw bad(`X-Linked-Size (${size}, expected ${req.file.size})`);
  if (etag !== undefined && req.file.sha256 !== undefined && etag !== req.file.sha256) throw bad(`X-Linked-Etag (${etag})`);
  if (commit !== null && commit !== req.commit) throw bad(`X-Repo-Commit (${commit}, expected ${req.commit})`);
}

/** GET with Range, following the hub's redirect to its CDN by hand, to see the hub's headers and keep the token off the CDN. */
async function request(req: TransferRequest, from: number, signal: AbortSignal): Promise<Response> {
  let url = req.url;
  for (let hop = 0; hop < 6; hop++) {
    const headers: Record<string, string> = { 'user-agent': 'fastast-studio' };
    if (from > 0) headers.range = `bytes=${from}-`;
    if (req.token && new URL(url).origin === req.hubOrigin) headers.authorization = `Bearer ${req.token}`;
    const res = await (req.fetch ?? fetch)(url, { headers, redirect: 'manual', signal });
    if (hop === 0 && (res.ok || (res.status >= 300 && res.status < 400))) checkHubHeaders(res, req);
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      await res.body?.cancel();
      url = new URL(location, url).href;
      continue;
    }
    return res;
  }
  throw new FastAstError('DOWNLOAD_FAILED', `${req.repoId}: ${req.file.path}: too many redirects`);
}

/** One GET, appending to the .incomplete; resolves when the body ends, throws Interrupted when it breaks off. */
async function attempt(req: TransferRequest, incomplete: string): Promise<void> {
  let have = await sizeOf(incomplete);
  const ctl = new AbortController();
  const onCancel = () => ctl.abort();
  req.signal?.addEventListener('abort', onCancel);
  let stalled = false;
  let timer: NodeJS.Timeout | undefined;
  const kick = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      stalled = true;
      ctl.abort();
    }, req.stallTimeoutMs);
  };
  const interrupted = (e: unknown): never => {
    if (req.signal?.aborted) throw new FastAstError('CANCELLED', `download of ${req.repoId} cancelled; run the same pull again to resume`);
    if (e instanceof FastAstError) throw e;
    if (stalled) throw new Interrupted(`no data for ${req.stallTimeoutMs / 1000} s`, true);
    const cause = (e as { cause?: { message?: string } }).cause?.message;
    throw new Interrupted(cause ?? (e as Error).message, false);
  };
  kick();
  try {
    let res: Response;
    try {
      res = await request(req, have, ctl.signal);
    } catch (e) {
      return interrupted(e);
    }
    if (res.status === 416) {
      // The range starts past the end: the partial file is not a prefix of this blob.
      await rm(incomplete, { force: true });
      throw new Interrupted('the server refused the range (416); the partial file was removed', false);
    }
    if (res.status !== 200 && res.status !== 206) throw hubStatusError(res.status, req.repoId, req.file.path);
    if (res.status === 206) {
      const start = Number(/^bytes (\d+)-/.exec(res.headers.get('content-range') ?? '')?.[1]);
      if (start !== have) throw new FastAstError('DOWNLOAD_FAILED', `${req.repoId}: ${req.file.path}: asked for bytes from ${have}, the server sent from ${start}`);
    } else if (have > 0) {
      have = 0; // the server ignored the Range header and sends the whole file: start over
    }
    const out = await open(incomplete, have > 0 ? 'a' : 'w');
    try {
      const reader = res.body!.getReader();
      for (;;) {
        let chunk: ReadableStreamReadResult<Uint8Array>;
        try {
          chunk = await reader.read();
        } catch (e) {
          return interrupted(e);
        }
        if (chunk.done) break;
        kick();
        await out.write(chunk.value);
        have += chunk.value.length;
        req.onBytes(have, chunk.value.length);
      }
    } finally {
      await out.close();
    }
  } finally {
    clearTimeout(timer);
    req.signal?.removeEventListener('abort', onCancel);
  }
}

/** Downloads req.file into req.blob (resuming a .incomplete), checked; returns the blob path. */
export async function transferBlob(req: TransferRequest): Promise<string> {
  const incomplete = `${req.blob}.incomplete`;
  const attempts = req.attempts ?? 4;
  await mkdir(dirname(req.blob), { recursive: true });
  for (let n = 1; ; n++) {
    if (req.signal?.aborted) throw new FastAstError('CANCELLED', `download of ${req.repoId} cancelled; run the same pull again to resume`);
    let have = await sizeOf(incomplete);
    if (have > req.file.size) {
      await rm(incomplete);
      have = 0;
    }
    if (have < req.file.size) {
      try {
        await attempt(req, incomplete);
      } catch (e) {
        if (!(e instanceof Interrupted)) throw e;
        const progressed = (await sizeOf(incomplete)) > have;
        if (!progressed || n >= attempts) {
          const what = e.stalled ? 'the transfer stalled' : 'the connection broke';
          throw new FastAstError('DOWNLOAD_FAILED', `${req.repoId}: ${req.file.path}: ${what} (${e.message}); run the same pull again to resume`);
        }
        continue;
      }
      const now = await sizeOf(incomplete);
      if (now < req.file.size) {
        if (now > have && n < attempts) continue; // the body ended early: ask for the rest
        throw new FastAstError('DOWNLOAD_FAILED', `${req.repoId}: ${req.file.path}: the server sent ${now} of ${req.file.size} bytes; run the same pull again to resume`);
      }
    }
    const size = await sizeOf(incomplete);
    const hash = size === req.file.size ? await hashOf(incomplete, req.file) : undefined;
    if (!hash || hash.actual !== hash.expected) {
      // A wrong file cannot be resumed into a right one: drop it, so the next pull starts clean.
      await rm(incomplete, { force: true });
      const why = hash ? `${hash.kind} is ${hash.actual}, expected ${hash.expected}` : `size is ${size}, expected ${req.file.size}`;
      throw new FastAstError('DOWNLOAD_FAILED', `${req.repoId}: ${req.file.path}: ${why}; the download was discarded`);
    }
    await rename(incomplete, req.blob);
    return req.blob;
  }
}
