/** Small state kept in Electron's userData folder: the window's bounds and the recent files. */
import { app } from 'electron';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { s } from '../../app/contract/index.js';

const MAX_RECENT = 12;

function readJson(name: string): unknown {
  try {
    return JSON.parse(readFileSync(join(app.getPath('userData'), name), 'utf8'));
  } catch {
    return null;
  }
}

function writeJson(name: string, value: unknown): void {
  try {
    mkdirSync(app.getPath('userData'), { recursive: true });
    writeFileSync(join(app.getPath('userData'), name), JSON.stringify(value, null, 2));
  } catch (e) {
    console.error(`cannot save ${name}: ${(e as Error).message}`);
  }
}

const WindowStateSchema = s.object({
  x: s.optional(s.number({ int: true })),
  y: s.optional(s.number({ int: true })),
  width: s.number({ int: true, min: 640, max: 20000 }),
  height: s.number({ int: true, min: 480, max: 20000 }),
  maximized: s.boolean(),
});

export interface WindowState {
  x?: number;
  y?: number;
  width: number;
  height: number;
  maximized: boolean;
}

export function loadWindowState(): WindowState {
  try {
    return WindowStateSchema.parse(readJson('window-state.json'));
  } catch {
    return { width: 1440, height: 900, maximized: false };
  }
}

export function saveWindowState(state: WindowState): void {
  writeJson('window-state.json', state);
}

/** Recently opened files, newest first (the File menu's Open Recent and the OS's list). */
export class RecentFiles {
  private list: string[];

  /** `onChange` runs after every change (the menu that shows the list is rebuilt). */
  constructor(private readonly onChange: () => void) {
    const v = readJson('recent.json');
    this.list = Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string').slice(0, MAX_RECENT) : [];
  }

  get paths(): readonly string[] {
    return this.list;
  }

  note(path: string): void {
    this.list = [path, ...this.list.filter((p) => p !== path)].slice(0, MAX_RECENT);
    writeJson('recent.json', this.list);
    app.addRecentDocument(path);
    this.onChange();
  }

  clear(): void {
    this.list = [];
    writeJson('recent.json', this.list);
    app.clearRecentDocuments();
    this.onChange();
  }
}
