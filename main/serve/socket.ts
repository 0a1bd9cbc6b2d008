/**
 * serve's WebSocket side: upgrades on /ws that pass the Host, Origin and token checks become
 * client connections of the host (binary contract frames both ways, piped to the host child by
 * host-link.ts).
 *
 * Nothing a client sends may end the process: a throw while checking an upgrade answers 400 and
 * drops that socket, and a protocol error on an open socket closes that socket only.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { encodeFrame } from '../../app/contract/index.js';
import type { Access } from './access.js';
import type { ConnectHost } from './host-wire.js';

/** Frames larger than this close the connection (1009): the largest real ones are a few MB. */
const MAX_FRAME_BYTES = 64 * 1024 * 1024;

export class SocketRoutes {
  readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });

  constructor(
    private readonly access: Access,
    private readonly connectHost: ConnectHost,
    private readonly log: (line: string) => void,
  ) {}

  /** The server's 'upgrade' listener: it never throws. */
  onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    try {
      this.upgrade(req, socket, head);
    } catch {
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      socket.destroy();
    }
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    // The page lives under the access prefix and opens its socket relative to it (`<prefix>ws`);
    // '/ws' stays for clients that are not a page (tests, tools).
    const onPath = url.pathname === '/ws' || url.pathname === `${this.access.prefix}ws`;
    const ok =
      onPath && this.access.hostAllowed(req.headers.host) && this.access.originAllowed(req.headers.origin) && this.access.authorised(req, url);
    if (!ok) {
      socket.write('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
      socket.destroy();
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.connect(ws));
  }

  private connect(ws: WebSocket): void {
    const conn = this.connectHost({ send: (frame) => ws.send(frame), close: (code, reason) => ws.close(code, reason) });
    ws.on('message', (data, isBinary) => {
      if (!isBinary) {
        // Answered here: the parent never hands the host a frame it cannot pipe as bytes.
        ws.send(encodeFrame({ t: 'evt', event: 'protocol.error', data: { message: 'text frames are not part of the protocol: send binary frames (app/contract/codec.ts)' } }));
        return;
      }
      const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
      conn.receive(buf);
    });
    ws.on('close', () => conn.close());
    // A frame over MAX_FRAME_BYTES (1009) or invalid UTF-8 (1007): ws closes this socket and
    // reports the error here; without a listener the error would end the process.
    ws.on('error', (e) => this.log(`closed a connection: ${e.message}`));
  }

  async close(): Promise<void> {
    for (const c of this.wss.clients) c.terminate();
    await new Promise<void>((r) => this.wss.close(() => r()));
  }
}
