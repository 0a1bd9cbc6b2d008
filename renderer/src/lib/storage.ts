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
  /** Plain text: which review states the last segment export wrote (SEGMENT_EXPORT_INCLUDES). */
  exportInclude: 'fastast.exportInclude',
  /** Plain text: "1" when Audacity labels carry the review and score. */
  exportAudacityReview: 'fastast.exportAudacityReview',
  /** JSON object: the lab's sweep form. */
  labForm: 'fastast.lab.form',
  /** Plain text: the folder of the last lab export. */
  labExportDir: 'fastast.lab.exportDir',
  /** Plain text: the merge view's layer, a number, or "last" (the default: the merge's end result). */
  mergeLayer: 'fastast.merge.layer',
  /** Plain text: opacity of the merge view's group tints over the spectrogram, 0…1. */
  mergeTint: 'fastast.merge.tint',
  /** Plain text: the spectrograms' colour map (lib/color.ts COLOR_MAPS). */
  colorMap: 'fastast.colorMap',
  /** Plain text: the label lane's layout, "stacked" or "tracks" (one row per class). */
  laneMode: 'fastast.laneMode',
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
