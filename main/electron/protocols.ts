/**
 * The page (app://studio/…, from the built UI with its CSP) and the decoded media
 * (fastast-media://media/f<n>.wav, with byte ranges so seeking works), through main/http's
 * pieces, as serve answers the same requests.
 */
import { protocol } from 'electron';
import { open as openFile, readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { mediaResponseHead, parseByteRange } from '../http/byte-range.js';
import { contentSecurityPolicy } from '../http/csp.js';
import { isMediaName } from '../http/media-name.js';
import { mimeType } from '../http/mime.js';
import { rendererFile } from '../http/renderer-file.js';
import type { StudioPaths } from './studio-paths.js';

const CSP = contentSecurityPolicy({ connect: [], media: ['fastast-media:'] });

/** Must run before the app is ready. */
export function registerSchemes(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } },
    { scheme: 'fastast-media', privileges: { standard: true, secure: true, stream: true, supportFetchAPI: true } },
  ]);
}

function notFound(): Response {
  return new Response('not found', { status: 404 });
}

export function registerProtocols(paths: StudioPaths): void {
  protocol.handle('app', async (req) => {
    const url = new URL(req.url);
    if (url.host !== 'studio') return notFound();
    const file = rendererFile(paths.rendererDir, url.pathname);
    if (!file) return notFound();
    try {
      const body = await readFile(file);
      const headers: Record<string, string> = { 'content-type': mimeType(file), 'x-content-type-options': 'nosniff' };
      if (extname(file) === '.html') headers['content-security-policy'] = CSP;
      return new Response(body, { headers });
    } catch {
      return notFound();
    }
  });

  protocol.handle('fastast-media', async (req) => {
    const url = new URL(req.url);
    const name = decodeURIComponent(url.pathname.slice(1));
    if (url.host !== 'media' || !isMediaName(name)) return notFound();
    const path = join(paths.mediaDir, name);
    let size: number;
    try {
      size = (await stat(path)).size;
    } catch {
      return notFound();
    }
    const range = parseByteRange(req.headers.get('range'), size);
    const head = mediaResponseHead(range, size);
    if (range.kind !== 'ok' || req.method === 'HEAD') return new Response(null, head);
    const fh = await openFile(path, 'r');
    try {
      const buf = Buffer.alloc(range.end - range.start + 1);
      await fh.read(buf, 0, buf.length, range.start);
      return new Response(buf, head);
    } finally {
      await fh.close();
    }
  });
}
