/** The open dialogs of the desktop app, each written once, for the menu and for the page's bridge. */
import { dialog, type BrowserWindow, type OpenDialogOptions } from 'electron';
import { AUDIO_EXTENSIONS } from '../../app/contract/index.js';

export type DialogKind = 'files' | 'folder' | 'recordings' | 'model' | 'labels' | 'export';

const DIALOGS: Record<DialogKind, OpenDialogOptions> = {
  files: {
    title: 'Open audio files',
    properties: ['openFile', 'multiSelections'],
    filters: [{ name: 'Audio', extensions: [...AUDIO_EXTENSIONS] }],
  },
  /** Any folder the page asks for (export target, lab set or output); new ones may be made. */
  folder: { properties: ['openDirectory', 'createDirectory'] },
  recordings: { title: 'Open a folder of recordings', properties: ['openDirectory'] },
  model: { title: 'Import an HF AST checkpoint folder (config.json + model.safetensors)', properties: ['openDirectory'] },
  labels: {
    title: 'Import segments (Audacity labels, Raven selection table, FastAST JSON)',
    properties: ['openFile'],
    filters: [
      { name: 'Labels and tables', extensions: ['txt', 'tsv', 'json'] },
      { name: 'All files', extensions: ['*'] },
    ],
  },
  export: { title: 'Export segments into a folder', buttonLabel: 'Export here', properties: ['openDirectory', 'createDirectory'] },
};

/** The chosen paths; none when cancelled. */
export async function pickPaths(win: BrowserWindow, kind: DialogKind): Promise<string[]> {
  const r = await dialog.showOpenDialog(win, DIALOGS[kind]);
  return r.canceled ? [] : r.filePaths;
}
