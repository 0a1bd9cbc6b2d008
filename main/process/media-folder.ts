/**
 * The folder of decoded audio the player streams (Electron's fastast-media: scheme, serve's
 * /media/ route). It holds the user's audio, so:
 *  - its name is random (mkdtemp), not /tmp/fastast-media-<pid>: nobody can plant it in advance;
 *  - it is 0700 and lives under the user's runtime folder ($XDG_RUNTIME_DIR, itself 0700) or,
 *    without one, the user's cache folder: other users cannot read the audio;
 *  - files are created with 'wx' (O_CREAT|O_EXCL, which never follows a symlink) and 0600;
 *  - a `pid` file inside names its owner, so folders left by a process that died (kill -9, a
 *    crash) are removed at the next start by sweepStaleMediaFolders().
 *
 * The process that owns the folder (Electron's main, serve's parent) creates it; the host child
 * writes into it. No Electron import: the tests run it in plain Node.
 */
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

const PREFIX = 'fastast-media-';
const PID_FILE = 'pid';

/** Where media folders go: the user's runtime folder, else their cache folder. */
export function mediaBase(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  const runtime = env.XDG_RUNTIME_DIR;
  if (runtime && isOwnDir(runtime)) return runtime;
  const cache =
    platform === 'win32'
      ? (env.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local'))
      : platform === 'darwin'
        ? join(homedir(), 'Library', 'Caches')
        : (env.XDG_CACHE_HOME ?? join(homedir(), '.cache'));
  const base = join(cache, 'fastast-studio');
  try {
    mkdirSync(base, { recursive: true, mode: 0o700 });
    return base;
  } catch {
    // A read-only or missing home: the temp folder still gets a random 0700 folder (mkdtemp).
    return tmpdir();
  }
}

/** A real directory (not a symlink) owned by this user (on systems with uids). */
function isOwnDir(path: string): boolean {
  try {
    const st = lstatSync(path);
    return st.isDirectory() && (typeof process.getuid !== 'function' || st.uid === process.getuid());
  } catch {
    return false;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the pid exists but is another user's; only ESRCH means no such process.
    return (e as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/**
 * Removes media folders under `base` whose pid file names a process that no longer runs.
 * Folders without a readable pid file, of another user, or of a live process are kept.
 * Returns the paths removed.
 */
export function sweepStaleMediaFolders(base: string): string[] {
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(base);
  } catch {
    return removed;
  }
  for (const name of names) {
    if (!name.startsWith(PREFIX)) continue;
    const dir = join(base, name);
    if (!isOwnDir(dir)) continue;
    let pid: number;
    try {
      pid = Number(readFileSync(join(dir, PID_FILE), 'utf8').trim());
    } catch {
      continue;
    }
    if (!Number.isSafeInteger(pid) || pid <= 0 || pid === process.pid || alive(pid)) continue;
    rmSync(dir, { recursive: true, force: true });
    removed.push(dir);
  }
  return removed;
}

export class MediaFolder {
  private constructor(readonly dir: string) {}

  /** Sweeps stale folders under `base`, then makes a fresh 0700 folder with this process's pid file. */
  static create(base: string = mediaBase()): MediaFolder {
    sweepStaleMediaFolders(base);
    const dir = mkdtempSync(join(base, PREFIX)); // mkdtemp makes it 0700
    writeFileSync(join(dir, PID_FILE), String(process.pid), { flag: 'wx', mode: 0o600 });
    return new MediaFolder(dir);
  }

  /**
   * Empties the folder for a new host child: the dead child's files are of no use (the new one
   * numbers its files from f1 again, and 'wx' would refuse to overwrite them).
   */
  reset(): void {
    let names: string[] = [];
    try {
      names = readdirSync(this.dir);
    } catch {
      // The old child removed the folder on its way out: make it again, as private as before.
      mkdirSync(this.dir, { mode: 0o700 });
    }
    for (const name of names) if (name !== PID_FILE) rmSync(join(this.dir, name), { recursive: true, force: true });
    try {
      writeFileSync(join(this.dir, PID_FILE), String(process.pid), { flag: 'wx', mode: 0o600 });
    } catch {
      // already there
    }
  }

  /** Path of a media file that exists (names are checked by the caller), or null. */
  path(name: string): string | null {
    const p = join(this.dir, name);
    try {
      return statSync(p).isFile() ? p : null;
    } catch {
      return null;
    }
  }

  /** Removes the folder; never throws (at exit a child may still be writing: the next start's sweep gets what stays). */
  remove(): void {
    try {
      rmSync(this.dir, { recursive: true, force: true });
    } catch {
      // left for the sweep
    }
  }
}
