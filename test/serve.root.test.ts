/**
 * Issue 12, item 8: `serve --root DIR` confines listing, reading and writing to DIR, against
 * "../" and against symlinks that lead out of it; and no error quotes a file's contents. Over a
 * real serve process and its WebSocket.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startServeProcess, type ServeProcess } from './support/serve-process.js';
import { wsClient, type WsTestClient } from './support/ws-client.js';

const DEMO_CLIP = resolve(import.meta.dirname, '..', 'data', 'demo', 'car_horn_dj997_493751.flac');
const SECRET = 'hunter2-SECRET-first-line';
const tmp = mkdtempSync(join(tmpdir(), 'fastast-root-'));
const root = join(tmp, 'root');
const outside = join(tmp, 'outside');
let served: ServeProcess;
let c: WsTestClient;

beforeAll(async () => {
  mkdirSync(join(root, 'sub'), { recursive: true });
  mkdirSync(outside);
  copyFileSync(DEMO_CLIP, join(root, 'clip.flac'));
  copyFileSync(DEMO_CLIP, join(outside, 'secret.flac'));
  writeFileSync(join(outside, 'notes.txt'), `${SECRET}\n`);
  writeFileSync(join(root, 'notes.txt'), `${SECRET}\tnot a time\n`);
  writeFileSync(join(root, 'notes.json'), `{"${SECRET}": tru}`);
  writeFileSync(join(root, 'set.csv'), `${SECRET},x\n1,2\n`);
  writeFileSync(join(root, 'escape-set.csv'), `path,category\n../outside/secret.flac,dog\n`);
  symlinkSync(outside, join(root, 'escape'));
  symlinkSync(join(outside, 'secret.flac'), join(root, 'link.flac'));
  served = await startServeProcess(['--root', root]);
  c = await wsClient(served);
});

afterAll(async () => {
  c?.close();
  await served?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

async function outsideRoot(method: string, params: unknown): Promise<void> {
  const err = await c.fails(method, params);
  expect(err.code, `${method} ${JSON.stringify(params)}: ${err.message}`).toBe('OUTSIDE_ROOT');
}

const PROV = { modelId: 'm', modelSha256: 'x', schedule: [0], propAttn: false, protectDistillation: true, windowS: 10.24, hopS: 10.24, threshold: 0.5 };
const exportTo = (outDir: string, format = 'audacity', file = '/rec/a.wav') => ({
  format,
  outDir,
  recordings: [{ file, durationS: 3, segments: [{ id: 's1', file, label: 'dog', startS: 1, endS: 2, maxScore: 0.9, meanScore: 0.8, source: 'model', review: 'unreviewed' }] }],
  provenance: PROV,
  selection: { kind: 'all' },
});

describe('serve --root', () => {
  test('lists the root (no way up) and nothing outside it', async () => {
    const hello = await c.ok('hello', {});
    expect(hello.homeDir).toBe(root);
    const listed = await c.ok('fs.list', {});
    expect(listed.dir).toBe(root);
    expect(listed.parent).toBeNull();
    await outsideRoot('fs.list', { dir: join(root, '..') });
    await outsideRoot('fs.list', { dir: outside });
    await outsideRoot('fs.list', { dir: join(root, 'escape') });
    await outsideRoot('fs.list', { dir: '/' });
  });

  test('opens files inside, not through ../ or a symlink out', async () => {
    expect((await c.ok('file.open', { path: join(root, 'clip.flac') })).name).toBe('clip.flac');
    await outsideRoot('file.open', { path: join(root, '..', 'outside', 'secret.flac') });
    await outsideRoot('file.open', { path: join(root, 'link.flac') });
    await outsideRoot('file.open', { path: join(root, 'escape', 'secret.flac') });
  });

  test('writes exports inside only, and clips read recordings inside only', async () => {
    await c.ok('segments.export', exportTo(join(root, 'sub')));
    await outsideRoot('segments.export', exportTo(outside));
    await outsideRoot('segments.export', exportTo(join(root, 'escape')));
    await outsideRoot('segments.export', exportTo(join(root, 'sub'), 'clips', join(outside, 'secret.flac')));
    await outsideRoot('lab.export', { format: 'svg', path: join(root, 'escape', 'chart.svg'), svg: '<svg></svg>' });
    await outsideRoot('lab.export', { format: 'svg', path: join(tmp, 'chart.svg'), svg: '<svg></svg>' });
    expect(readdirSync(outside).sort()).toEqual(['notes.txt', 'secret.flac']);
    expect(readdirSync(tmp).sort()).toEqual(['outside', 'root']);
  });

  test('reads segments and labelled sets inside only, clips of a set included', async () => {
    await outsideRoot('segments.import', { path: join(outside, 'notes.txt'), file: '/rec/a.wav' });
    await outsideRoot('segments.import', { path: join(root, 'escape', 'notes.txt'), file: '/rec/a.wav' });
    await outsideRoot('models.import', { path: outside });
    const sweep = (set: string) => ({ sweepId: 'w1', set, models: ['ast-tiny-esc10-cmkd'], rs: [0], shapes: ['constant'], propAttn: 'on' });
    await outsideRoot('lab.sweep', sweep(join(outside, 'notes.txt')));
    await outsideRoot('lab.sweep', sweep(join(root, 'escape-set.csv')));
  });
});

describe('errors never quote a file', () => {
  test('importing a text file or bad JSON names the line, not its text', async () => {
    for (const name of ['notes.txt', 'notes.json']) {
      const err = await c.fails('segments.import', { path: join(root, name), file: '/rec/a.wav' });
      expect(err.code).toBe('IMPORT_INVALID');
      expect(err.message).not.toContain('hunter2');
    }
  });

  test('a CSV that is no labelled set is refused without its header', async () => {
    const err = await c.fails('lab.sweep', { sweepId: 'w2', set: join(root, 'set.csv'), models: ['ast-tiny-esc10-cmkd'], rs: [0], shapes: ['constant'], propAttn: 'on' });
    expect(err.message).toMatch(/needs columns/);
    expect(err.message).not.toContain('hunter2');
  });
});
