/**
 * Issue 12, fault test: a full disk and read-only folders under a real serve (its WebSocket, its
 * host child), for the three writers: segments.export (app/export), lab.export and the session
 * store (file.state.save). Each failed write is an error that names the folder and the cause in
 * words, leaves no file behind (no truncated target, no temp file), keeps what was saved before,
 * and the next call on the same socket works.
 *
 * Root (the usual CI and dev container): a 1 MiB tmpfs holds the export folder and serve's state
 * folder, so a 2 MB write fails ENOSPC; read-only is the same tmpfs remounted ro (root writes
 * through chmod). Not root: serve runs under RLIMIT_FSIZE = 1 MiB (util-linux prlimit), so the
 * same 2 MB write fails EFBIG part-way, as a full disk would; read-only is chmod 0555.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startServeProcess, type ServeProcess } from './support/serve-process.js';
import { wsClient, type WsTestClient } from './support/ws-client.js';

const ROOT_USER = process.getuid?.() === 0;
const LIMIT = 1 << 20;
const tmp = mkdtempSync(join(tmpdir(), 'fastast-disk-'));
/** The tmpfs (root) or a plain folder (not root) holding the export folder and the state folder. */
const vol = join(tmp, 'vol');
const out = join(vol, 'out');
const state = join(vol, 'state');
const recording = join(tmp, 'rec.wav');
const mounted: string[] = [];
let served: ServeProcess;
let c: WsTestClient;

