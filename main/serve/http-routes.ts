/**
 * serve's HTTP side: the built UI under the page's path prefix (with its CSP and the token
 * cookie scoped to that path) and the decoded media (with byte ranges, the token in the query),
 * both for GET and HEAD, behind the token and the Host check.
 *
 * It never throws and never shows a client internal error text: a bad %-escape is a 400, any
 * other failure a bare 500 (the details go to the log).
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, sep } from 'node:path';
import { mediaResponseHead, parseByteRange } from '../http/byte-range.js';
import { contentSecurityPolicy } from '../http/csp.js';
import { mimeType } from '../http/mime.js';
import { rendererFile } from '../http/renderer-file.js';
import type { Access } from './access.js';

export interface HttpRoutes {
  access: Access;
  rendererDir: string;
  /** Path of a decoded media file, or null when the name is not one of the host's. */
  mediaPath(name: string): Promise<string | null>;
  log?: (line: string) => void;
}

export async function handleHttp(routes: HttpRoutes, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    await route(routes, req, res);
  } catch (e) {
    const badEscape = e instanceof URIError;
    if (!badEscape) routes.log?.(`${req.method} failed: ${(e as Error)?.stack ?? String(e)}`);
    if (!res.headersSent) res.writeHead(badEscape ? 400 : 500, { 'content-type': 'text/plain' });
    res.end(badEscape ? 'bad request: the URL has a bad %-escape' : 'internal error');
  }
}

async function route(routes: HttpRoutes, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { access } = routes;
  if (!access.hostAllowed(req.headers.host)) {
    res.writeHead(421, { 'content-type': 'text/plain' }).end('wrong host');
    return;
  }
  const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
  if (!access.authorised(req, url)) {
    res.writeHead(401, { 'content-type': 'text/plain' }).end('FastAST Studio: open the URL with the token that `serve` printed.');
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405).end();
    return;
  }
  // The page asks for media relative to its own path (`/<prefix>/media/…`, api/client.ts); `/media/…` too.
  const media = [`${access.prefix}media/`, '/media/'].find((p) => url.pathname.startsWith(p));
  if (media) return sendMedia(routes, decodeURIComponent(url.pathname.slice(media.length)), req, res);
  // The page's old address and the prefix without its slash lead to the page.
  if (url.pathname === '/' || url.pathname === access.prefix.slice(0, -1)) {
    res.writeHead(302, { location: access.prefix + url.search, 'referrer-policy': 'no-referrer' }).end();
    return;
  }
  const file = url.pathname.startsWith(access.prefix) ? rendererFile(routes.rendererDir, url.pathname.slice(access.prefix.length - 1)) : null;
  const st = file ? await stat(file).catch(() => null) : null;
  if (!file || !st?.isFile()) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    return;
  }
  const headers: Record<string, string> = {
    'content-type': mimeType(file),
    'content-length': String(st.size),
    'x-content-type-options': 'nosniff',
    'cache-control': file.includes(`${sep}assets${sep}`) ? 'public, max-age=31536000, immutable' : 'no-store',
  };
  if (extname(file) === '.html') {
    headers['content-security-policy'] = contentSecurityPolicy({
      // CSP source lists take no IPv6 literal (Chromium drops "ws://[::1]:…" with a console
      // error); on an IPv6 page 'self' covers its own ws:// origin.
      connect: access.allowedHosts().filter((h) => !h.startsWith('[')).map((h) => `ws://${h}`),
      media: ["'self'", 'blob:'],
    });
    headers['set-cookie'] = access.cookie();
    headers['referrer-policy'] = 'no-referrer';
  }
  res.writeHead(200, headers);
  if (req.method === 'HEAD') res.end();
  else createReadStream(file).pipe(res);
}

async function sendMedia(routes: HttpRoutes, name: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = await routes.mediaPath(name);
  if (!path) {
    res.writeHead(404).end();
    return;
  }
  const size = (await stat(path)).size;
  const range = parseByteRange(req.headers.range, size);
  const head = mediaResponseHead(range, size);
  res.writeHead(head.status, head.headers);
  if (req.method === 'HEAD' || range.kind !== 'ok') res.end();
  else createReadStream(path, { start: range.start, end: range.end }).pipe(res);
}
