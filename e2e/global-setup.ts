/**
 * What the e2e files share: one build of the renderer, one Chromium, the stand-in hub and the
 * run's folder with its graph cache. Each file starts its own `serve` on them (file-serve.ts).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
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
    wsEndpoint: string;
    hubEndpoint: string;
    /** The run's folder: the shared graph cache (`cache/`) and one `serve-*` folder per file's serve (file-serve.ts). */
    e2eDir: string;
  }
}

/** Name of the file in a serve's folder that holds its process group id. */
export const PGID_FILE = 'pgid';

const ROOT = resolve(import.meta.dirname, '..');

/**
 * The hub the e2e serve downloads from: a local stand-in (test/support/hub-server.ts) with the
 * tiny test checkpoint under the Speech Commands AST's repo id, paced so that the download's
 * progress bar and Cancel can be seen and clicked.
 */
export const E2E_HUB_REPO = 'MIT/ast-finetuned-speech-commands-v2';

export default async function setup(project: TestProject) {
  if (!process.env.E2E_SKIP_BUILD) {
    execFileSync(process.execPath, [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'renderer/vite.config.ts', '--logLevel', 'warn'], {
      cwd: ROOT,
      stdio: 'inherit',
    });
  }
  const e2eDir = mkdtempSync(join(tmpdir(), 'fastast-e2e-'));
  const hub = await startFakeHub([{ repoId: E2E_HUB_REPO, commit: 'c0ffee0000c0ffee0000c0ffee0000c0ffee0000', files: { 'config.json': CONFIG, 'preprocessor_config.json': PREPROCESSOR, 'model.safetensors': WEIGHTS } }]);
  hub.knobs.chunkDelayMs = 150; // ~4 s for the 1.8 MB checkpoint
  let browser: BrowserServer;
  try {
    browser = await chromium.launchServer({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  } catch (e) {
    await hub.close();
    rmSync(e2eDir, { recursive: true, force: true });
    throw e;
  }
  project.provide('wsEndpoint', browser.wsEndpoint());
  project.provide('hubEndpoint', hub.endpoint);
  project.provide('e2eDir', e2eDir);
  return async () => {
    await browser.close();
    killLeftServes(e2eDir);
    await hub.close();
    rmSync(e2eDir, { recursive: true, force: true });
  };
}

/** A file's serve removes its folder when it stops; one still there belongs to a file that did not get that far. */
function killLeftServes(e2eDir: string): void {
  for (const name of readdirSync(e2eDir)) {
    const pgidFile = join(e2eDir, name, PGID_FILE);
    if (!name.startsWith('serve-') || !existsSync(pgidFile)) continue;
    try {
      process.kill(-Number(readFileSync(pgidFile, 'utf8')), 'SIGKILL');
    } catch {
      // ESRCH: already gone
    }
  }
}
