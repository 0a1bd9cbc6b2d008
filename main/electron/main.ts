/**
 * Electron main process: one window, native menus, drag and drop, remembered window state, and
 * the engine host in a utilityProcess that is respawned when it dies (the user is told).
 *
 * Security: contextIsolation + sandbox + no nodeIntegration; the page is served from app:// with
 * a strict CSP; navigation, new windows, webviews and permission requests are refused; every IPC
 * message from the page is checked for its sender and validated against app/contract before it
 * is acted on (page-ipc.ts).
 *
 * This file is the app's lifecycle; the parts share one Studio object (studio.ts).
 */
import { app, session } from 'electron';
import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { DEFAULT_MODEL } from '../host/default-model.js';
import { EngineSupervisor } from './engine-supervisor.js';
import { buildMenu } from './menu.js';
import { registerPageChannels } from './page-channels.js';
import { registerProtocols, registerSchemes } from './protocols.js';
import { studioPaths } from './studio-paths.js';
import { isAudioPath, sendCommand, type Studio } from './studio.js';
import { RecentFiles } from './user-state.js';
import { createWindow } from './window.js';

registerSchemes();

const paths = studioPaths();
const studio: Studio = {
  paths,
  engine: new EngineSupervisor(paths.bundleDir, {
    appVersion: app.getVersion(),
    modelsDir: paths.modelsDir,
    defaultModel: DEFAULT_MODEL,
    stateDir: app.getPath('userData'),
    mediaDir: paths.mediaDir,
    demoDir: paths.demoDir,
    homeDir: paths.demoDir ?? homedir(),
  }),
  recent: new RecentFiles(() => buildMenu(studio)),
  win: null,
  pendingPaths: process.argv.slice(app.isPackaged ? 1 : 2).filter(isAudioPath),
};

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', (_e, argv) => {
    const opened = argv.filter(isAudioPath);
    const win = studio.win;
    if (win) {
      if (win.isMinimized()) win.restore();
      win.focus();
      if (opened.length) sendCommand(studio, 'open-files', opened);
    }
  });

  app.on('web-contents-created', (_e, contents) => {
    contents.on('will-navigate', (ev) => ev.preventDefault());
    contents.on('will-attach-webview', (ev) => ev.preventDefault());
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  });

  app.whenReady().then(() => {
    mkdirSync(paths.mediaDir, { recursive: true });
    session.defaultSession.setPermissionRequestHandler((_wc, _permission, cb) => cb(false));
    registerProtocols(paths);
    registerPageChannels(studio);
    buildMenu(studio);
    studio.engine.start();
    createWindow(studio);
  });

  app.on('window-all-closed', () => {
    studio.engine.stop();
    app.quit();
  });
  app.on('before-quit', () => studio.engine.stop());
}
