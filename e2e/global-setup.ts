/**
 * One build of the renderer, one `serve` and one Chromium for the whole e2e run.
 * Serve is started the way a user starts it (its CLI), on a free port with a throwaway state dir.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserServer } from 'playwright-core';
import type { TestProject } from 'vitest/node';
import { CONFIG, PREPROCESSOR, WEIGHTS } from '../test/support/hub-fixture.js';
import { startFakeHub } from '../test/support/hub-server.js';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--autoplay-policy=no-user-gesture-required',
];

declare module 'vitest' {
  export interface ProvidedContext {
    serveUrl: string;
    wsEndpoint: string;
  }
}

const ROOT = resolve(import.meta.dirname, '..');

/**
 * The hub the e2e serve downloads from: a local stand-in (test/support/hub-server.ts) with the
 * tiny test checkpoint under the Speech Commands AST's repo id, paced so that the download's
 * progress bar and Cancel can be seen and clicked.
 */
export const E2E_HUB_REPO = 'MIT/ast-finetuned-speech-commands-v2';

function startServe(stateDir: string, hubEndpoint: string): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'main/serve/main.ts', '--port', '0', '--state', stateDir, '--ep', 'cpu'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      // The hub cache and the graph cache are the run's own: the user's downloads and graphs stay out of the tests.
      env: {
        ...process.env,
        FORCE_COLOR: '0',
        HF_ENDPOINT: hubEndpoint,
        HF_HUB_CACHE: join(stateDir, 'hub'),
        HF_HUB_OFFLINE: '',
        FASTAST_CACHE_DIR: join(stateDir, 'cache'),
      },
    });
    let out = '';
    let err = '';
    const timer = setTimeout(() => rej(new Error(`serve did not print its URL within 90 s\n${out}\n${err}`)), 90_000);
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /serving at (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        res({ child, url: m[1] });
      }
    });
    child.stderr!.on('data', (d) => {
      err += d;
      if (process.env.E2E_VERBOSE) process.stderr.write(d);
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      rej(new Error(`serve exited with ${code}\n${out}\n${err}`));
    });
  });
}

export default async function setup(project: TestProject) {
  if (!process.env.E2E_SKIP_BUILD) {
    execFileSync(process.execPath, [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'renderer/vite.config.ts', '--logLevel', 'warn'], {
      cwd: ROOT,
      stdio: 'inherit',
    });
  }
  const stateDir = mkdtempSync(join(tmpdir(), 'fastast-e2e-'));
  const hub = await startFakeHub([{ repoId: E2E_HUB_REPO, commit: 'c0ffee0000c0ffee0000c0ffee0000c0ffee0000', files: { 'config.json': CONFIG, 'preprocessor_config.json': PREPROCESSOR, 'model.safetensors': WEIGHTS } }]);
  hub.knobs.chunkDelayMs = 150; // ~4 s for the 1.8 MB checkpoint
  const { child, url } = await startServe(stateDir, hub.endpoint);
  let browser: BrowserServer;
  try {
    browser = await chromium.launchServer({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  } catch (e) {
    child.kill('SIGTERM');
    await hub.close();
    throw e;
  }
  project.provide('serveUrl', url);
  project.provide('wsEndpoint', browser.wsEndpoint());
  return async () => {
    await browser.close();
    child.kill('SIGTERM');
    await hub.close();
    await new Promise((r) => setTimeout(r, 300));
    rmSync(stateDir, { recursive: true, force: true });
  };
}
