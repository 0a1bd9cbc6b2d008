/**
 * `npm run serve`: the host in plain Node, over HTTP + WebSocket on 127.0.0.1, with a token in
 * the printed URL. The UI then runs in any browser — and the engine can sit on a GPU box while
 * the browser runs on a laptop (forward the port with `ssh -L`). The command line is
 * main/serve/main.ts.
 *
 * Two processes: this one keeps the HTTP/WebSocket front, the token and the media folder; the
 * host (onnxruntime, decoding) runs in a supervised child (host-link.ts, host-child.ts), so an
 * engine crash or an out-of-memory kill restarts the child while the front, and the page's
 * token, stay. The token is kept in the state folder (token-file.ts) so it outlives serve too.
 */
import { existsSync } from 'node:fs';
import { readFile, realpath, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { homedir } from 'node:os';
import { join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_MODEL } from '../host/default-model.js';
import { isMediaName } from '../http/media-name.js';
import { MediaFolder } from '../process/media-folder.js';
import type { SupervisorPolicy } from '../process/supervisor.js';
import { Access } from './access.js';
import { HostLink } from './host-link.js';
import { handleHttp } from './http-routes.js';
import { handleRetry, refuseWrongToken } from './link-routes.js';
import { SocketRoutes } from './socket.js';
import { isValidToken, persistentToken } from './token-file.js';

export const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

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
  /** How the host child is restarted (tests shorten it). */
  restartPolicy?: SupervisorPolicy;
  /** The only folder clients may list, read and write under (symlinks followed); default: anywhere. */
  root?: string;
}

export interface Served {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

/** --root as a real path (the confinement compares real paths), or a start-up error. */
async function rootFolder(dir: string): Promise<string> {
  const real = await realpath(resolve(dir)).catch(() => null);
  if (!real || !(await stat(real)).isDirectory()) throw new Error(`--root ${dir}: not a folder`);
  return real;
}

export async function serve(opts: ServeOptions = {}): Promise<Served> {
  // "[::1]" as in a URL is "::1" to listen().
  const bind = (opts.host ?? '127.0.0.1').replace(/^\[(.*)\]$/, '$1');
  const stateDir = resolve(opts.stateDir ?? join(homedir(), '.config', 'fastast-studio'));
  if (opts.token !== undefined && !isValidToken(opts.token)) throw new Error('--token must be 32 to 128 hex digits');
  const access = new Access(opts.token ?? (await persistentToken(stateDir)), bind);
  const rendererDir = resolve(opts.rendererDir ?? join(ROOT, 'dist', 'renderer'));
  if (!existsSync(join(rendererDir, 'index.html'))) {
    throw new Error(`${rendererDir}/index.html is missing: build the UI first (npm run build:renderer)`);
  }
  const demoCandidates = [join(ROOT, 'data', 'demo'), resolve(ROOT, '..', 'shared', 'audio', 'demo')];
  const root = opts.root === undefined ? null : await rootFolder(opts.root);
  const foundDemo = opts.demoDir !== undefined ? opts.demoDir : (demoCandidates.find((d) => existsSync(d)) ?? null);
  // Confined, the demo clips are offered only when they lie inside the root.
  const demoDir = root && foundDemo && !(await realpath(foundDemo).catch(() => '')).startsWith(root + sep) ? null : foundDemo;
  const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8'));
  const log = opts.quiet ? () => {} : (line: string) => console.error(`[serve] ${line}`);
  const media = MediaFolder.create();
  const link = new HostLink(
    {
      appVersion: String(pkg.version),
      modelsDir: resolve(opts.modelsDir ?? join(ROOT, 'models')),
      defaultModel: opts.defaultModel ?? DEFAULT_MODEL,
      stateDir,
      mediaDir: media.dir,
      demoDir,
      homeDir: root ?? demoDir ?? homedir(),
      root,
      threads: opts.threads,
      providers: opts.providers,
      quiet: opts.quiet,
    },
    media,
    log,
    opts.restartPolicy,
  );
  try {
    await link.start();
  } catch (e) {
    media.remove();
    throw e;
  }

  const routes = {
    access,
    rendererDir,
    mediaPath: async (name: string) => (isMediaName(name) ? media.path(name) : null),
    log: opts.quiet ? undefined : (line: string) => console.error(`[http] ${line}`),
  };
  const server: Server = createServer((req, res) => {
    if (handleRetry(access, () => link.retry(), req, res)) return;
    handleHttp(routes, req, res).catch((e) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String((e as Error).message));
    });
  });
  const sockets = new SocketRoutes(access, (socket) => link.connect(socket), opts.quiet ? () => {} : (line) => console.error(`[ws] ${line}`));
  server.on('upgrade', (req, socket, head) => {
    if (!refuseWrongToken(access, req, socket, head)) sockets.onUpgrade(req, socket, head);
  });

  try {
    await new Promise<void>((res, rej) => {
      server.once('error', rej);
      server.listen(opts.port ?? 0, bind, () => res());
    });
  } catch (e) {
    await link.stop();
    media.remove();
    throw e;
  }
  const addr = server.address();
  access.port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    url: access.pageUrl(),
    port: access.port,
    token: access.token,
    async close() {
      await sockets.close();
      await new Promise<void>((r) => server.close(() => r()));
      server.closeAllConnections();
      await link.stop();
      media.remove();
    },
  };
}
