/**
 * Paths the user types in the UI, which mean something on the host machine only: one rule for
 * every method that takes one (export, import, lab sets and lab exports).
 */
import { lstat, open, readlink, realpath, stat, unlink, type FileHandle } from 'node:fs/promises';
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
 * `serve --root DIR`: the one folder the host may list, read and write under. A path is first
 * checked as written ("../" resolved), before the file system is asked anything, so a path
 * outside gets the same answer whether it exists or not; then after following symlinks
 * (realpath), so a link inside the root that points out of it does not get through either.
 * Reads go through `openRead`, which checks the opened handle itself: a path swapped for a link
 * between the check and the open cannot lead out. Without a root (Electron, serve without
 * --root) every path passes unchanged.
 */
export class PathRules {
  /** `root` must already be a real path (serve resolves it with realpath at start). */
  constructor(readonly root: string | null = null) {}

  /** A file to read, a folder to list or to write into: its real path, inside the root, or OUTSIDE_ROOT. */
  async confine(p: string, what: string): Promise<string> {
    if (!this.root) return p;
    this.inside(resolve(p), p, what);
    return this.inside(await realpathOfExisting(p), p, what);
  }

  /**
   * Opens a file for reading, confined: by its real path, then checked again through the handle
   * (where the opened file really is), so nothing outside the root is ever read. `path` is the
   * real path; the caller closes the handle.
   */
  async openRead(p: string, what: string): Promise<{ path: string; handle: FileHandle }> {
    const path = await this.confine(p, what);
    const handle = await open(path, 'r');
    try {
      if (this.root) this.inside(await openedPath(handle, path), p, what);
    } catch (e) {
      await handle.close();
      throw e;
    }
    return { path, handle };
  }

  /**
   * For writeFilesAtomically: a file just created (not yet written) must really lie inside the
   * root, else it is removed where it is and the write refused, so a folder swapped for a link
   * after its check receives nothing. Undefined without a root.
   */
  checkCreated(what: string): ((handle: FileHandle, path: string) => Promise<void>) | undefined {
    if (!this.root) return undefined;
    return async (handle, path) => {
      const real = await openedPath(handle, path);
      try {
        this.inside(real, path, what);
      } catch (e) {
        if (real !== '/') await unlink(real).catch(() => undefined);
        throw e;
      }
    };
  }

  private inside(real: string, given: string, what: string): string {
    const root = this.root!;
    if (real === root || real.startsWith(root.endsWith(sep) ? root : root + sep)) return real;
    throw new FastAstError('OUTSIDE_ROOT', `${given}: the ${what} is outside ${root}, the only folder this host may use (serve --root)`);
  }
}

/**
 * Where an opened file really is. Linux says so for the handle itself (/proc/self/fd); elsewhere
 * the path it was opened by must still lead, without a link, to the same file.
 */
async function openedPath(handle: FileHandle, openedAs: string): Promise<string> {
  const viaProc = await readlink(`/proc/self/fd/${handle.fd}`).catch(() => null);
  if (viaProc !== null && isAbsolute(viaProc)) return viaProc;
  const [opened, now, real] = await Promise.all([handle.stat(), lstat(openedAs).catch(() => null), realpath(openedAs).catch(() => null)]);
  const same = now !== null && !now.isSymbolicLink() && now.dev === opened.dev && now.ino === opened.ino && real === openedAs;
  // A path that no longer leads to the opened file: where the handle is cannot be told, so it counts as outside.
  return same ? openedAs : '/';
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
