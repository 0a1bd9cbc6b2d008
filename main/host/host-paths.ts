/**
 * Paths the user types in the UI, which mean something on the host machine only: one rule for
 * every method that takes one (export, import, lab sets and lab exports).
 */
import { realpath, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, isAbsolute, join, resolve, sep } from 'node:path';
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

/**
 * `serve --root DIR`: the one folder the host may list, read and write under. Every path is
 * checked after following symlinks (realpath), so neither "../" nor a link inside the root
 * that points out of it gets through. Without a root (Electron, serve without --root) every
 * path passes unchanged.
 */
export class PathRules {
  /** `root` must already be a real path (serve resolves it with realpath at start). */
  constructor(readonly root: string | null = null) {}

  /** A file to read, a folder to list or to write into: its real path, inside the root, or OUTSIDE_ROOT. */
  async confine(p: string, what: string): Promise<string> {
    if (!this.root) return p;
    return this.inside(await realpathOfExisting(p), p, what);
  }

  private inside(real: string, given: string, what: string): string {
    const root = this.root!;
    if (real === root || real.startsWith(root.endsWith(sep) ? root : root + sep)) return real;
    throw new FastAstError('OUTSIDE_ROOT', `${given}: the ${what} is outside ${root}, the only folder this host may use (serve --root)`);
  }
}

/**
 * The real path of `p`, or, where it does not exist (a file about to be written, a typo), the
 * real path of its deepest existing folder with the rest appended: a missing name cannot hide a
 * link, and the check still sees where the existing part leads.
 */
async function realpathOfExisting(p: string): Promise<string> {
  const abs = resolve(p);
  try {
    return await realpath(abs);
  } catch {
    const parent = dirname(abs);
    if (parent === abs) return abs;
    return join(await realpathOfExisting(parent), basename(abs));
  }
}
