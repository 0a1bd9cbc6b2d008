/**
 * The Hugging Face hub cache on disk, in the layout Python's huggingface_hub and transformers
 * read and write, so a model downloaded by either side is found by the other:
 *
 *   <cache>/models--ORG--NAME/
 *     blobs/<etag>                 file contents; etag = LFS sha256, or the git blob sha1
 *     blobs/<etag>.incomplete      a transfer in progress (resumed with an HTTP Range)
 *     snapshots/<commit>/<file>    relative symlink ../../blobs/<etag> (a copy where symlinks fail)
 *     refs/<revision>              the commit hash a branch or tag pointed to, no newline
 */
import { copyFile, lstat, mkdir, readFile, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { getRepoFolderName } from '@huggingface/hub';
import { FastAstError } from '../errors.js';

export const COMMIT_HASH = /^[0-9a-f]{40}$/;

/** ORG/NAME as the hub spells repo ids (letters, digits, -, _, .), with an optional @revision. */
const REPO_ID = /^([A-Za-z0-9][A-Za-z0-9_.-]*)\/([A-Za-z0-9][A-Za-z0-9_.-]*)(?:@([^@\s]+))?$/;

export interface RepoRef {
  repoId: string;
  /** Branch, tag or commit hash; 'main' when none was given. */
  revision: string;
}

/** ORG/NAME[@rev] → {repoId, revision}, or undefined when the text is not a repo id. */
export function parseRepoRef(text: string): RepoRef | undefined {
  const m = REPO_ID.exec(text);
  if (!m || m[1].includes('..') || m[2].includes('..')) return undefined;
  return { repoId: `${m[1]}/${m[2]}`, revision: m[3] ?? 'main' };
}

/**
 * The cache folder, in Python's order: $HF_HUB_CACHE, the older $HUGGINGFACE_HUB_CACHE,
 * $HF_HOME/hub, $XDG_CACHE_HOME/huggingface/hub, ~/.cache/huggingface/hub. Written out here
 * (the library's getHFHubCachePath has the same order) because callers pass their own env.
 */
export function hubCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HF_HUB_CACHE) return env.HF_HUB_CACHE;
  if (env.HUGGINGFACE_HUB_CACHE) return env.HUGGINGFACE_HUB_CACHE;
  const home = env.HF_HOME ?? join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'huggingface');
  return join(home, 'hub');
}

/** The repo's folder in the cache: models--ORG--NAME (the library's naming, which is Python's). */
export function repoDir(cacheDir: string, repoId: string): string {
  return join(cacheDir, getRepoFolderName({ type: 'model', name: repoId }));
}

export const blobPath = (repo: string, etag: string) => join(repo, 'blobs', etag);
export const snapshotDir = (repo: string, commit: string) => join(repo, 'snapshots', commit);
export const refPath = (repo: string, revision: string) => join(repo, 'refs', revision);

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** The commit a revision names: itself when it is a hash, else what refs/<revision> says. */
export async function readRef(repo: string, revision: string): Promise<string | undefined> {
  if (COMMIT_HASH.test(revision)) return revision;
  try {
    const commit = (await readFile(refPath(repo, revision), 'utf8')).trim();
    return COMMIT_HASH.test(commit) ? commit : undefined;
  } catch {
    return undefined;
  }
}

/** Writes refs/<revision> = commit by rename, so a reader never sees a half-written ref. */
export async function writeRef(repo: string, revision: string, commit: string): Promise<void> {
  if (revision === commit) return;
  const path = refPath(repo, revision);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(`${path}.tmp`, commit);
  await rename(`${path}.tmp`, path);
}

/** The weights file a snapshot folder holds, preferring safetensors; undefined when none is there. */
export async function weightsIn(dir: string): Promise<string | undefined> {
  for (const name of ['model.safetensors', 'pytorch_model.bin']) {
    if (await exists(join(dir, name))) return name;
  }
  return undefined;
}

/** A snapshot the studio can open: config.json and a weights file, both reaching their blobs. */
export async function isUsableSnapshot(dir: string): Promise<boolean> {
  return (await exists(join(dir, 'config.json'))) && (await weightsIn(dir)) !== undefined;
}

/** The cached snapshot of repoId@revision, when one is there and usable; no network. */
export async function findCachedSnapshot(cacheDir: string, ref: RepoRef): Promise<{ commit: string; dir: string } | undefined> {
  const repo = repoDir(cacheDir, ref.repoId);
  const commit = await readRef(repo, ref.revision);
  if (commit === undefined) return undefined;
  const dir = snapshotDir(repo, commit);
  return (await isUsableSnapshot(dir)) ? { commit, dir } : undefined;
}

/**
 * Makes snapshots/<commit>/<file> point at its blob, as Python does: a relative symlink, so
 * the cache still works when moved. The link is made under a temporary name and renamed into
 * place, so the file name appears only complete. Where symlinks are refused (Windows without
 * developer mode) the blob is copied, Python's fallback for blobs other snapshots may share.
 */
export async function linkIntoSnapshot(repo: string, commit: string, file: string, etag: string): Promise<string> {
  const dest = join(snapshotDir(repo, commit), file);
  const blob = blobPath(repo, etag);
  await mkdir(dirname(dest), { recursive: true });
  const tmp = `${dest}.linking`;
  await rm(tmp, { force: true });
  try {
    await symlink(relative(dirname(dest), blob), tmp);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'EACCES' && code !== 'ENOTSUP' && code !== 'EINVAL') throw e;
    await copyFile(blob, tmp);
  }
  await rename(tmp, dest);
  return dest;
}

/** Removes a repo's folder from the cache (all revisions, blobs and refs); false when it was not there. */
export async function removeCachedRepo(cacheDir: string, repoId: string): Promise<boolean> {
  const repo = repoDir(cacheDir, repoId);
  try {
    await lstat(repo);
  } catch {
    return false;
  }
  try {
    await rm(repo, { recursive: true });
    // Python keeps its file locks beside the repos; an orphaned lock folder is only clutter.
    await rm(join(cacheDir, '.locks', getRepoFolderName({ type: 'model', name: repoId })), { recursive: true, force: true });
  } catch (e) {
    throw new FastAstError('MODEL_STORE_FAILED', `could not remove ${repo}: ${(e as Error).message}`);
  }
  return true;
}
