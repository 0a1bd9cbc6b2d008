/**
 * Sessions survive: edits, reviews and settings saved through the real host come back from the
 * state folder after a restart of the host object, after `kill -9` of a real serve process, and
 * per file when switching between files; a corrupt state file is set aside with a notice, never
 * a crash; a recording that changed since its save is flagged, not silently restored.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { decodeFrame, encodeFrame } from '../app/contract/index.js';
import type { Segment } from '../app/segments/index.js';
import { Host } from '../main/host/host.js';
import { rpcClient, type RpcTestClient } from './support/rpc-client.js';
import { testHost } from './support/host.js';
import { SERVE_ENTRY } from './support/serve-process.js';

const ROOT = resolve(import.meta.dirname, '..');
const tmp = mkdtempSync(join(tmpdir(), 'fastast-session-'));
// Copies: the test changes one file's mtime.
const BELLS = join(tmp, 'bells.flac');
const HORN = join(tmp, 'horn.flac');
copyFileSync(join(ROOT, 'data', 'demo', 'church_bells_inspectorj_371267.flac'), BELLS);
copyFileSync(join(ROOT, 'data', 'demo', 'car_horn_dj997_493751.flac'), HORN);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const MERGE = { r: 16, shape: 'constant', propAttn: true, protectDistillation: true };

function seg(file: string, label: string, startS: number, endS: number, review: Segment['review']): Segment {
  return { id: `${file}#${label}@${Math.round(startS * 1000)}`, file, label, startS, endS, maxScore: 0.9, meanScore: 0.8, source: 'model', review };
}

function stateFor(file: string, labels: string[]) {
  const segments = labels.map((l, i) => seg(file, l, i * 5.12, (i + 1) * 5.12, i === 0 ? 'accepted' : i === 1 ? 'rejected' : 'unreviewed'));
  return {
    path: file,
    segments,
    edited: true,
    undo: { past: [{ what: 'review', segments: segments.map((s) => ({ ...s, review: 'unreviewed' })) }], future: [], nextUserId: 3 },
    settings: { hopS: 2.56, threshold: 0.35, merge: MERGE, layer: 12, colourMap: 'grey' },
    view: { zoom: 4.5, scrollS: 1.25, tab: 'segments' },
  };
}

/** A started host on a state folder of its own (the host object; dispose is up to the caller). */
async function hostOn(dir: string): Promise<{ host: Host; client: RpcTestClient }> {
  const host = testHost(dir);
  await host.start();
  return { host, client: rpcClient(host) };
}

describe('sessions through the host object', () => {
  const dir = join(tmp, 'h1');

  test('save, restart the host from the same state folder: files, edits, reviews, undo and settings are back', async () => {
    const a = await hostOn(dir);
    await a.client.ok('file.open', { path: BELLS });
    await a.client.ok('file.open', { path: HORN });
    await a.client.ok('file.state.save', stateFor(BELLS, ['church_bells', 'dog', 'rain']));
    // Switching files keeps each file's work: the other file's save does not touch this one.
    await a.client.ok('file.state.save', stateFor(HORN, ['car_horn']));
    await a.client.ok('session.save', { openFiles: [BELLS, HORN], activePath: BELLS, view: { page: 'workstation' } });
    const before = await a.client.ok('file.state.get', { path: BELLS });
    expect(before.state.segments.map((s: Segment) => s.label)).toEqual(['church_bells', 'dog', 'rain']);
    // No dispose: a host that vanished without shutting down, as after a crash.
    a.client.close();

    const b = await hostOn(dir);
    const session = await b.client.ok('session.get', {});
    expect(session.openFiles).toEqual([BELLS, HORN]);
    expect(session.activePath).toBe(BELLS);
    expect(session.view).toEqual({ page: 'workstation' });
    expect(session.notices).toEqual([]);
    expect(session.recent.map((r: { path: string }) => r.path)).toEqual([HORN, BELLS]);
    expect(session.recent[1]).toMatchObject({ name: 'bells.flac', segments: 3, reviewed: 2, exists: true });
    expect(Date.parse(session.recent[1].openedAt)).toBeGreaterThan(Date.now() - 600_000);

    const bells = await b.client.ok('file.state.get', { path: BELLS });
    expect(bells.match).toBe('same');
    const want = stateFor(BELLS, ['church_bells', 'dog', 'rain']);
    expect(bells.state.segments).toEqual(want.segments);
    expect(bells.state.segments.map((s: Segment) => s.review)).toEqual(['accepted', 'rejected', 'unreviewed']);
    expect(bells.state.undo).toEqual(want.undo);
    expect(bells.state.settings).toEqual(want.settings);
    expect(bells.state.view).toEqual(want.view);
    expect(bells.state.edited).toBe(true);
    const horn = await b.client.ok('file.state.get', { path: HORN });
    expect(horn.state.segments.map((s: Segment) => s.label)).toEqual(['car_horn']);
    expect((await b.client.ok('recent.list', {})).files.length).toBe(2);
    b.client.close();
    await b.host.dispose();
    await a.host.dispose();
  });

  test('a recording changed since its save is flagged "changed", not restored as "same"', async () => {
    const c = await hostOn(dir);
    utimesSync(HORN, new Date(), new Date(Date.now() + 5000));
    const horn = await c.client.ok('file.state.get', { path: HORN });
    expect(horn.match).toBe('changed');
    expect(horn.state.segments.length).toBe(1);
    expect((await c.client.ok('file.state.get', { path: join(tmp, 'never-saved.flac') })).match).toBe('none');
    c.client.close();
    await c.host.dispose();
  });

  test('corrupt state files are set aside as .corrupt with a notice; the host goes on and saves again', async () => {
    const state = join(dir, 'state', 'session');
    writeFileSync(join(state, 'session.json'), '{"format":"fastast-session","version":1,"openFiles":[');
    const files = readdirSync(join(state, 'files')).filter((n) => n.endsWith('.json'));
    for (const n of files) writeFileSync(join(state, 'files', n), JSON.stringify({ format: 'fastast-file-state', version: 1, path: 42 }));
    const d = await hostOn(dir);
    const session = await d.client.ok('session.get', {});
    expect(session.openFiles).toEqual([]);
    expect(session.notices.join('\n')).toMatch(/the last session could not be read .*set aside as .*session\.json\.corrupt/);
    expect(existsSync(join(state, 'session.json.corrupt'))).toBe(true);
    const bells = await d.client.ok('file.state.get', { path: BELLS });
    expect(bells.match).toBe('none');
    expect(bells.notice).toMatch(/saved segments of .*bells\.flac could not be read.*\.corrupt/);
    // Saving works again, and a second corruption keeps the first set-aside copy.
    await d.client.ok('file.state.save', stateFor(BELLS, ['dog']));
    expect((await d.client.ok('file.state.get', { path: BELLS })).state.segments.length).toBe(1);
    d.client.close();
    await d.host.dispose();
  });

  test('view state is bounded; a bad state is refused naming the field', async () => {
    const e = await hostOn(join(tmp, 'h2'));
    const big = await e.client.fails('file.state.save', { ...stateFor(BELLS, ['dog']), view: { blob: 'x'.repeat(70_000) } });
    expect(big.code).toBe('BAD_REQUEST');
    expect(big.message).toMatch(/view: \d+ bytes of view state; at most 65536/);
    const missing = await e.client.fails('file.state.save', stateFor(join(tmp, 'gone.flac'), ['dog']));
    expect(missing.code).toBe('FILE_NOT_FOUND');
    e.client.close();
    await e.host.dispose();
  });
});

