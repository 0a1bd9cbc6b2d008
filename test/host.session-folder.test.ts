/**
 * The folder view's run is kept with the session: saved through the real host over its RPC, it
 * comes back from the state folder after the host object is gone (no dispose, as after a crash),
 * 5000 files of it included; session.save leaves it alone; bounds are refused naming the field;
 * a corrupt folder.json is set aside with a notice, never a crash.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { MAX_FOLDER_FILES, type FolderRun } from '../app/contract/index.js';
import { Host } from '../main/host/host.js';
import { rpcClient, type RpcTestClient } from './support/rpc-client.js';
import { testHost } from './support/host.js';

const tmp = mkdtempSync(join(tmpdir(), 'fastast-session-folder-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function hostOn(dir: string): Promise<{ host: Host; client: RpcTestClient }> {
  const host = testHost(dir);
  await host.start();
  return { host, client: rpcClient(host) };
}

/** A run over `n` files, with every state a file can be saved in. */
function runOf(n: number, pathChars = 60): FolderRun {
  const dir = join(tmp, 'recordings');
  const states = ['done', 'failed', 'cancelled', 'queued'] as const;
  return {
    dir,
    recursive: true,
    status: 'running',
    settingsLine: 'AST distilled · r = 16 constant · hop 2.56 s · threshold 0.35',
    settings: { modelId: 'ast-distilled', hopS: 2.56, threshold: 0.35, filter: 'bird', merge: { r: 16, shape: 'constant', propAttn: true, protectDistillation: true } },
    files: Array.from({ length: n }, (_, i) => {
      const state = states[i % states.length];
      const name = `site-${String(i).padStart(5, '0')}-`.padEnd(pathChars, 'x') + '.flac';
      return {
        path: join(dir, name),
        state,
        segments: state === 'done' ? i % 7 : 0,
        ...(state === 'done' ? { durationS: 60 + i / 10, ...(i % 3 === 0 ? { kept: true } : {}) } : {}),
        ...(state === 'failed' ? { error: `${name}: not an audio file` } : {}),
      };
    }),
  };
}

describe('the folder run in the session', () => {
  const dir = join(tmp, 'h1');

  test('a 5000-file run saved mid-way is back after the host is gone, and session.save leaves it alone', async () => {
    const run = runOf(MAX_FOLDER_FILES);
    const a = await hostOn(dir);
    expect((await a.client.ok('session.get', {})).folder).toBe(null);
    await a.client.ok('session.folder.save', { run });
    await a.client.ok('session.save', { openFiles: [], activePath: null, view: { lowerTab: 'segments' } });
    a.client.close();
    // No dispose: a host that vanished without shutting down.
    const b = await hostOn(dir);
    const session = await b.client.ok('session.get', {});
    expect(session.folder).toEqual(run);
    expect(session.folder.files.filter((f: { kept?: boolean }) => f.kept).length).toBe(run.files.filter((f) => f.kept).length);
    expect(session.view).toEqual({ lowerTab: 'segments' });
    expect(session.notices).toEqual([]);
    // What is on disk is the run, in its own file apart from session.json.
    const doc = JSON.parse(readFileSync(join(dir, 'state', 'session', 'folder.json'), 'utf8'));
    expect(doc).toMatchObject({ format: 'fastast-folder-run', version: 1 });
    expect(doc.run.files.length).toBe(MAX_FOLDER_FILES);
    expect(readFileSync(join(dir, 'state', 'session', 'session.json'), 'utf8')).not.toContain('site-00000');

    // A later save replaces it; null forgets it.
    const finished = { ...runOf(3), status: 'finished' as const };
    await b.client.ok('session.folder.save', { run: finished });
    expect((await b.client.ok('session.get', {})).folder).toEqual(finished);
    await b.client.ok('session.folder.save', { run: null });
    b.client.close();
    await b.host.dispose();
    const c = await hostOn(dir);
    expect((await c.client.ok('session.get', {})).folder).toBe(null);
    c.client.close();
    await c.host.dispose();
    await a.host.dispose();
  });

  test('bounds: more files than a run holds, or too many bytes, are refused naming the field; nothing is written', async () => {
    const d = await hostOn(join(tmp, 'h2'));
    const many = await d.client.fails('session.folder.save', { run: runOf(MAX_FOLDER_FILES + 1) });
    expect(many.code).toBe('BAD_REQUEST');
    expect(many.message).toMatch(/run\.files: more than 5000 items/);
    const long = await d.client.fails('session.folder.save', { run: runOf(2000, 3000) });
    expect(long.code).toBe('BAD_REQUEST');
    expect(long.message).toMatch(/run: \d+ bytes of folder run; at most 4194304/);
    const bad = await d.client.fails('session.folder.save', { run: { ...runOf(1), status: 'paused' } });
    expect(bad.message).toMatch(/run\.status: expected one of running, cancelled, finished/);
    expect(existsSync(join(tmp, 'h2', 'state', 'session', 'folder.json'))).toBe(false);
    expect((await d.client.ok('session.get', {})).folder).toBe(null);
    d.client.close();
    await d.host.dispose();
  });

  test('a corrupt folder.json is set aside with a notice; the session goes on and saves again', async () => {
    const e = await hostOn(join(tmp, 'h3'));
    await e.client.ok('session.folder.save', { run: runOf(4) });
    e.client.close();
    await e.host.dispose();
    const file = join(tmp, 'h3', 'state', 'session', 'folder.json');
    writeFileSync(file, JSON.stringify({ format: 'fastast-folder-run', version: 1, run: { ...runOf(4), files: 'all of them' } }));
    const f = await hostOn(join(tmp, 'h3'));
    const session = await f.client.ok('session.get', {});
    expect(session.folder).toBe(null);
    expect(session.notices.join('\n')).toMatch(/the folder view's last run could not be read .*set aside as .*folder\.json\.corrupt/);
    expect(existsSync(`${file}.corrupt`)).toBe(true);
    await f.client.ok('session.folder.save', { run: runOf(2) });
    expect((await f.client.ok('session.get', {})).folder.files.length).toBe(2);
    f.client.close();
    await f.host.dispose();
  });
});
