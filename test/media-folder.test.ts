/**
 * Issue 12, item 6: the media folder (decoded audio for the player) is private, unpredictable,
 * never writes through a planted symlink, and folders of processes that died are swept.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { OpenFiles } from '../main/host/open-files.js';
import { ClientConnection, type CallContext } from '../main/host/rpc.js';
import { MediaFolder, mediaBase, sweepStaleMediaFolders } from '../main/process/media-folder.js';

const ROOT = resolve(import.meta.dirname, '..');
const CLIP = join(ROOT, 'data', 'demo', 'car_horn_dj997_493751.flac');
const tmp = mkdtempSync(join(tmpdir(), 'fastast-media-test-'));

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** One client connection for every open (open files are kept per connection). */
const client = new ClientConnection(
  () => {},
  async () => {
    throw new Error('no handler: the test calls OpenFiles directly');
  },
);

function ctx(): CallContext {
  return { id: 1, signal: new AbortController().signal, progress: () => {}, client };
}

/** A pid that is certainly not running: a child that has already exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(r.stdout.toString());
}

describe('media folder', () => {
  test('is made under the runtime folder with a random name, mode 0700, with a pid file', () => {
    const runtime = join(tmp, 'runtime');
    mkdirSync(runtime, { mode: 0o700 });
    const base = mediaBase({ XDG_RUNTIME_DIR: runtime });
    expect(base).toBe(runtime);
    const a = MediaFolder.create(base);
    const b = MediaFolder.create(base);
    expect(a.dir).not.toBe(b.dir);
    expect(a.dir.startsWith(join(runtime, 'fastast-media-'))).toBe(true);
    expect(a.dir).not.toContain(String(process.pid));
    expect(statSync(a.dir).mode & 0o777).toBe(0o700);
    expect(readFileSync(join(a.dir, 'pid'), 'utf8')).toBe(String(process.pid));
    a.remove();
    b.remove();
  });

  test('a runtime folder that is a symlink is not used', () => {
    const real = join(tmp, 'real-runtime');
    mkdirSync(real);
    const link = join(tmp, 'link-runtime');
    symlinkSync(real, link);
    expect(mediaBase({ XDG_RUNTIME_DIR: link, XDG_CACHE_HOME: join(tmp, 'cache') })).toBe(join(tmp, 'cache', 'fastast-studio'));
  });

  test('the host refuses to write a media file through a symlink planted at its name', async () => {
    const media = MediaFolder.create(join(tmp));
    const victim = join(tmp, 'victim.txt');
    writeFileSync(victim, 'precious');
    symlinkSync(victim, join(media.dir, 'f1.wav'));
    const files = new OpenFiles(media.dir, () => {});
    await files.start();
    await expect(files.open(CLIP, 10.24, ctx())).rejects.toThrow(/EEXIST/);
    expect(readFileSync(victim, 'utf8')).toBe('precious');
  });

  test('media files are created 0600', async () => {
    const media = MediaFolder.create(join(tmp));
    const files = new OpenFiles(media.dir, () => {});
    await files.start();
    const info = await files.open(CLIP, 10.24, ctx());
    expect(statSync(join(media.dir, info.media)).mode & 0o777).toBe(0o600);
    await files.dispose();
  });

  test('the sweep removes the folder of a dead process and keeps a live one and a pid-less one', () => {
    const base = join(tmp, 'sweep');
    mkdirSync(base);
    const mine = MediaFolder.create(base);
    const dead = join(base, 'fastast-media-dead01');
    mkdirSync(dead, { mode: 0o700 });
    writeFileSync(join(dead, 'pid'), String(deadPid()));
    writeFileSync(join(dead, 'f1.wav'), 'audio of a crashed run');
    const live = join(base, 'fastast-media-live01');
    mkdirSync(live, { mode: 0o700 });
    writeFileSync(join(live, 'pid'), String(process.ppid));
    const unknown = join(base, 'fastast-media-nopid1');
    mkdirSync(unknown, { mode: 0o700 });
    const other = join(base, 'something-else');
    mkdirSync(other);
    writeFileSync(join(other, 'pid'), String(deadPid()));

    expect(sweepStaleMediaFolders(base)).toEqual([dead]);
    expect(existsSync(dead)).toBe(false);
    expect(existsSync(live)).toBe(true);
    expect(existsSync(unknown)).toBe(true);
    expect(existsSync(other)).toBe(true);
    expect(existsSync(mine.dir)).toBe(true);
  });

  test('reset empties the folder for a new host child and keeps it private', () => {
    const media = MediaFolder.create(join(tmp));
    writeFileSync(join(media.dir, 'f1.wav'), 'old');
    media.reset();
    expect(existsSync(join(media.dir, 'f1.wav'))).toBe(false);
    expect(readFileSync(join(media.dir, 'pid'), 'utf8')).toBe(String(process.pid));
    rmSync(media.dir, { recursive: true });
    media.reset();
    expect(statSync(media.dir).mode & 0o777).toBe(0o700);
  });
});
