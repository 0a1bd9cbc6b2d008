/**
 * `npm run serve`: the host in plain Node, over HTTP + WebSocket on 127.0.0.1, with a random
 * token in the printed URL. The UI then runs in any browser — and the engine can sit on a GPU
 * box while the browser runs on a laptop (forward the port with `ssh -L`).
 *
 *   tsx main/serve.ts [--port 0] [--model ast-tiny-esc10-cmkd] [--models DIR] [--state DIR]
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { homedir, tmpdir } from 'node:os';
import { extname, join, normalize, resolve, sep } from 'node:path';
import type { Duplex } from 'node:stream';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';
import { parseProviders } from '../app/engine/providers.js';
import { Host } from './host.js';
import { ClientConnection } from './rpc.js';

export const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));

export interface ServeOptions {
  port?: number;
  host?: string;
  token?: string;
  modelsDir?: string;
  defaultModel?: string;
  stateDir?: string;
  rendererDir?: string;
  demoDir?: string | null;
  threads?: number;
  providers?: string;
  quiet?: boolean;
}

export interface Served {
  url: string;
  port: number;
  token: string;
  host: Host;
  close(): Promise<void>;
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.woff2': 'font/woff2',
};

function csp(port: number): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    // wavesurfer.js puts a <style> into its shadow root.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob:",
    `connect-src 'self' ws://127.0.0.1:${port} ws://localhost:${port}`,
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'none'",
  ].join('; ');
}

/**
 * Constant-time token check. Digests, not the strings: two strings of one length in characters
 * can differ in length in bytes (48 × "é" is 96 bytes), and timingSafeEqual throws on that.
 */
function sameToken(a: string | null | undefined, b: string): boolean {
  if (!a) return false;
  const digest = (x: string) => createHash('sha256').update(x).digest();
  return timingSafeEqual(digest(a), digest(b));
}

function cookieToken(req: IncomingMessage): string | null {
  const m = /(?:^|;\s*)fastast_token=([0-9a-f]+)/.exec(req.headers.cookie ?? '');
  return m ? m[1] : null;
}

