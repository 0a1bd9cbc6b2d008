/**
 * The desktop app's state, one object handed to each part (menu, dialogs, IPC, window) instead
 * of module globals, and the commands main sends to the page.
 */
import type { BrowserWindow } from 'electron';
import { existsSync } from 'node:fs';
import { extname } from 'node:path';
import { AUDIO_EXTENSIONS, events } from '../../app/contract/index.js';
import { IPC } from './bridge.js';
import type { EngineSupervisor } from './engine-supervisor.js';
import type { StudioPaths } from './studio-paths.js';
import type { RecentFiles } from './user-state.js';

export interface Studio {
  readonly paths: StudioPaths;
  readonly engine: EngineSupervisor;
  readonly recent: RecentFiles;
  /** The one window (null before it is made and after it closes). */
  win: BrowserWindow | null;
  /** Paths given on the command line or by a second instance, opened once the page is up. */
  pendingPaths: string[];
}

export type PageCommand = 'open-files' | 'open-folder' | 'export' | 'open-model';

export function isAudioPath(p: string): boolean {
  return (AUDIO_EXTENSIONS as readonly string[]).includes(extname(p).slice(1).toLowerCase()) && existsSync(p);
}

/** Tells the page to act (validated against the contract's `command` event first); opened files become recent. */
export function sendCommand(studio: Studio, command: PageCommand, paths: string[] = []): void {
  if (!studio.win) return;
  const data = events.command.parse({ command, paths }, 'command');
  studio.win.webContents.send(IPC.command, data);
  if (command === 'open-files') for (const p of paths) studio.recent.note(p);
}
