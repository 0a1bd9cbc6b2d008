/** The application menu (File, Edit, View, Window, Help); rebuilt when the recent files change. */
import { app, dialog, Menu, type MenuItemConstructorOptions } from 'electron';
import { pickPaths, type DialogKind } from './dialogs.js';
import { sendCommand, type PageCommand, type Studio } from './studio.js';

/** A native dialog, then the page acts on the choice (Export: the page's panel opens on that folder). */
async function pickThenCommand(studio: Studio, kind: DialogKind, command: PageCommand): Promise<void> {
  if (!studio.win) return;
  const paths = await pickPaths(studio.win, kind);
  if (paths.length) sendCommand(studio, command, command === 'open-files' ? paths : [paths[0]]);
}

function recentMenu(studio: Studio): MenuItemConstructorOptions[] {
  const recent = studio.recent.paths;
  if (!recent.length) return [{ label: 'No recent files', enabled: false }];
  return [
    ...recent.map((p) => ({ label: p, click: () => sendCommand(studio, 'open-files', [p]) })),
    { type: 'separator' as const },
    { label: 'Clear Recent', click: () => studio.recent.clear() },
  ];
}

export function buildMenu(studio: Studio): void {
  const isMac = process.platform === 'darwin';
  const template: MenuItemConstructorOptions[] = [
    ...(isMac ? [{ role: 'appMenu' as const }] : []),
    {
      label: '&File',
      submenu: [
        { label: 'Open File(s)…', accelerator: 'CmdOrCtrl+O', click: () => void pickThenCommand(studio, 'files', 'open-files') },
        { label: 'Open Folder…', accelerator: 'CmdOrCtrl+Shift+O', click: () => void pickThenCommand(studio, 'recordings', 'open-folder') },
        { label: 'Open Recent', submenu: recentMenu(studio) },
        { type: 'separator' },
        { label: 'Import Model Folder…', click: () => void pickThenCommand(studio, 'model', 'open-model') },
        { label: 'Export Segments…', accelerator: 'CmdOrCtrl+E', click: () => void pickThenCommand(studio, 'export', 'export') },
        { type: 'separator' },
        // After the engine kept crashing and was given up on (a running engine is left alone).
        { label: 'Retry Engine', click: () => studio.engine.retry() },
        { type: 'separator' },
        isMac ? { role: 'close' } : { role: 'quit', label: 'Quit' },
      ],
    },
    { role: 'editMenu' },
    {
      label: '&View',
      submenu: [
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
        ...(app.isPackaged ? [] : [{ type: 'separator' as const }, { role: 'reload' as const }, { role: 'toggleDevTools' as const }]),
      ],
    },
    { role: 'windowMenu' },
    {
      role: 'help',
      submenu: [
        {
          label: 'About FastAST Studio',
          click: () =>
            void dialog.showMessageBox({
              type: 'info',
              title: 'FastAST Studio',
              message: `FastAST Studio ${app.getVersion()}`,
              detail: 'See which spectrogram patches an Audio Spectrogram Transformer merges with ToMe, and what it costs.',
            }),
        },
      ],
    },
  ];
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}