export async function serve(opts: ServeOptions = {}): Promise<Served> {
  const bind = opts.host ?? '127.0.0.1';
  const token = opts.token ?? randomBytes(24).toString('hex');
  const rendererDir = resolve(opts.rendererDir ?? join(ROOT, 'dist', 'renderer'));
  if (!existsSync(join(rendererDir, 'index.html'))) {
    throw new Error(`${rendererDir}/index.html is missing: build the UI first (npm run build:renderer)`);
  }
  const demoCandidates = [join(ROOT, 'data', 'demo'), resolve(ROOT, '..', 'shared', 'audio', 'demo')];
  const demoDir = opts.demoDir !== undefined ? opts.demoDir : (demoCandidates.find((d) => existsSync(d)) ?? null);
  const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8'));
  const host = new Host({
    kind: 'serve',
    appVersion: String(pkg.version),
    modelsDir: resolve(opts.modelsDir ?? join(ROOT, 'models')),
    defaultModel: opts.defaultModel ?? 'ast-tiny-esc10-cmkd',
    stateDir: resolve(opts.stateDir ?? join(homedir(), '.config', 'fastast-studio')),
    mediaDir: join(tmpdir(), `fastast-media-${process.pid}-${randomBytes(4).toString('hex')}`),
    demoDir,
    homeDir: demoDir ?? homedir(),
    threads: opts.threads,
    providers: opts.providers ? parseProviders(opts.providers) : undefined,
    log: opts.quiet ? () => {} : (line) => console.error(`[host] ${line}`),
  });
  await host.start();

  let port = 0;
  const allowedHosts = () => new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]);

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String((e as Error).message));
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // DNS-rebinding guard: only our own loopback names (unless bound elsewhere on purpose).
    if (bind === '127.0.0.1' && !allowedHosts().has(req.headers.host ?? '')) {
      res.writeHead(421, { 'content-type': 'text/plain' }).end('wrong host');
      return;
    }
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    const queryToken = url.searchParams.get('token');
    const authed = sameToken(queryToken, token) || sameToken(cookieToken(req), token);
    if (!authed) {
      res.writeHead(401, { 'content-type': 'text/plain' }).end('FastAST Studio: open the URL with the token that `serve` printed.');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end();
      return;
    }
    if (url.pathname.startsWith('/media/')) return sendMedia(decodeURIComponent(url.pathname.slice(7)), req, res);
    let rel = url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname.slice(1));
    const file = normalize(join(rendererDir, rel));
    if (!file.startsWith(rendererDir + sep)) {
      res.writeHead(404).end();
      return;
    }
    let st;
    try {
      st = await stat(file);
    } catch {
      rel = '';
    }
    if (!st || !st.isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    const headers: Record<string, string> = {
      'content-type': MIME[extname(file)] ?? 'application/octet-stream',
      'content-length': String(st.size),
      'x-content-type-options': 'nosniff',
      'cache-control': file.includes(`${sep}assets${sep}`) ? 'public, max-age=31536000, immutable' : 'no-store',
    };
    if (extname(file) === '.html') {
      headers['content-security-policy'] = csp(port);
      headers['set-cookie'] = `fastast_token=${token}; HttpOnly; SameSite=Strict; Path=/`;
      headers['referrer-policy'] = 'no-referrer';
    }
    res.writeHead(200, headers);
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  }

  async function sendMedia(name: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = await host.mediaPath(name);
    if (!path) {
      res.writeHead(404).end();
      return;
    }
    const size = (await stat(path)).size;
    const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
    let start = 0;
    let end = size - 1;
    if (range) {
      if (range[1]) start = Number(range[1]);
      if (range[2]) end = Math.min(Number(range[2]), size - 1);
      if (!range[1] && range[2]) {
        start = Math.max(0, size - Number(range[2]));
        end = size - 1;
      }
      if (start > end || start >= size) {
        res.writeHead(416, { 'content-range': `bytes */${size}` }).end();
        return;
      }
    }
    res.writeHead(range ? 206 : 200, {
      'content-type': 'audio/wav',
      'accept-ranges': 'bytes',
      'content-length': String(end - start + 1),
      ...(range ? { 'content-range': `bytes ${start}-${end}/${size}` } : {}),
      'cache-control': 'no-store',
    });
    if (req.method === 'HEAD') res.end();
    else createReadStream(path, { start, end }).pipe(res);
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 * 1024 });
  server.on('upgrade', (req, socket, head) => {
    // Anything a client sends may throw here (a Host header that is no URL authority, …): a throw
    // in an 'upgrade' listener would end the process, so it answers 400 and drops this socket.
    try {
      upgrade(req, socket, head);
    } catch {
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      socket.destroy();
    }
  });

  function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    const origin = req.headers.origin;
    const okHost = bind !== '127.0.0.1' || allowedHosts().has(req.headers.host ?? '');
    const okOrigin = !origin || bind !== '127.0.0.1' || [...allowedHosts()].some((h) => origin === `http://${h}`);
    const okToken = sameToken(url.searchParams.get('token'), token) || sameToken(cookieToken(req), token);
    if (url.pathname !== '/ws' || !okHost || !okOrigin || !okToken) {
      socket.write('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n');
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const conn = new ClientConnection(
        (frame) => ws.send(frame),
        host.handle,
        opts.quiet ? () => {} : (line) => console.error(`[ws] ${line}`),
      );
      ws.on('message', (data, isBinary) => {
        if (!isBinary) return;
        const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
        conn.receive(buf);
      });
      ws.on('close', () => conn.close());
      // A frame over maxPayload (1009) or invalid UTF-8 (1007): ws closes this socket and reports
      // the error here; without a listener the error would end the process.
      ws.on('error', (e) => {
        if (!opts.quiet) console.error(`[ws] closed a connection: ${e.message}`);
      });
    });
  }

  await new Promise<void>((res, rej) => {
    server.once('error', rej);
    server.listen(opts.port ?? 0, bind, () => res());
  });
  const addr = server.address();
  port = typeof addr === 'object' && addr ? addr.port : 0;
  const shown = bind === '0.0.0.0' ? '127.0.0.1' : bind;
  const url = `http://${shown}:${port}/?token=${token}`;
  return {
    url,
    port,
    token,
    host,
    async close() {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
      await new Promise<void>((r) => server.close(() => r()));
      server.closeAllConnections();
      await host.dispose();
    },
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      model: { type: 'string' },
      models: { type: 'string' },
      state: { type: 'string' },
      renderer: { type: 'string' },
      threads: { type: 'string' },
      ep: { type: 'string' },
      quiet: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(`fastast serve: the FastAST Studio UI in your browser

  --port N        port on 127.0.0.1 (default: a free one)
  --host ADDR     bind address (default 127.0.0.1; for a remote GPU box prefer ssh -L)
  --model ID      model to load first (default ast-tiny-esc10-cmkd)
  --models DIR    bundled models folder (default ./models)
  --state DIR     where settings are kept (default ~/.config/fastast-studio)
  --threads N     onnxruntime intra-op threads (default: onnxruntime's choice)
  --ep LIST       execution providers to try, e.g. webgpu,cpu`);
    return;
  }
  const served = await serve({
    port: values.port ? Number(values.port) : 0,
    host: values.host,
    defaultModel: values.model,
    modelsDir: values.models,
    stateDir: values.state,
    rendererDir: values.renderer,
    threads: values.threads ? Number(values.threads) : undefined,
    providers: values.ep,
    quiet: values.quiet,
  });
  console.log(`FastAST Studio is serving at ${served.url}`);
  const stop = async () => {
    await served.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    console.error(`serve: ${(e as Error).message}`);
    process.exit(1);
  });
}
