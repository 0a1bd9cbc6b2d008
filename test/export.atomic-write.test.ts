/**
 * The durability order of writeFilesAtomically, observed on real file handles: each temp file is
 * written, fsynced and closed before any rename, and the folder is fsynced after the renames.
 * Without the fsync a power cut after the rename can leave an empty or partial file under the
 * final name, which no functional test can see. So `open` and `rename` of node:fs/promises are
 * wrapped (calling through to the real ones, on real files) to record the order: the handles
 * `open` returns are the real ones with writeFile, sync and close wrapped on the instance.
 */
import { fstatSync, readdirSync, readFileSync } from 'node:fs';
import fsp, { type FileHandle } from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';
import { basename, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeFilesAtomically } from '../app/export/index.js';
import { tempDir } from './export.fixtures.js';

const realOpen = fsp.open;
const realRename = fsp.rename;
afterEach(() => {
  fsp.open = realOpen;
  fsp.rename = realRename;
  syncBuiltinESMExports();
});

/**
 * Logs every open, writeFile, sync, close and rename from now on. A temp file is named `temp`,
 * the folder `dir`, a target by its name; a sync of a file logs its size on disk (what the
 * fsync made durable).
 */
function recordOrder(dir: string): string[] {
  const log: string[] = [];
  const name = (p: unknown) => (String(p) === dir ? 'dir' : basename(String(p)).endsWith('.tmp') ? 'temp' : basename(String(p)));
  fsp.open = (async (path: Parameters<typeof realOpen>[0], ...rest: unknown[]) => {
    const fh: FileHandle = await (realOpen as (...a: unknown[]) => Promise<FileHandle>)(path, ...rest);
    const who = name(path);
    log.push(`open ${who}`);
    const writeFile = fh.writeFile.bind(fh);
    const sync = fh.sync.bind(fh);
    const close = fh.close.bind(fh);
    fh.writeFile = async (...a: Parameters<FileHandle['writeFile']>) => {
      await writeFile(...a);
      log.push(`writeFile ${who}`);
    };
    fh.sync = async () => {
      await sync();
      const st = fstatSync(fh.fd);
      log.push(`sync ${who}${st.isFile() ? ` ${st.size}B` : ''}`);
    };
    fh.close = async () => {
      await close();
      log.push(`close ${who}`);
    };
    return fh;
  }) as typeof realOpen;
  fsp.rename = (async (from: Parameters<typeof realRename>[0], to: Parameters<typeof realRename>[1]) => {
    await realRename(from, to);
    log.push(`rename ${name(from)} → ${name(to)}`);
  }) as typeof realRename;
  // Updates the named ESM exports (`import { open } from 'node:fs/promises'`) to the wrappers.
  syncBuiltinESMExports();
  return log;
}

describe('atomic write: write → fsync → close → rename, then the folder is fsynced', () => {
  it('one file', async () => {
    const dir = await tempDir();
    const target = join(dir, 'a.txt');
    const log = recordOrder(dir);
    await writeFilesAtomically([{ path: target, data: 'hello\n' }]);
    expect(log).toEqual([
      'open temp', 'writeFile temp', 'sync temp 6B', 'close temp',
      'rename temp → a.txt',
      'open dir', 'sync dir', 'close dir',
    ]);
    expect(readFileSync(target, 'utf8')).toBe('hello\n');
    expect(readdirSync(dir)).toEqual(['a.txt']);
  });

  it('a set of files: every temp file is synced whole and closed before the first rename', async () => {
    const dir = await tempDir();
    const targets = ['t.txt', 't.txt.fastast.json', 'u.bin'].map((n) => join(dir, n));
    const log = recordOrder(dir);
    await writeFilesAtomically([
      { path: targets[0], data: 'table\n' },
      { path: targets[1], data: '{"sidecar":1}\n' },
      { path: targets[2], data: Uint8Array.of(1, 2, 3) },
    ]);
    expect(log).toEqual([
      'open temp', 'writeFile temp', 'sync temp 6B', 'close temp',
      'open temp', 'writeFile temp', 'sync temp 14B', 'close temp',
      'open temp', 'writeFile temp', 'sync temp 3B', 'close temp',
      'rename temp → t.txt', 'rename temp → t.txt.fastast.json', 'rename temp → u.bin',
      'open dir', 'sync dir', 'close dir',
    ]);
    expect(readFileSync(targets[1], 'utf8')).toBe('{"sidecar":1}\n');
    expect([...readFileSync(targets[2])]).toEqual([1, 2, 3]);
    expect(readdirSync(dir).sort()).toEqual(['t.txt', 't.txt.fastast.json', 'u.bin']);
  });
});
