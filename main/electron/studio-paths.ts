/** Where the desktop app finds its parts, in a source checkout and in a packaged app. */
import { app } from 'electron';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The page's origin (the app: scheme, registered in protocols.ts). */
export const PAGE_ORIGIN = 'app://studio';

export interface StudioPaths {
  /** dist/electron/: the bundles (main.mjs, engine.mjs, preload.cjs). */
  bundleDir: string;
  rendererDir: string;
  modelsDir: string;
  demoDir: string | null;
  /** Decoded audio for playback, written by the engine process, served by the fastast-media: scheme (main/process/media-folder.ts). */
  mediaDir: string;
}

export function studioPaths(mediaDir: string): StudioPaths {
  // This module is bundled into dist/electron/main.mjs: its URL is the bundle's.
  const bundleDir = fileURLToPath(new URL('.', import.meta.url));
  const root = resolve(bundleDir, '..', '..');
  return {
    bundleDir,
    rendererDir: join(root, 'dist', 'renderer'),
    modelsDir: app.isPackaged ? join(process.resourcesPath, 'models') : join(root, 'models'),
    demoDir: [join(root, 'data', 'demo'), join(process.resourcesPath ?? '', 'demo')].find((d) => existsSync(d)) ?? null,
    mediaDir,
  };
}
