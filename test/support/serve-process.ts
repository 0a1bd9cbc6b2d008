import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');
/** The `npm run serve` entry (package.json's "serve" script runs the same file). */
export const SERVE_ENTRY = 'main/serve/main.ts';

/** `serve` in a child process of its own, so that a crash shows as an exit, not as an error in the test runner. */
export interface ServeProcess {
  port: number;
  token: string;
  /** The URL serve printed, and its parts: the bind address as a URL host ("[::1]") and the page's path ("/<prefix>/"). */
  url: string;
  urlHost: string;
  pagePath: string;
  child: ChildProcess;
  /** Exit code once the process has ended (null while it runs). */
  exitCode(): number | null;
  /** Status of an authenticated GET / (throws when nothing answers). */
  authedStatus(): Promise<number>;
  stop(): Promise<void>;
}

export interface ServeOptions {
  /** The state folder (default: one in a temp folder removed on stop). */
  stateDir?: string;
  /** RLIMIT_FSIZE for serve and its host child, set with util-linux's prlimit: a write past it fails EFBIG (Node ignores SIGXFSZ). */
  fileSizeLimit?: number;
}

/** Starts serve on a free port with a stub UI and its state in a temp folder; resolves once it prints its URL. `args` go to serve's command line. */
export function startServeProcess(args: string[] = [], opts: ServeOptions = {}): Promise<ServeProcess> {
  const tmp = mkdtempSync(join(tmpdir(), 'fastast-serve-proc-'));
  const ui = join(tmp, 'ui');
  mkdirSync(ui, { recursive: true });
  writeFileSync(join(ui, 'index.html'), '<!doctype html><title>t</title>');
  const command = [process.execPath, '--import', 'tsx', SERVE_ENTRY, '--port', '0', '--state', opts.stateDir ?? join(tmp, 'state'), '--renderer', ui, '--ep', 'cpu', '--quiet', ...args];
  if (opts.fileSizeLimit !== undefined) command.unshift('prlimit', `--fsize=${opts.fileSizeLimit}`);
  const child = spawn(command[0], command.slice(1), {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let exit: number | null = null;
  const exited = new Promise<void>((r) => child.on('exit', (code, signal) => ((exit = code ?? (signal ? 128 : -1)), r())));
  let out = '';
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  return new Promise((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`serve did not print its URL within 60 s\n${err}`)), 60_000);
    void exited.then(() => rej(new Error(`serve exited with ${exit} before printing its URL\n${err}`)));
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /serving at (http:\/\/(\[[^\]]+\]|[^/:]+):(\d+)(\/[^?\s]*)\?token=([0-9a-f]+))/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      const [, url, urlHost, portText, pagePath, token] = m;
      const port = Number(portText);
      const address = urlHost.replace(/^\[|\]$/g, '');
      res({
        port,
        token,
        url,
        urlHost,
        pagePath,
        child,
        exitCode: () => exit,
        authedStatus: () =>
          new Promise((ok, fail) => {
            const req = request({ host: address, port, path: `${pagePath}?token=${token}`, headers: { host: `${urlHost}:${port}` } }, (r) => {
              r.resume();
              r.on('end', () => ok(r.statusCode ?? 0));
            });
            req.on('error', fail);
            req.end();
          }),
        async stop() {
          if (exit === null) child.kill('SIGTERM');
          await exited;
          rmSync(tmp, { recursive: true, force: true });
        },
      });
    });
  });
}
