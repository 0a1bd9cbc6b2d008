import { randomBytes } from 'node:crypto';
import { lstat, open, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { FastAstError } from '../errors.js';

/** One file an export writes. */
export interface OutputFile {
  path: string;
  data: string | Uint8Array;
}

/** Shows a path the way the user can read it back: a NUL byte would cut the message short in a terminal. */
export function shownPath(path: string): string {
  return path.replace(/\0/g, '\\0');
}

/**
 * Writes every file or none: each is written to a temp file in its own folder (so the rename
 * stays on one file system and is atomic) and fsynced; only when all are on disk are they
 * renamed into place. A failure removes the temp files, and the files this call had already
 * put in place where none existed before, so an export never leaves a partial file or a
 * partial set (a sidecar without its table). The temp name is short and fixed-length so that
 * a long target name fails at its own rename, named, rather than at the temp file.
 */
export interface WriteOptions {
  /** What is written, for the error ("the export", "the session"). */
  what?: string;
  /**
   * Runs on each temp file as soon as it is created, before anything is written to it: serve
   * --root checks there where the file really is, so a folder swapped for a link after the check
   * of its path gets nothing. Throwing removes the temp files and fails the write with that error.
   */
  checkCreated?: (handle: FileHandle, path: string) => Promise<void>;
}

export async function writeFilesAtomically(files: readonly OutputFile[], opts: WriteOptions = {}): Promise<void> {
  const what = opts.what ?? 'the export';
  const staged: { file: OutputFile; temp: string }[] = [];
  const removeTemps = async (from = 0) => {
    for (const s of staged.slice(from)) await unlink(s.temp).catch(() => undefined);
  };
  for (const file of files) {
    const temp = join(dirname(file.path), `.fastast-${process.pid}-${randomBytes(6).toString('hex')}.tmp`);
    try {
      // Checked here, not left to open(): a NUL in the name only (not the folder) would pass the temp file.
      if (file.path.includes('\0')) throw nulError();
      await writeDurably(temp, file.data, () => staged.push({ file, temp }), opts.checkCreated);
    } catch (e) {
      await removeTemps();
      if (e instanceof FastAstError) throw e;
      throw await writeError(file.path, e, what);
    }
  }
  const placed: string[] = [];
  for (let i = 0; i < staged.length; i++) {
    const { file, temp } = staged[i];
    const existed = await lstat(file.path).then(
      () => true,
      () => false,
    );
    try {
      await rename(temp, file.path);
      if (!existed) placed.push(file.path);
    } catch (e) {
      await removeTemps(i);
      for (const p of placed) await unlink(p).catch(() => undefined);
      throw await writeError(file.path, e, what);
    }
  }
  for (const dir of new Set(staged.map((s) => dirname(s.file.path)))) await syncFolder(dir);
}

/** Creates `path` (never overwriting), writes and fsyncs it; `created` runs once the file exists, so cleanup knows of it. */
async function writeDurably(path: string, data: string | Uint8Array, created: () => void, check?: WriteOptions['checkCreated']): Promise<void> {
  const fh = await open(path, 'wx', 0o644);
  created();
  try {
    await check?.(fh, path);
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** fsync of the folder makes the renames themselves durable; not possible on every platform (Windows), so best effort. */
async function syncFolder(dir: string): Promise<void> {
  try {
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    // The files are complete either way; only the rename's durability across a power cut is at stake.
  }
}

function nulError(): NodeJS.ErrnoException {
  return Object.assign(new Error('path contains a NUL byte'), { code: 'ERR_INVALID_ARG_VALUE' });
}

async function folderExists(dir: string): Promise<boolean> {
  return stat(dir).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

/**
 * Exports never replace a file unasked: the targets that exist already, as one EXISTS error whose
 * `paths` lists them (the UI asks, then calls again with overwrite; the CLI has --overwrite).
 * Checked before anything is written. A symlink counts as existing (lstat): it is never followed.
 */
export async function refuseExisting(paths: readonly string[]): Promise<void> {
  const existing: string[] = [];
  for (const p of paths) {
    if (await lstat(p).then(() => true, () => false)) existing.push(p);
  }
  if (existing.length === 0) return;
  const shown = existing.slice(0, 5).map(shownPath).join(', ') + (existing.length > 5 ? `, and ${existing.length - 5} more` : '');
  const n = existing.length === 1 ? 'file exists' : `${existing.length} files exist`;
  throw new FastAstError('EXISTS', `${n} already: ${shown}. Nothing was written; export again with overwrite to replace ${existing.length === 1 ? 'it' : 'them'}.`, existing);
}

/** A failed write as a message a user can act on: the target path, then why, in words, naming the folder. `what` is what was being written. */
export async function writeError(path: string, e: unknown, what = 'the export'): Promise<FastAstError> {
  const err = e as NodeJS.ErrnoException;
  const dir = dirname(path);
  const shown = shownPath(path);
  let why: string;
  switch (err?.code) {
    case 'ERR_INVALID_ARG_VALUE':
    case 'ERR_INVALID_ARG_TYPE':
      why = 'the name contains a NUL byte (\\0), which no file system accepts in a file name';
      break;
    case 'ENAMETOOLONG':
      why = `the file name is too long for the file system (${Buffer.byteLength(basename(path))} bytes; most allow 255)`;
      break;
    case 'ENOENT':
      why = (await folderExists(dir))
        ? `the folder ${shownPath(dir)} does not accept new files`
        : `the folder ${shownPath(dir)} does not exist`;
      break;
    case 'ENOTDIR':
      why = `part of the folder path ${shownPath(dir)} is a file, not a folder`;
      break;
    case 'EACCES':
    case 'EPERM':
      why = `permission denied: the folder ${shownPath(dir)} is read-only for this user`;
      break;
    case 'EROFS':
      why = `the folder ${shownPath(dir)} is on a read-only file system`;
      break;
    case 'ENOSPC':
    case 'EDQUOT':
      why = `the disk holding the folder ${shownPath(dir)} is full (or the quota is used up)`;
      break;
    case 'EFBIG':
      why = `the file is larger than this process may write into ${shownPath(dir)} (its file size limit, ulimit -f)`;
      break;
    case 'EISDIR':
    case 'ENOTEMPTY':
    case 'EEXIST':
      why = 'a folder with that name is in the way';
      break;
    case 'EINVAL':
      why = 'the name contains characters the file system refuses';
      break;
    default:
      why = `${err?.code ?? 'error'}: ${err?.message ?? String(e)}`;
  }
  return new FastAstError('EXPORT_FAILED', `${shown}: cannot write ${what}: ${why}. No partial file was left.`);
}
