/**
 * Issue 12, `serve --root` against a local user who can plant files in the root: a path outside
 * is refused before the file system is asked (no oracle for what exists outside), a sidecar that
 * is a link out of the root is not followed, and a file swapped for a link between the check and
 * the read (a real second process swapping it as fast as it can) never lets an outside file's
 * contents through. Over a real serve process and its WebSocket.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { exportSegments } from '../app/export/export.js';
import { startServeProcess, type ServeProcess } from './support/serve-process.js';
import { wsClient, type WsTestClient } from './support/ws-client.js';

const DEMO_CLIP = resolve(import.meta.dirname, '..', 'data', 'demo', 'car_horn_dj997_493751.flac');
const tmp = mkdtempSync(join(tmpdir(), 'fastast-root-links-'));
const root = join(tmp, 'root');
const outside = join(tmp, 'outside');
const PRIVATE = 'PRIVATE-outside';
let served: ServeProcess;
let c: WsTestClient;
let swapper: ChildProcess | undefined;

const PROV = { modelId: `${PRIVATE}-model`, modelSha256: 'x', schedule: [0], propAttn: false, protectDistillation: true, windowS: 10.24, hopS: 10.24, threshold: 0.5 };

beforeAll(async () => {
  mkdirSync(root);
  mkdirSync(outside);
  copyFileSync(DEMO_CLIP, join(root, 'clip.flac'));
  copyFileSync(DEMO_CLIP, join(outside, 'secret.flac'));
  // An Audacity export outside, with its sidecar (the recording's name and the provenance are what must not leak).
  const recording = join(outside, `${PRIVATE}.wav`);
  const seg = { id: 's1', file: recording, label: PRIVATE, startS: 1, endS: 2, maxScore: 0.9, meanScore: 0.8, source: 'model' as const, review: 'unreviewed' as const, provenance: PROV };
  await exportSegments({ format: 'audacity', recordings: [{ file: recording, durationS: 1234, segments: [seg] }], outDir: outside, provenance: PROV });
  const outsideLabels = join(outside, `${PRIVATE}.labels.txt`);
  // Inside: labels of our own whose sidecar is a link to the outside one.
  writeFileSync(join(root, 'own.labels.txt'), '1.000000\t2.000000\tinside\n');
  symlinkSync(`${outsideLabels}.fastast.json`, join(root, 'own.labels.txt.fastast.json'));
  // Outside, a link that leads into the root: reachable only by a path that is outside as written.
  symlinkSync(root, join(outside, 'into-root'));
  // Two labelled sets inside, naming a clip outside that exists and one that does not.
  writeFileSync(join(root, 'set-existing.csv'), `path,category\n${join(outside, 'secret.flac')},dog\n`);
  writeFileSync(join(root, 'set-missing.csv'), `path,category\n${join(outside, 'missing.flac')},dog\n`);
  // The race: race.labels.txt is, in turn, our own labels and a link to the outside labels.
  writeFileSync(join(root, 'race.labels.txt'), '1.000000\t2.000000\tinside\n');
  served = await startServeProcess(['--root', root]);
  c = await wsClient(served);
});

afterAll(async () => {
  swapper?.kill('SIGKILL');
  c?.close();
  await served?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

const sweep = (set: string) => ({ sweepId: 'w', set, models: ['ast-tiny-esc10-cmkd'], rs: [0], shapes: ['constant'], propAttn: 'on' });

describe('a path outside the root is refused before the file system is asked', () => {
  test('a labelled set naming a clip outside: the same refusal whether the clip exists or not', async () => {
    const existing = await c.fails('lab.sweep', sweep(join(root, 'set-existing.csv')));
    const missing = await c.fails('lab.sweep', sweep(join(root, 'set-missing.csv')));
    expect([existing.code, missing.code]).toEqual(['OUTSIDE_ROOT', 'OUTSIDE_ROOT']);
    expect(missing.message.replace('missing', 'secret')).toBe(existing.message);
  });

  test('a path outside as written is refused even where a link there leads back into the root', async () => {
    for (const method of ['file.open', 'file.state.get']) {
      const err = await c.fails(method, { path: join(outside, 'into-root', 'clip.flac') });
      expect(err.code, method).toBe('OUTSIDE_ROOT');
    }
    expect((await c.ok('file.open', { path: join(root, 'clip.flac') })).name).toBe('clip.flac');
  });

  test('the session names only files inside the root', async () => {
    const err = await c.fails('session.save', { openFiles: [join(outside, 'secret.flac')], activePath: null, view: null });
    expect(err.code).toBe('OUTSIDE_ROOT');
    await c.ok('session.save', { openFiles: [join(root, 'clip.flac')], activePath: join(root, 'clip.flac'), view: null });
    expect((await c.ok('session.get', {})).openFiles).toEqual([join(root, 'clip.flac')]);
  });
});

describe('reads inside the root still work through checked handles', () => {
  test('a sweep of a set inside reads its CSV and decodes its clip', async () => {
    writeFileSync(join(root, 'set-inside.csv'), 'path,category\nclip.flac,dog\n');
    const res = await c.ok('lab.sweep', sweep(join(root, 'set-inside.csv')));
    expect(res.set.clips).toBe(1);
    expect(res.computed).toBeGreaterThan(0);
  });
});

describe('links out of the root are not followed', () => {
  test('a sidecar that links outside is ignored: its recording and provenance never reach the client', async () => {
    const res = await c.ok('segments.import', { path: join(root, 'own.labels.txt'), file: join(root, 'clip.flac') });
    expect(JSON.stringify(res)).not.toContain(PRIVATE);
    expect(res.recordings.map((r: { file: string }) => r.file)).toEqual([join(root, 'clip.flac')]);
    expect(res.recordings[0].segments.map((s: { label: string }) => s.label)).toEqual(['inside']);
  });

  test('a file swapped for a link between the check and the read: never read', async () => {
    // A second process swaps race.labels.txt between a file and a link as fast as it can (renames are atomic).
    const script = `
      const fs = require('node:fs');
      const target = ${JSON.stringify(join(root, 'race.labels.txt'))};
      const link = ${JSON.stringify(join(outside, `${PRIVATE}.labels.txt`))};
      for (let i = 0; ; i++) {
        fs.writeFileSync(target + '.f', '1.000000\\t2.000000\\tinside\\n');
        fs.renameSync(target + '.f', target);
        fs.symlinkSync(link, target + '.l');
        fs.renameSync(target + '.l', target);
      }`;
    swapper = spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
    const outcomes = new Map<string, number>();
    for (let i = 0; i < 400; i++) {
      const r = await c.call('segments.import', { path: join(root, 'race.labels.txt'), file: join(root, 'clip.flac') });
      expect(JSON.stringify(r)).not.toContain(PRIVATE);
      const key = r.ok ? 'read' : r.error.code;
      outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
    }
    swapper.kill('SIGKILL');
    // Both states were met: the file read, the link refused.
    expect(outcomes.get('read'), JSON.stringify([...outcomes])).toBeGreaterThan(0);
    expect(outcomes.get('OUTSIDE_ROOT'), JSON.stringify([...outcomes])).toBeGreaterThan(0);
  });

  test('an export folder swapped for a link out of the root between the check and the write: nothing written outside', async () => {
    const sink = join(tmp, 'sink');
    mkdirSync(sink);
    mkdirSync(join(root, 'sub'));
    // The folder and a link to the sink take turns at root/sub (a folder cannot be renamed over a link: moved aside first).
    const script = `
      const fs = require('node:fs');
      const sub = ${JSON.stringify(join(root, 'sub'))};
      const pause = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
      for (;;) {
        fs.renameSync(sub, sub + '.d');
        fs.symlinkSync(${JSON.stringify(sink)}, sub + '.l');
        fs.renameSync(sub + '.l', sub);
        pause(0.2);
        fs.renameSync(sub, sub + '.l');
        fs.renameSync(sub + '.d', sub);
        fs.unlinkSync(sub + '.l');
        pause(1);
      }`;
    swapper = spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
    const file = join(root, 'clip.flac');
    const outcomes = new Map<string, number>();
    for (let i = 0; i < 300; i++) {
      const r = await c.call('segments.export', {
        format: 'audacity',
        outDir: join(root, 'sub'),
        overwrite: true,
        recordings: [{ file, durationS: 3, segments: [{ id: 's1', file, label: 'dog', startS: 1, endS: 2, maxScore: 0.9, meanScore: 0.8, source: 'model', review: 'unreviewed' }] }],
        provenance: PROV,
        selection: { kind: 'all' },
      });
      const key = r.ok ? 'written' : r.error.code;
      outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
    }
    swapper.kill('SIGKILL');
    expect(readdirSync(sink), JSON.stringify([...outcomes])).toEqual([]);
    expect(outcomes.get('written'), JSON.stringify([...outcomes])).toBeGreaterThan(0);
    expect(outcomes.get('OUTSIDE_ROOT'), JSON.stringify([...outcomes])).toBeGreaterThan(0);
  });
});
