/** The host's remembered settings (<state folder>/settings.json): the last merge setting and imported models. */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MergeParams as MergeParamsSchema, type MergeParams } from '../../app/contract/index.js';

export interface Settings {
  lastMerge: MergeParams | null;
  /** Absolute folders of imported models, scanned at start beside the bundled ones. */
  imported: string[];
}

export class SettingsFile {
  settings: Settings = { lastMerge: null, imported: [] };

  constructor(private readonly stateDir: string) {}

  private get path(): string {
    return join(this.stateDir, 'settings.json');
  }

  /** Reads the file; a missing or unreadable one is a first run (defaults). */
  async load(): Promise<void> {
    await mkdir(this.stateDir, { recursive: true });
    try {
      const raw = JSON.parse(await readFile(this.path, 'utf8'));
      const lastMerge = raw.lastMerge ? MergeParamsSchema.parse(raw.lastMerge) : null;
      const imported = Array.isArray(raw.imported) ? raw.imported.filter((x: unknown) => typeof x === 'string') : [];
      this.settings = { lastMerge, imported };
    } catch {
      /* first run */
    }
  }

  async save(): Promise<void> {
    await writeFile(this.path, JSON.stringify(this.settings, null, 2));
  }
}
