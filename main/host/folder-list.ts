/** fs.list: a host folder's sub-folders and audio files (the file browser), hidden entries left out. */
import { readdir } from 'node:fs/promises';
import { dirname, extname, join, resolve } from 'node:path';
import { AUDIO_EXTENSIONS, type FsEntry, type Result } from '../../app/contract/index.js';
import { HostError } from './rpc.js';

/** Entries listed at most (a folder of a million files must not make a huge frame). */
const MAX_ENTRIES = 100_000;

export async function listFolder(dir: string): Promise<Result<'fs.list'>> {
  const abs = resolve(dir);
  let items;
  try {
    items = await readdir(abs, { withFileTypes: true });
  } catch (e) {
    throw new HostError('FILE_NOT_FOUND', `${abs}: cannot list (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const entries: FsEntry[] = [];
  for (const e of items) {
    if (e.name.startsWith('.')) continue;
    const path = join(abs, e.name);
    if (e.isDirectory()) entries.push({ name: e.name, path, kind: 'dir' });
    else if ((AUDIO_EXTENSIONS as readonly string[]).includes(extname(e.name).slice(1).toLowerCase())) entries.push({ name: e.name, path, kind: 'audio' });
  }
  entries.sort((a, b) => (a.kind === b.kind ? a.name.localeCompare(b.name) : a.kind === 'dir' ? -1 : 1));
  const parent = dirname(abs);
  return { dir: abs, parent: parent === abs ? null : parent, entries: entries.slice(0, MAX_ENTRIES) };
}
