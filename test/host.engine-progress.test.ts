/**
 * The host's engine seam (HostConfig.createEngine) and how a load's progress reaches the UI: a
 * stand-in engine builder reports build progress and waits; the request that started the load
 * and one that joins it later both get "building graph N %" lines (the late one first hears
 * the last line), and both get the same engine once it is up.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { specFromConfigs } from '../app/checkpoint/spec.js';
import type { Engine } from '../app/engine/types.js';
import type { CreateEngine } from '../main/host/host-config.js';
import { testHost } from './support/host.js';
import { rpcClient } from './support/rpc-client.js';

const MODEL = 'ast-tiny-esc10-plain';
const tmp = mkdtempSync(join(tmpdir(), 'fastast-host-engine-progress-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

test('every request waiting on a load hears its build progress, a late one from the last line on', async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let builds = 0;
  const createEngine: CreateEngine = async (dir, opts) => {
    builds++;
    const json = (f: string) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Record<string, unknown>;
    const spec = specFromConfigs(json('config.json'), json('preprocessor_config.json'), dir);
    opts.onProgress?.({ stage: 'weights', fraction: 1 });
    opts.onProgress?.({ stage: 'build', fraction: 0.5 });
    await gate;
    opts.onProgress?.({ stage: 'session', fraction: 1 });
    const engine: Engine = {
      spec,
      ep: 'cpu',
      attempts: [{ ep: 'cpu', ok: true }],
      run: async () => ({}) as never,
      dispose: async () => undefined,
    };
    return { engine, spec, sha256: 'f'.repeat(64), fromCache: false };
  };
  const env = { HF_HUB_CACHE: join(tmp, 'hub'), HF_HOME: join(tmp, 'hf'), HF_HUB_OFFLINE: '1', FASTAST_CACHE_DIR: join(tmp, 'graphs') };
  const host = testHost(tmp, env, createEngine);
  await host.start();
  const client = rpcClient(host);
  try {
    const first = client.call('models.select', { id: MODEL });
    await expect.poll(() => client.events.filter((e) => e.event === 'progress' && (e.data as { id: number }).id === first.id).length).toBeGreaterThan(1);
    const late = client.call('models.select', { id: MODEL });
    const lines = (id: number) =>
      client.events.filter((e) => e.event === 'progress' && (e.data as { id: number }).id === id).map((e) => (e.data as { message: string }).message);
    await expect.poll(() => lines(late.id).length).toBe(1);
    expect(lines(late.id)[0]).toBe('building graph 40 %');
    release();
    const [a, b] = await Promise.all([first.done, late.done]);
    expect(a.ok && b.ok).toBe(true);
    for (const id of [first.id, late.id]) expect(lines(id).at(-1)).toBe('ready');
    expect(lines(first.id)).toContain('reading weights 10 %');
    // The default model, loading on its own since start, and MODEL: one build each.
    expect(builds).toBe(2);
  } finally {
    release();
    client.close();
    await host.dispose();
  }
});
