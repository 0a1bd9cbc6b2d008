/**
 * The hub's metadata, through @huggingface/hub's own calls: modelInfo
 * (GET /api/models/{repo}/revision/{rev}: the commit a branch or tag points to) and pathsInfo
 * (POST /api/models/{repo}/paths-info/{commit}: size, git oid and LFS sha256 of each file).
 * Their HubApiError (status code) becomes a FastAstError that says what to do.
 */
import { HubApiError, modelInfo, pathsInfo } from '@huggingface/hub';
import { FastAstError } from '../errors.js';

/** The files the studio needs from a repo, in the order they are fetched. */
const WANTED = ['config.json', 'preprocessor_config.json', 'model.safetensors', 'pytorch_model.bin'];

export interface RemoteFile {
  path: string;
  size: number;
  /** Blob name in the cache, as Python names it: the LFS sha256, or the git blob sha1 for plain files. */
  etag: string;
  /** LFS sha256 (the content hash), for LFS files. */
  sha256?: string;
  /** Git blob sha1, for plain (non-LFS) files: sha1("blob <size>\0" + content). */
  gitOid?: string;
}

export interface HubRequest {
  endpoint: string;
  token?: string;
  /** Every request goes through it: cancel, stall timeout, and the tests' request count. */
  fetch: typeof fetch;
}

/** A hub HTTP status, in words a user can act on. */
export function hubStatusError(status: number, repoId: string, what: string): FastAstError {
  if (status === 401) {
    return new FastAstError('DOWNLOAD_FAILED', `${repoId}: the hub answered 401 (unauthorized) for ${what}: the repo is private or gated, or does not exist; for a private or gated repo set HF_TOKEN to an access token (https://huggingface.co/settings/tokens)`);
  }
  if (status === 403) {
    return new FastAstError('DOWNLOAD_FAILED', `${repoId}: the hub answered 403 (forbidden) for ${what}: accept the model's conditions on its page with your account, and set HF_TOKEN to a token of that account`);
  }
  if (status === 404) {
    return new FastAstError('DOWNLOAD_FAILED', `${repoId}: not found on the hub (404 for ${what}); check the repo id and --revision`);
  }
  return new FastAstError('DOWNLOAD_FAILED', `${repoId}: the hub answered ${status} for ${what}; try again later`);
}

function translate(e: unknown, repoId: string, what: string): unknown {
  if (e instanceof HubApiError) return hubStatusError(e.statusCode, repoId, what);
  // The library refuses a token that is not of the hub's form before any request.
  if (e instanceof TypeError && /access token/.test(e.message)) return new FastAstError('USAGE', `HF_TOKEN: ${e.message}`);
  return e;
}

/** The commit hash `revision` (branch, tag or hash) points to now. */
export async function resolveCommit(req: HubRequest, repoId: string, revision: string): Promise<string> {
  try {
    const info = await modelInfo({ name: repoId, revision, additionalFields: ['sha'], hubUrl: req.endpoint, accessToken: req.token, fetch: req.fetch });
    const sha = (info as { sha?: string }).sha;
    if (typeof sha !== 'string' || !/^[0-9a-f]{40}$/.test(sha)) {
      throw new FastAstError('DOWNLOAD_FAILED', `${repoId}: the hub's model info has no commit hash for revision ${revision}`);
    }
    return sha;
  } catch (e) {
    throw translate(e, repoId, `revision ${revision}`);
  }
}

/** The studio's files at `commit`: config.json, the weights (safetensors preferred), preprocessor_config.json if present. */
export async function wantedFiles(req: HubRequest, repoId: string, commit: string): Promise<RemoteFile[]> {
  let infos;
  try {
    infos = await pathsInfo({ repo: { type: 'model', name: repoId }, paths: WANTED, revision: commit, hubUrl: req.endpoint, accessToken: req.token, fetch: req.fetch });
  } catch (e) {
    throw translate(e, repoId, `the file list of ${commit}`);
  }
  const byPath = new Map(infos.filter((i) => i.type === 'file').map((i) => [i.path, i]));
  if (!byPath.has('config.json')) throw new FastAstError('DOWNLOAD_FAILED', `${repoId}@${commit} has no config.json: not a transformers checkpoint`);
  const weights = byPath.has('model.safetensors') ? 'model.safetensors' : byPath.has('pytorch_model.bin') ? 'pytorch_model.bin' : undefined;
  if (weights === undefined) {
    throw new FastAstError('DOWNLOAD_FAILED', `${repoId}@${commit} has neither model.safetensors nor pytorch_model.bin (sharded or other formats are not supported)`);
  }
  const names = ['config.json', 'preprocessor_config.json', weights].filter((p) => byPath.has(p));
  return names.map((path) => {
    const info = byPath.get(path)!;
    if (info.lfs) return { path, size: info.lfs.size, etag: info.lfs.oid, sha256: info.lfs.oid };
    if (!info.oid) throw new FastAstError('DOWNLOAD_FAILED', `${repoId}: the hub gave no hash for ${path}`);
    return { path, size: info.size, etag: info.oid, gitOid: info.oid };
  });
}
