/**
 * Paths the user types in the UI, which mean something on the host machine only: one rule for
 * every method that takes one (export, import, lab sets and lab exports).
 */
import { stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { FastAstError } from '../../app/errors.js';

/**
 * "~" and "~/x" are the host user's home; anything else must be absolute (the host's working
 * folder means nothing to the UI). `what` names the path in the error ("output folder", …).
 */
export function hostPath(p: string, what: string, code: 'USAGE' | 'EXPORT_FAILED' = 'USAGE'): string {
  const expanded = p === '~' ? homedir() : p.startsWith('~/') ? join(homedir(), p.slice(2)) : p;
  if (!isAbsolute(expanded)) throw new FastAstError(code, `${p}: give the ${what} as an absolute path on the host (e.g. ${join(homedir(), 'labels')})`);
  return resolve(expanded);
}

/**
 * Checked before anything is written: exports never create folders, so a mistyped path fails,
 * named, and leaves nothing behind.
 */
export async function requireFolder(dir: string, what = 'folder'): Promise<void> {
  const info = await stat(dir).catch(() => null);
  if (!info) throw new FastAstError('EXPORT_FAILED', `${dir}: the ${what} does not exist; create it first. Nothing was written.`);
  if (!info.isDirectory()) throw new FastAstError('EXPORT_FAILED', `${dir}: this is a file, not a folder. Nothing was written.`);
}
