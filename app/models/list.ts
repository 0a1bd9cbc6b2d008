/**
 * The models installed on this machine: the bundled ones (the package's models/) and the AST
 * checkpoints in the hub cache, each revision with its refs and size. The cache is scanned by
 * @huggingface/hub's scanCacheDir, which reads Python's layout; repos whose config.json is not
 * an Audio Spectrogram Transformer (a user's LLMs, say) are left out.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { scanCacheDir } from '@huggingface/hub';
import { isUsableSnapshot } from './hub-cache.js';

export interface InstalledModel {
  source: 'bundled' | 'hub';
  /** What --model takes: the bundled name, or ORG/NAME (with @REVISION when not on main). */
  id: string;
  dir: string;
  bytes: number;
  /** Hub only: the commit, and the refs (branches, tags) pointing to it. */
  commit?: string;
  refs?: string[];
}

const AST_TYPE = 'audio-spectrogram-transformer';

async function isAst(dir: string): Promise<boolean> {
  try {
    const config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'));
    return config.model_type === AST_TYPE && (await isUsableSnapshot(dir));
  } catch {
    return false;
  }
}

export async function listBundled(bundledDir: string): Promise<InstalledModel[]> {
  let names: string[];
  try {
    names = (await readdir(bundledDir)).sort();
  } catch {
    return [];
  }
  const out: InstalledModel[] = [];
  for (const name of names) {
    const dir = join(bundledDir, name);
    if (!(await isAst(dir))) continue;
    let bytes = 0;
    for (const f of await readdir(dir)) bytes += (await stat(join(dir, f))).size;
    out.push({ source: 'bundled', id: name, dir, bytes });
  }
  return out;
}

export async function listHubCache(cacheDir: string): Promise<InstalledModel[]> {
  try {
    await stat(cacheDir);
  } catch {
    return []; // no cache yet: nothing was ever downloaded
  }
  const info = await scanCacheDir(cacheDir);
  const out: InstalledModel[] = [];
  for (const repo of info.repos) {
    if (repo.id.type !== 'model') continue;
    for (const rev of repo.revisions) {
      if (!(await isAst(rev.path))) continue;
      const refs = [...rev.refs].sort();
      const name = repo.id.name;
      const id = refs.includes('main') ? name : `${name}@${refs[0] ?? rev.commitOid}`;
      out.push({ source: 'hub', id, dir: rev.path, bytes: rev.size, commit: rev.commitOid, refs });
    }
  }
  return out.sort((a, b) => a.id.localeCompare(b.id));
}
