/**
 * The `serve` of one e2e test file, started the way a user starts it (its CLI) on a free port
 * with a fresh state folder. Each file gets its own because the session store keeps segments and
 * settings (r, layer, hop…) per recording: on a shared serve, what one file left came back in the
 * next file's pages. What is costly stays shared (global-setup.ts): the renderer build, Chromium,
 * the stand-in hub and the graph cache (entries are written under temp names and renamed, so
 * serves can share it; the files run one at a time anyway).
 *
 * Vitest runs each test file in its own process (pool 'forks'), so this module's state is the
 * file's: the serve starts on the first fileServe(), further pages of the file reuse it, and it
 * stops with its host child after the file's last afterAll. Its folder records its process group;
 * global-setup's teardown kills any group whose folder is still there (a file that crashed).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, inject } from 'vitest';
import { PGID_FILE } from './global-setup.js';

export interface FileServe {
  url: string;
  /** serve's pid; its host child is a child of it (and in its process group). */
  pid: number;
}

const ROOT = resolve(import.meta.dirname, '..');
/** serve stops its host child within 5 s of a SIGTERM (main/serve/host-link.ts); a little more than that. */
const STOP_WAIT_MS = 8_000;

let started: Promise<{ serve: FileServe; stop: () => Promise<void> }> | null = null;

/** This file's serve, started on first call. */
export async function fileServe(): Promise<FileServe> {
  started ??= start();
  return (await started).serve;
}

// Registered at import, before the test file's own hooks: it runs after them (vitest runs
// after-hooks in reverse), once the file's pages are closed.
afterAll(async () => {
  const s = await started?.catch(() => null);
  await s?.stop();
});

function start(): Promise<{ serve: FileServe; stop: () => Promise<void> }> {
  const e2eDir = inject('e2eDir');
  const dir = mkdtempSync(join(e2eDir, 'serve-'));
  // Its own process group (detached), so that stop() can kill the host child too, whatever happened to serve.
  const child = spawn(process.execPath, ['--import', 'tsx', 'main/serve/main.ts', '--port', '0', '--state', join(dir, 'state'), '--ep', 'cpu'], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    // The hub cache and the graph cache are the run's own: the user's downloads and graphs stay out of the tests.
    env: {
      ...process.env,
      FORCE_COLOR: '0',
      HF_ENDPOINT: inject('hubEndpoint'),
      HF_HUB_CACHE: join(dir, 'hub'),
      HF_HUB_OFFLINE: '',
      FASTAST_CACHE_DIR: join(e2eDir, 'cache'),
    },
  });
  writeFileSync(join(dir, PGID_FILE), String(child.pid));
  const stop = () => stopServe(child, dir);
  return new Promise((res, rej) => {
    let out = '';
    let err = '';
    let settled = false;
    const fail = (why: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void stop();
      rej(new Error(`${why}\n${out}\n${err}`));
    };
    const timer = setTimeout(() => fail('serve did not print its URL within 90 s'), 90_000);
    // Both pipes are read to the end: a full pipe would block serve's (and its host child's) logging.
    child.stdout!.on('data', (d) => {
      if (out.length < 100_000) out += d;
      const m = /serving at (http:\/\/\S+)\n/.exec(out); // the whole line: a chunk may end mid-URL
      if (m && !settled) {
        settled = true;
        clearTimeout(timer);
        res({ serve: { url: m[1], pid: child.pid! }, stop });
      }
    });
    child.stderr!.on('data', (d) => {
      if (err.length < 100_000) err += d;
      if (process.env.E2E_VERBOSE) process.stderr.write(d);
    });
    child.on('exit', (code) => fail(`serve exited with ${code}`));
  });
}

/** SIGTERM to serve (it stops its host child), then SIGKILL to whatever is left of its process group. */
async function stopServe(child: ChildProcess, dir: string): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, STOP_WAIT_MS))]);
  }
  try {
    process.kill(-child.pid!, 'SIGKILL');
  } catch {
    // ESRCH: nothing was left
  }
  rmSync(dir, { recursive: true, force: true });
}
