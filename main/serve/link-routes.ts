/**
 * The two requests serve's front answers about the host process itself, beside the UI and the
 * socket routes of http-routes.ts and socket.ts:
 *  - a page of ours whose token is wrong (serve restarted with another token) gets its WebSocket
 *    accepted and at once closed with SOCKET_CLOSE.wrongToken, the one way a browser page can
 *    learn why (a refused upgrade only shows as 1006) and stop retrying;
 *  - POST …/host/retry starts the host child again after the supervisor gave up.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { closeReason, SOCKET_CLOSE } from '../../app/contract/socket-close.js';
import type { Access } from './access.js';

const refusals = new WebSocketServer({ noServer: true, maxPayload: 1024 });

/**
 * True when it took the upgrade: a browser page of our own origin (Host and Origin both ours)
 * without the right token. Everything else (no Origin: not a browser; a foreign one) is left to
 * the socket routes, which refuse it with a plain 401. Never throws.
 */
export function refuseWrongToken(access: Access, req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
  try {
    const origin = req.headers.origin;
    if (!origin || !access.hostAllowed(req.headers.host) || !access.originAllowed(origin)) return false;
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    if (access.authorised(req, url)) return false;
    refusals.handleUpgrade(req, socket, head, (ws) => {
      ws.on('error', () => {});
      ws.close(SOCKET_CLOSE.wrongToken, closeReason('wrong token: open the URL that serve printed'));
    });
    return true;
  } catch {
    return false;
  }
}

/** The retry route's path ends so (after the UI's path prefix, if any). */
export const RETRY_PATH = '/host/retry';

/** Answers POST …/host/retry when that is the request; false for any other request. */
export function handleRetry(access: Access, retry: () => boolean, req: IncomingMessage, res: ServerResponse): boolean {
  let url: URL;
  try {
    url = new URL(req.url ?? '/', 'http://host.invalid');
  } catch {
    return false;
  }
  if (req.method !== 'POST' || !url.pathname.endsWith(RETRY_PATH)) return false;
  // A cross-site form cannot carry the SameSite cookie; the Origin check refuses it outright.
  if (!access.hostAllowed(req.headers.host) || !access.originAllowed(req.headers.origin) || !access.authorised(req, url)) {
    res.writeHead(401, { 'content-type': 'text/plain' }).end('unauthorised');
    return true;
  }
  const restarted = retry();
  res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify({ restarted }));
  return true;
}
