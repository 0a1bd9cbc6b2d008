/**
 * The preferences the renderer keeps in the browser's localStorage, all in one place. The keys
 * and the stored text are those of earlier versions, so preferences saved by them still load.
 * Storage can be missing or refuse (private mode, quota): reads then give null and writes are
 * dropped, as the preferences are a convenience.
 */

export const STORAGE_KEYS = {
  /** JSON array of recently opened paths, newest first. */
  recentFiles: 'fastast.recent',
  /** Plain text: the folder of the last segment export. */
  exportDir: 'fastast.exportDir',
  /** Plain text: the last segment export format. */
  exportFormat: 'fastast.exportFormat',
  /** JSON object: the lab's sweep form. */
  labForm: 'fastast.lab.form',
  /** Plain text: the folder of the last lab export. */
  labExportDir: 'fastast.lab.exportDir',
} as const;

export type StorageKey = keyof typeof STORAGE_KEYS;

export function loadText(key: StorageKey): string | null {
  try {
    return globalThis.localStorage?.getItem(STORAGE_KEYS[key]) ?? null;
  } catch {
    return null;
  }
}

export function saveText(key: StorageKey, value: string): void {
  try {
    globalThis.localStorage?.setItem(STORAGE_KEYS[key], value);
  } catch {
    /* private mode or full: the preference is not kept */
  }
}

/** The parsed JSON under `key`; null when there is none or it does not parse (callers validate the shape). */
export function loadJson(key: StorageKey): unknown {
  const text = loadText(key);
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

export function saveJson(key: StorageKey, value: unknown): void {
  saveText(key, JSON.stringify(value));
}
