/** The app's one window: secure preferences, the sandboxed preload, bounds remembered between runs. */
import { BrowserWindow } from 'electron';
import { join } from 'node:path';
import { PAGE_ORIGIN } from './studio-paths.js';
import type { Studio } from './studio.js';
import { loadWindowState, saveWindowState } from './user-state.js';

/** Bounds are saved this long after the last move or resize. */
const SAVE_DELAY_MS = 500;

export function createWindow(studio: Studio): void {
  const state = loadWindowState();
  const win = new BrowserWindow({
    ...state,
    minWidth: 1024,
    minHeight: 680,
    show: false,
    backgroundColor: '#0b0d12',
    title: 'FastAST Studio',
    webPreferences: {
      preload: join(studio.paths.bundleDir, 'preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  });
  studio.win = win;
  if (state.maximized) win.maximize();
  win.once('ready-to-show', () => win.show());
  const save = () => {
    if (win.isDestroyed()) return;
    const b = win.getNormalBounds();
    saveWindowState({ x: b.x, y: b.y, width: b.width, height: b.height, maximized: win.isMaximized() });
  };
  let timer: ReturnType<typeof setTimeout> | null = null;
  const saveSoon = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(save, SAVE_DELAY_MS);
  };
  win.on('resize', saveSoon);
  win.on('move', saveSoon);
  win.on('close', save);
  win.on('closed', () => {
    if (studio.win === win) studio.win = null;
  });
  void win.loadURL(`${PAGE_ORIGIN}/index.html`);
}
