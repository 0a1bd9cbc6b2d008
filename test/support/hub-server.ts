/**
 * A small stand-in for the Hugging Face hub on 127.0.0.1, speaking the parts of its HTTP API
 * that a pull uses, as the hub documents them:
 *
 * - GET  /api/models/{repo}/revision/{rev}    model info: sha (the commit), siblings with lfs
 * - POST /api/models/{repo}/paths-info/{rev}  per path: size, oid, lfs {oid, size, pointerSize}
 * - GET  /{repo}/resolve/{rev}/{file}         plain files: 200 with ETag = git blob sha1;
 *   LFS files: 302 to a second server (the "CDN", another origin) with X-Repo-Commit,
 *   X-Linked-Etag (the sha256), X-Linked-Size
 * - GET  {cdn}/blobs/{sha256}                  the bytes, with Range (206 / 416)
 *
 * Knobs make it fail the ways real networks do; it counts requests and the bytes it sent.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeRepo {
  repoId: string;
  commit: string;
  files: Record<string, Buffer>;
  /** When set, every request for this repo needs `Authorization: Bearer <token>`. */
  token?: string;
}

export interface Knobs {
  /** Cut the connection after this many bytes of a CDN body, once (then reset to undefined). */
  dropAfter?: number;
  /** Serve LFS bytes with one byte changed (headers and API still give the true sha256). */
  corrupt?: boolean;
  /** The CDN sends its headers, then nothing. */
  stall?: boolean;
  /** Every API and resolve request answers this status. */
  status?: number;
  /** CDN pacing: this many ms between 64 kB chunks (for cancelling mid-transfer). */
  chunkDelayMs?: number;
}

export interface LoggedRequest {
  server: 'hub' | 'cdn';
  method: string;
  url: string;
  range?: string;
  authorization?: string;
}

export interface FakeHub {
  endpoint: string;
  knobs: Knobs;
  requests: LoggedRequest[];
  /** Bytes of each blob (by sha256) written to sockets, over all responses. */
  bytesSent: Map<string, number>;
  close(): Promise<void>;
}

const LFS = /\.(safetensors|bin|pth)$/;

export const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
export const gitOid = (b: Buffer) => createHash('sha1').update(`blob ${b.length}\0`).update(b).digest('hex');

function lfsPointer(b: Buffer): Buffer {
  return Buffer.from(`version https://git-lfs.github.com/spec/v1\noid sha256:${sha256(b)}\nsize ${b.length}\n`);
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function readBody(req: IncomingMessage): Promise<string> {
  let s = '';
  for await (const c of req) s += c;
  return s;
}

const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));