/** A full disk in words: ENOSPC on the tmpfs, EFBIG under the file size limit. */
const FULL = ROOT_USER ? /the disk holding the folder (\S+) is full/ : /larger than this process may write into (\S+) \(its file size limit/;
const READ_ONLY = ROOT_USER ? /the folder (\S+) is on a read-only file system/ : /permission denied: the folder (\S+) is read-only for this user/;

beforeAll(async () => {
  mkdirSync(vol);
  if (ROOT_USER) {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${LIMIT}`, 'tmpfs', vol]);
    mounted.push(vol);
  }
  mkdirSync(out);
  mkdirSync(state);
  writeFileSync(recording, 'RIFF');
  served = await startServeProcess([], { stateDir: state, ...(ROOT_USER ? {} : { fileSizeLimit: LIMIT }) });
  c = await wsClient(served);
});

afterAll(async () => {
  c?.close();
  await served?.stop();
  for (const m of mounted) {
    try {
      execFileSync('umount', [m]);
    } catch {
      execFileSync('umount', ['-l', m]);
    }
  }
  rmSync(tmp, { recursive: true, force: true });
});

/** Makes `dirs` read-only for the duration of `body`: the tmpfs remounted ro, or chmod 0555. */
async function readOnly(dirs: string[], body: () => Promise<void>): Promise<void> {
  if (ROOT_USER) execFileSync('mount', ['-o', 'remount,ro', vol]);
  else for (const d of dirs) chmodSync(d, 0o555);
  try {
    await body();
  } finally {
    if (ROOT_USER) execFileSync('mount', ['-o', 'remount,rw', vol]);
    else for (const d of dirs) chmodSync(d, 0o755);
  }
}

const PROV = { modelId: 'm', modelSha256: 'x', schedule: [0], propAttn: false, protectDistillation: true, windowS: 10.24, hopS: 10.24, threshold: 0.5 };
const segment = (i: number, label: string) => ({ id: `s${i}`, file: recording, label, startS: i, endS: i + 0.5, maxScore: 0.9, meanScore: 0.8, source: 'model', review: 'unreviewed' });
/** n segments whose labels are `labelLength` characters: 2000 × 1000 makes a 2 MB file, past the 1 MiB limit. */
const segments = (n: number, labelLength: number) => Array.from({ length: n }, (_, i) => segment(i, 'x'.repeat(labelLength)));
const exportOf = (segs: unknown[]) => ({ format: 'audacity', outDir: out, recordings: [{ file: recording, durationS: 3000, segments: segs }], provenance: PROV, selection: { kind: 'all' } });
const saveOf = (segs: unknown[]) => ({ path: recording, segments: segs, edited: true, settings: null, view: null });
const BIG = 2000;

/** The folder named in a failed write's message, by `pattern`'s group. */
function namedFolder(message: string, pattern: RegExp): string {
  const m = pattern.exec(message);
  expect(m, message).not.toBeNull();
  return m![1];
}

/** The host took the failure in its stride: the socket is open and the next call answers. */
async function hostStillUp(): Promise<void> {
  expect(served.exitCode()).toBeNull();
  expect((await c.ok('hello', {})).host).toBe('serve');
}

function sessionFiles(): string[] {
  const dir = join(state, 'session');
  return [...readdirSync(dir).map((f) => `session/${f}`), ...readdirSync(join(dir, 'files')).map((f) => `session/files/${f}`)].sort();
}

describe(`writes that fail for want of room (${ROOT_USER ? 'a full 1 MiB tmpfs' : 'a 1 MiB file size limit'})`, () => {
  test('segments.export: named error, nothing left, the next export works', async () => {
    const err = await c.fails('segments.export', exportOf(segments(BIG, 1000)));
    expect(err.code).toBe('EXPORT_FAILED');
    expect(namedFolder(err.message, FULL)).toBe(out);
    expect(err.message).toContain(`${join(out, 'rec.labels.txt')}: cannot write the export`);
    expect(readdirSync(out)).toEqual([]);
    await hostStillUp();

    const ok = await c.ok('segments.export', exportOf(segments(3, 10)));
    expect(ok.files).toEqual([join(out, 'rec.labels.txt'), join(out, 'rec.labels.txt.fastast.json')]);
    expect(readFileSync(join(out, 'rec.labels.txt'), 'utf8').trim().split('\n')).toHaveLength(3);
    for (const f of readdirSync(out)) rmSync(join(out, f));
  });

  test('lab.export: named error, nothing left, the next export works', async () => {
    const svg = `<svg xmlns="http://www.w3.org/2000/svg"><!--${'x'.repeat(2 * LIMIT)}--></svg>`;
    const err = await c.fails('lab.export', { format: 'svg', path: join(out, 'chart.svg'), svg });
    expect(err.code).toBe('EXPORT_FAILED');
    expect(namedFolder(err.message, FULL)).toBe(out);
    expect(readdirSync(out)).toEqual([]);
    await hostStillUp();

    const small = '<svg xmlns="http://www.w3.org/2000/svg"></svg>';
    expect(await c.ok('lab.export', { format: 'svg', path: join(out, 'chart.svg'), svg: small })).toEqual({ path: join(out, 'chart.svg'), bytes: small.length });
    expect(readFileSync(join(out, 'chart.svg'), 'utf8')).toBe(small);
    rmSync(join(out, 'chart.svg'));
  });

  test('file.state.save: named error, the last save kept whole, the next save works', async () => {
    await c.ok('file.state.save', saveOf(segments(2, 10)));
    const before = sessionFiles();
    const err = await c.fails('file.state.save', saveOf(segments(BIG, 1000)));
    expect(err.message).toMatch(/cannot write the session/);
    expect(namedFolder(err.message, FULL)).toBe(join(state, 'session', 'files'));
    // No temp file, and the file on disk is still the last good save.
    expect(sessionFiles()).toEqual(before);
    const onDisk = readdirSync(join(state, 'session', 'files')).map((f) => JSON.parse(readFileSync(join(state, 'session', 'files', f), 'utf8')));
    expect(onDisk.map((d) => d.segments.length)).toEqual([2]);
    await hostStillUp();

    await c.ok('file.state.save', saveOf(segments(5, 10)));
    expect((await c.ok('file.state.get', { path: recording })).state.segments).toHaveLength(5);
  });
});

describe(`read-only folders (${ROOT_USER ? 'the tmpfs remounted ro' : 'chmod 0555'})`, () => {
  test('segments.export and lab.export: named error, nothing left, writable again afterwards', async () => {
    await readOnly([out], async () => {
      const err = await c.fails('segments.export', exportOf(segments(3, 10)));
      expect(err.code).toBe('EXPORT_FAILED');
      expect(namedFolder(err.message, READ_ONLY)).toBe(out);
      const lab = await c.fails('lab.export', { format: 'svg', path: join(out, 'chart.svg'), svg: '<svg></svg>' });
      expect(lab.code).toBe('EXPORT_FAILED');
      expect(namedFolder(lab.message, READ_ONLY)).toBe(out);
      expect(readdirSync(out)).toEqual([]);
      await hostStillUp();
    });
    expect((await c.ok('segments.export', exportOf(segments(3, 10)))).segments).toBe(3);
    expect(readdirSync(out).sort()).toEqual(['rec.labels.txt', 'rec.labels.txt.fastast.json']);
    for (const f of readdirSync(out)) rmSync(join(out, f));
  });

  test('session.save and file.state.save: named error, the last save kept, saving again afterwards', async () => {
    await c.ok('file.state.save', saveOf(segments(4, 10)));
    const before = sessionFiles();
    const session = join(state, 'session');
    await readOnly([session, join(session, 'files')], async () => {
      const err = await c.fails('file.state.save', saveOf(segments(1, 10)));
      expect(namedFolder(err.message, READ_ONLY)).toBe(join(session, 'files'));
      const sess = await c.fails('session.save', { openFiles: [recording], activePath: recording, view: null });
      expect(namedFolder(sess.message, READ_ONLY)).toBe(session);
      expect(sessionFiles()).toEqual(before);
      await hostStillUp();
    });
    await c.ok('file.state.save', saveOf(segments(1, 10)));
    const onDisk = readdirSync(join(session, 'files')).map((f) => JSON.parse(readFileSync(join(session, 'files', f), 'utf8')));
    expect(onDisk.map((d) => d.segments.length)).toEqual([1]);
  });
});
