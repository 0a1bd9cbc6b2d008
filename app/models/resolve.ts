/**
 * What `--model X` names, found without touching the network: a checkpoint folder, a bundled
 * model by name, a hub repo id already in the hub cache, or a PyTorch .pth file (whose loading
 * belongs to app/checkpoint). Downloading is a separate, explicit step (`fastast models pull`),
 * so classify and eval never start a multi-hundred-megabyte transfer by surprise.
 */
import { stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { FastAstError } from '../errors.js';
import { findCachedSnapshot, hubCacheDir, parseRepoRef } from './hub-cache.js';
import { hubSettings } from './hub-settings.js';

export type ModelOrigin =
  | { type: 'folder' }
  | { type: 'bundled'; name: string }
  | { type: 'hub'; repoId: string; revision: string; commit: string };

export type ModelSource =
  | { kind: 'folder'; dir: string; source: ModelOrigin; /** What to show as the model's name. */ label: string }
  | { kind: 'pth'; path: string };

export interface ResolveOptions {
  /** Folder of bundled models (the package's models/), searched for a bare name. */
  bundledDir?: string;
  /** Defaults to process.env: HF_HUB_CACHE / HF_HOME and HF_HUB_OFFLINE are read from it. */
  env?: NodeJS.ProcessEnv;
}

async function kindOf(path: string): Promise<'dir' | 'file' | undefined> {
  try {
    return (await stat(path)).isDirectory() ? 'dir' : 'file';
  } catch {
    return undefined;
  }
}

const TORCH_FILE = /\.(pth|pt|ckpt)$/i;

/**
 * A path on disk wins over a repo id of the same spelling (as in transformers), so
 * `models/ast-tiny-esc10-plain` stays the folder even though it looks like ORG/NAME.
 */
export async function resolveModelSource(arg: string, opts: ResolveOptions = {}): Promise<ModelSource> {
  const env = opts.env ?? process.env;
  const onDisk = await kindOf(arg);
  // Any file is a PyTorch checkpoint candidate (.pth, .pt, .bin, .ckpt): the checkpoint reader
  // tells a torch zip from anything else and says what is wrong, without running the file.
  if (onDisk === 'file') return { kind: 'pth', path: resolve(arg) };
  if (onDisk === 'dir') {
    // Its contents are the loader's to check: its errors name the file and tensor at fault.
    const dir = resolve(arg);
    return { kind: 'folder', dir, source: { type: 'folder' }, label: basename(dir) };
  }
  if (TORCH_FILE.test(arg)) throw new FastAstError('FILE_NOT_FOUND', `--model ${arg}: no such file`);

  if (opts.bundledDir && /^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(arg)) {
    const dir = join(opts.bundledDir, arg);
    if ((await kindOf(dir)) === 'dir') {
      return { kind: 'folder', dir, source: { type: 'bundled', name: arg }, label: arg };
    }
  }

  const ref = parseRepoRef(arg);
  if (ref === undefined) {
    throw new FastAstError('FILE_NOT_FOUND', `--model ${arg}: no such folder, and not a hub repo id (ORG/NAME or ORG/NAME@REVISION)`);
  }
  const cacheDir = hubCacheDir(env);
  const hit = await findCachedSnapshot(cacheDir, ref);
  if (hit) {
    const label = ref.revision === 'main' ? ref.repoId : `${ref.repoId}@${ref.revision}`;
    return { kind: 'folder', dir: hit.dir, source: { type: 'hub', ...ref, commit: hit.commit }, label };
  }
  const at = ref.revision === 'main' ? '' : ` --revision ${ref.revision}`;
  // ORG/NAME is also a relative path: say both readings, a typo in a folder name is as likely.
  const what = `--model ${arg}: no such folder, and the hub repo ${ref.repoId}${at ? `@${ref.revision}` : ''} is not in the hub cache (${cacheDir})`;
  if (hubSettings(env).offline) {
    throw new FastAstError('MODEL_NOT_CACHED', `${what}; HF_HUB_OFFLINE is set, so it cannot be downloaded now (with a network: fastast models pull ${ref.repoId}${at})`);
  }
  throw new FastAstError('MODEL_NOT_CACHED', `${what}; to download it: fastast models pull ${ref.repoId}${at}`);
}