/** serve in a child process on a given state folder; resolves with its port and token once it prints its URL. */
function startServe(state: string): Promise<{ child: ChildProcess; port: number; token: string; exited: Promise<void> }> {
  const ui = join(tmp, 'ui');
  mkdirSync(ui, { recursive: true });
  writeFileSync(join(ui, 'index.html'), '<!doctype html><title>t</title>');
  const child = spawn(process.execPath, ['--import', 'tsx', SERVE_ENTRY, '--port', '0', '--state', state, '--renderer', ui, '--ep', 'cpu', '--quiet'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  let out = '';
  return new Promise((res, rej) => {
    const timer = setTimeout(() => rej(new Error('serve did not start within 90 s')), 90_000);
    child.stdout!.on('data', (d) => {
      out += d;
      // The page lives under a path prefix derived from the token (main/serve/access.ts).
      const m = /serving at http:\/\/127\.0\.0\.1:(\d+)\/(?:[0-9a-f]+\/)?\?token=([0-9a-f]+)/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      res({ child, port: Number(m[1]), token: m[2], exited });
    });
  });
}

/** One request over serve's WebSocket. */
async function wsCall(port: number, token: string, method: string, params: unknown): Promise<any> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws?token=${token}`, { origin: `http://127.0.0.1:${port}` });
  await new Promise((r, j) => (ws.on('open', r), ws.on('error', j)));
  try {
    const reply = new Promise<any>((r) =>
      ws.on('message', (d) => {
        const m = decodeFrame(d as Buffer);
        if (m.t === 'res') r(m);
      }),
    );
    ws.send(encodeFrame({ t: 'req', id: 1, method, params }));
    const m = await reply;
    if (!m.ok) throw new Error(`${method}: ${m.error.code} ${m.error.message}`);
    return m.result;
  } finally {
    ws.close();
  }
}

describe('sessions across kill -9 of a real serve process', () => {
  test('save edits, SIGKILL serve, start it again on the same state folder: everything is back', async () => {
    const state = join(tmp, 'serve-state');
    const first = await startServe(state);
    try {
      await wsCall(first.port, first.token, 'file.open', { path: BELLS });
      await wsCall(first.port, first.token, 'file.state.save', stateFor(BELLS, ['church_bells', 'dog']));
      await wsCall(first.port, first.token, 'session.save', { openFiles: [BELLS], activePath: BELLS, view: { lane: 'stacked' } });
    } finally {
      first.child.kill('SIGKILL');
      await first.exited;
    }
    const second = await startServe(state);
    try {
      const session = await wsCall(second.port, second.token, 'session.get', {});
      expect(session).toMatchObject({ openFiles: [BELLS], activePath: BELLS, view: { lane: 'stacked' }, notices: [] });
      expect(session.recent[0]).toMatchObject({ path: BELLS, segments: 2, reviewed: 2 });
      const bells = await wsCall(second.port, second.token, 'file.state.get', { path: BELLS });
      expect(bells.match).toBe('same');
      expect(bells.state.segments).toEqual(stateFor(BELLS, ['church_bells', 'dog']).segments);
      expect(bells.state.settings.hopS).toBe(2.56);
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
  }, 240_000);
});
