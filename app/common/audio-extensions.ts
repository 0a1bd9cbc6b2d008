// File name endings taken for audio, one list for the file browser, the native open dialog,
// dropped files, labelled-set folders and the decoder's error wording. No imports: the renderer
// uses it too, so the name is split here rather than with node:path.

/** Lower case, without the dot (the form Electron's dialog filters take). */
export const AUDIO_EXTENSIONS = ['wav', 'wave', 'flac', 'mp3', 'ogg', 'oga', 'opus', 'm4a', 'mp4', 'aac', 'webm', 'mka'] as const;
export type AudioExtension = (typeof AUDIO_EXTENSIONS)[number];

/** The ending of a file name or path after its last dot, lower case; '' when it has none. */
export function extensionOf(name: string): string {
  const base = name.slice(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1);
  const dot = base.lastIndexOf('.');
  // A leading dot names a hidden file (".wav" has no extension), as node:path's extname reads it.
  return dot > 0 ? base.slice(dot + 1).toLowerCase() : '';
}

export function isAudioFileName(name: string): boolean {
  return (AUDIO_EXTENSIONS as readonly string[]).includes(extensionOf(name));
}
