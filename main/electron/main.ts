/**
 * Electron main process: one window, native menus, drag and drop, remembered window state, and
 * the engine host in a utilityProcess that is respawned when it dies (the user is told).
 *
 * Security: contextIsolation + sandbox + no nodeIntegration; the page is served from app:// with
 * a strict CSP; navigation, new windows, webviews and every permission check and request are
 * refused (permissions.ts); every IPC message from the page is checked for its sender and
 * validated against app/contract before it is acted on (page-ipc.ts). Decoded audio goes to a
 * private media folder (main/process/media-folder.ts). The packaged binary's fuses are set in
 * electron-builder.yml (no ELECTRON_RUN_AS_NODE, NODE_OPTIONS or --inspect; app.asar only,
 * integrity-checked).
 *
 * This file is the app's lifecycle; the parts share one Studio object (studio.ts).
 */
import { app, session } from 'electron';
import { homedir } from 'node:os';
import { DEFAULT_MODEL } from '../host/default-model.js';
import { MediaFolder } from '../process/media-folder.js';
import { EngineSupervisor } from './engine-supervisor.js';
import { buildMenu } from './menu.js';
import { registerPageChannels } from './page-channels.js';
import { applyPermissionPolicy } from './permissions.js';
import { registerProtocols, registerSchemes } from './protocols.js';
import { studioPaths } from './studio-paths.js';
import { isAudioPath, sendCommand, type Studio } from './studio.js';
import { RecentFiles } from './user-state.js';
import { createWindow } from './window.js';

registerSchemes();

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  run();
}

function run(): void {
  // Made (and stale ones of crashed runs swept) only by the instance that stays.
  const media = MediaFolder.create();
  const paths = studioPaths(media.dir);
  const studio: Studio = {
    paths,
    engine: new EngineSupervisor(
      paths.bundleDir,
      {
        appVersion: app.getVersion(),
        modelsDir: paths.modelsDir,
        defaultModel: DEFAULT_MODEL,
        stateDir: app.getPath('userData'),
        mediaDir: paths.mediaDir,
        demoDir: paths.demoDir,
        homeDir: paths.demoDir ?? homedir(),
      },
      media,
    ),
    recent: new RecentFiles(() => buildMenu(studio)),
    win: null,
    pendingPaths: process.argv.slice(app.isPackaged ? 1 : 2).filter(isAudioPath),
  };

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
    applyPermissionPolicy(session.defaultSession);
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
  // remove() never throws; a folder left behind (the engine still writing) is swept at the next start.
  app.on('will-quit', () => media.remove());
}