export async function startFakeHub(repos: FakeRepo[]): Promise<FakeHub> {
  const knobs: Knobs = {};
  const requests: LoggedRequest[] = [];
  const bytesSent = new Map<string, number>();
  const blobs = new Map<string, Buffer>();
  for (const r of repos) for (const [p, b] of Object.entries(r.files)) if (LFS.test(p)) blobs.set(sha256(b), b);
  const log = (server: 'hub' | 'cdn', req: IncomingMessage) =>
    requests.push({ server, method: req.method!, url: req.url!, range: req.headers.range, authorization: req.headers.authorization });

  const cdn = createServer(async (req, res) => {
    log('cdn', req);
    const sha = /^\/blobs\/([0-9a-f]{64})/.exec(req.url!)?.[1];
    const blob = sha ? blobs.get(sha) : undefined;
    if (!sha || !blob) return json(res, 404, { error: 'no such blob' });
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const start = m ? Number(m[1]) : 0;
    if (start >= blob.length) {
      res.writeHead(416, { 'content-range': `bytes */${blob.length}` });
      return res.end();
    }
    res.writeHead(m ? 206 : 200, {
      'content-length': String(blob.length - start),
      'accept-ranges': 'bytes',
      ...(m ? { 'content-range': `bytes ${start}-${blob.length - 1}/${blob.length}` } : {}),
    });
    if (knobs.stall) return; // headers only; the connection stays open and silent
    let body = blob.subarray(start);
    if (knobs.corrupt) {
      body = Buffer.from(body);
      body[body.length >> 1] ^= 0xff;
    }
    let sent = 0;
    for (let off = 0; off < body.length; off += 65536) {
      let chunk = body.subarray(off, off + 65536);
      const cut = knobs.dropAfter !== undefined && sent + chunk.length >= knobs.dropAfter;
      if (cut) chunk = chunk.subarray(0, knobs.dropAfter! - sent);
      await new Promise<void>((ok) => res.write(chunk, () => ok()));
      sent += chunk.length;
      bytesSent.set(sha, (bytesSent.get(sha) ?? 0) + chunk.length);
      if (cut) {
        knobs.dropAfter = undefined;
        res.socket?.destroy();
        return;
      }
      if (knobs.chunkDelayMs) await sleep(knobs.chunkDelayMs);
      if (res.destroyed) return;
    }
    res.end();
  });
  const cdnOrigin = await listen(cdn);

  const hub = createServer(async (req, res) => {
    log('hub', req);
    if (knobs.status) return json(res, knobs.status, { error: `status ${knobs.status} by request` });
    const api = /^\/api\/models\/([^/]+\/[^/]+)\/(revision|paths-info)\/([^/?]+)/.exec(req.url!);
    const resolve = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/([^?]+)/.exec(req.url!);
    const repoId = api?.[1] ?? resolve?.[1];
    const repo = repos.find((r) => r.repoId === repoId);
    if (!repo) return json(res, 404, { error: 'Repository not found' }, { 'x-error-code': 'RepoNotFound' });
    if (repo.token && req.headers.authorization !== `Bearer ${repo.token}`) {
      return json(res, 401, { error: 'Invalid credentials in Authorization header' }, { 'x-error-code': 'GatedRepo' });
    }
    const rev = decodeURIComponent((api?.[3] ?? resolve?.[2])!);
    if (rev !== 'main' && rev !== repo.commit) return json(res, 404, { error: 'Invalid rev id' }, { 'x-error-code': 'RevisionNotFound' });
    const entries = Object.entries(repo.files);
    if (api?.[2] === 'revision') {
      return json(res, 200, {
        _id: 'fake',
        id: repo.repoId,
        sha: repo.commit,
        private: Boolean(repo.token),
        gated: false,
        downloads: 0,
        likes: 0,
        lastModified: '2026-01-01T00:00:00.000Z',
        pipeline_tag: 'audio-classification',
        siblings: entries.map(([p, b]) =>
          LFS.test(p) ? { rfilename: p, size: b.length, blobId: gitOid(lfsPointer(b)), lfs: { sha256: sha256(b), size: b.length, pointerSize: lfsPointer(b).length } } : { rfilename: p, size: b.length, blobId: gitOid(b) },
        ),
      });
    }
    if (api?.[2] === 'paths-info') {
      const { paths } = JSON.parse(await readBody(req)) as { paths: string[] };
      return json(
        res,
        200,
        entries
          .filter(([p]) => paths.includes(p))
          .map(([p, b]) =>
            LFS.test(p)
              ? { type: 'file', path: p, size: b.length, oid: gitOid(lfsPointer(b)), lfs: { oid: sha256(b), size: b.length, pointerSize: lfsPointer(b).length } }
              : { type: 'file', path: p, size: b.length, oid: gitOid(b) },
          ),
      );
    }
    const path = resolve ? decodeURIComponent(resolve[3]) : undefined;
    const file = path === undefined ? undefined : repo.files[path];
    if (!path || !file) return json(res, 404, { error: 'Entry not found' }, { 'x-error-code': 'EntryNotFound' });
    if (LFS.test(path)) {
      res.writeHead(302, {
        location: `${cdnOrigin}/blobs/${sha256(file)}?download=true`,
        'x-repo-commit': repo.commit,
        'x-linked-etag': `"${sha256(file)}"`,
        'x-linked-size': String(file.length),
        etag: `"${gitOid(lfsPointer(file))}"`,
      });
      return res.end();
    }
    res.writeHead(200, { 'content-length': String(file.length), etag: `"${gitOid(file)}"`, 'x-repo-commit': repo.commit });
    res.end(file);
  });
  const endpoint = await listen(hub);

  return {
    endpoint,
    knobs,
    requests,
    bytesSent,
    async close() {
      for (const s of [hub, cdn]) {
        s.closeAllConnections();
        await new Promise((ok) => s.close(ok));
      }
    },
  };
}
