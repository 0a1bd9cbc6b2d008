/**
 * The model store through the real host over its RPC transport: the list of bundled, hub-cache
 * and imported models (bad ones skipped with a reason, never breaking hello), a pull from a
 * local hub server with progress and cancel, the import of an original-AST .pth that then
 * analyses a clip, labels with the AudioSet ontology, and remove.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Host } from '../main/host/host.js';
import { CONFIG, TINY_REPO, WEIGHTS } from './support/hub-fixture.js';
import { gitOid, sha256, startFakeHub, type FakeHub, type FakeRepo } from './support/hub-server.js';
import { testHost } from './support/host.js';
import { rpcClient, type RpcTestClient } from './support/rpc-client.js';

const ROOT = resolve(import.meta.dirname, '..');
const CLIP = join(ROOT, 'data', 'demo', 'church_bells_inspectorj_371267.flac');
const PTH = join(ROOT, 'test', 'fixtures', 'torch-checkpoints', 'ast-repo-micro.pth');
const TINY_DIR = join(ROOT, 'test', 'fixtures', 'tiny-ast');

const tmp = mkdtempSync(join(tmpdir(), 'fastast-host-models-'));
const cache = join(tmp, 'hub');
const state = join(tmp, 'state');
const CACHED = { repoId: 'py-org/cached-ast', commit: 'aaaaaaaaaabbbbbbbbbbccccccccccdddddddddd' };
/** Served by the hub, slowly: the pull that is cancelled. */
const SLOW_REPO: FakeRepo = { repoId: 'test-org/slow-ast', commit: '1111111111222222222233333333334444444444', files: { 'config.json': CONFIG, 'model.safetensors': WEIGHTS } };

let hub: FakeHub;
let host: Host;
let client: RpcTestClient;
const ok = (method: string, params: unknown) => client.ok(method, params);

/** A repo in the hub cache as Python's huggingface_hub writes it: blobs by etag, relative symlinks, refs/main. */
function writePythonCacheRepo(repoId: string, commit: string, files: Record<string, Buffer>): void {
  const repo = join(cache, `models--${repoId.replace('/', '--')}`);
  const snap = join(repo, 'snapshots', commit);
  mkdirSync(join(repo, 'blobs'), { recursive: true });
  mkdirSync(snap, { recursive: true });
  mkdirSync(join(repo, 'refs'), { recursive: true });
  for (const [name, bytes] of Object.entries(files)) {
    const etag = name.endsWith('.safetensors') ? sha256(bytes) : gitOid(bytes);
    writeFileSync(join(repo, 'blobs', etag), bytes);
    symlinkSync(`../../blobs/${etag}`, join(snap, name));
  }
  writeFileSync(join(repo, 'refs', 'main'), commit);
}

/** A copy of the tiny model whose config.json is changed by `edit`. */
function badModel(name: string, edit: (config: Record<string, unknown>) => void): string {
  const dir = join(tmp, name);
  mkdirSync(dir);
  const config = JSON.parse(readFileSync(join(TINY_DIR, 'config.json'), 'utf8'));
  edit(config);
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  writeFileSync(join(dir, 'model.safetensors'), WEIGHTS);
  return dir;
}

const longLabel = badModel('bad-long-label', (c) => ((c.id2label as Record<string, string>)['3'] = 'x'.repeat(300)));
const manyLayers = badModel('bad-300-layers', (c) => (c.num_hidden_layers = 300));
const gone = join(tmp, 'gone-model');

beforeAll(async () => {
  hub = await startFakeHub([TINY_REPO, SLOW_REPO]);
  writePythonCacheRepo(CACHED.repoId, CACHED.commit, { 'config.json': CONFIG, 'model.safetensors': WEIGHTS });
  // Not an AST: a user's other downloads are left out of the list.
  writePythonCacheRepo('py-org/some-llm', 'eeeeeeeeeeffffffffff0000000000aaaaaaaaaa', { 'config.json': Buffer.from('{"model_type":"llama"}'), 'model.safetensors': WEIGHTS });
  mkdirSync(state, { recursive: true });
  writeFileSync(join(state, 'settings.json'), JSON.stringify({ lastMerge: null, imported: [longLabel, manyLayers, gone] }));
  host = testHost(tmp, { HF_ENDPOINT: hub.endpoint, HF_HUB_CACHE: cache, HF_HOME: join(tmp, 'hf-home'), FASTAST_CACHE_DIR: join(tmp, 'graph-cache') });
  await host.start();
  client = rpcClient(host);
});

afterAll(async () => {
  client.close();
  await host.dispose();
  await hub.close();
  await rm(tmp, { recursive: true, force: true });
});

const ids = (models: { id: string }[]) => models.map((m) => m.id).sort();

describe('host model store', () => {
  test('list: bundled and the hub cache written by Python; bad models skipped with a reason, hello unharmed', async () => {
    const { models, skipped } = await ok('models.list', {});
    expect(ids(models)).toEqual(['ast-tiny-esc10-cmkd', 'ast-tiny-esc10-plain', 'py-org--cached-ast']);
    const bundled = models.find((m: { id: string }) => m.id === 'ast-tiny-esc10-cmkd');
    expect(bundled).toMatchObject({ source: 'bundled', bundled: true, hub: null, classes: 10, multiLabel: false, windowS: 5.12 });
    expect(bundled.bytes).toBeGreaterThan(1000);
    const cached = models.find((m: { id: string }) => m.id === 'py-org--cached-ast');
    expect(cached).toMatchObject({
      source: 'hub',
      bundled: false,
      name: CACHED.repoId,
      hub: { repoId: CACHED.repoId, revision: 'main', commit: CACHED.commit },
      bytes: CONFIG.length + WEIGHTS.length,
      classes: 10,
      windowS: 10.24,
      dir: join(cache, 'models--py-org--cached-ast', 'snapshots', CACHED.commit),
    });
    // 4 bytes per float32 weight, and the safetensors header on top.
    expect(cached.params).toBeGreaterThan(0.99 * (WEIGHTS.length / 4));
    expect(cached.params).toBeLessThan(WEIGHTS.length / 4);

    expect(skipped.map((s: { path: string }) => s.path).sort()).toEqual([manyLayers, longLabel, gone]);
    expect(skipped.find((s: { path: string }) => s.path === gone).reason).toMatch(/the folder is gone/);
    expect(skipped.find((s: { path: string }) => s.path === longLabel).reason).toMatch(/labels\[3\]: longer than 256 characters/);
    expect(skipped.find((s: { path: string }) => s.path === manyLayers).reason).toMatch(/numLayers: 300 is above 256/);

    const hello = await ok('hello', {});
    expect(ids(hello.models)).toEqual(ids(models));
    expect(hello.activeModel).toBe('ast-tiny-esc10-cmkd');
  });

  test('pull: progress events with bytes, rate and ETA; the model is listed and loads', async () => {
    const call = client.call('models.pull', { repoId: TINY_REPO.repoId });
    const res = await call.done;
    if (!res.ok) throw new Error(res.error.message);
    const { model, cached } = res.result as { model: { id: string; source: string; hub: unknown }; cached: boolean };
    expect(cached).toBe(false);
    expect(model).toMatchObject({ id: 'test-org--tiny-ast', source: 'hub', hub: { repoId: TINY_REPO.repoId, revision: 'main', commit: TINY_REPO.commit } });

    const progress = client.events.filter((e) => e.event === 'models.progress' && (e.data as { id: number }).id === call.id).map((e) => e.data as Record<string, number>);
    expect(progress.length).toBeGreaterThan(0);
    const last = progress[progress.length - 1];
    expect(last).toMatchObject({ repoId: TINY_REPO.repoId, file: 'model.safetensors', fileBytes: WEIGHTS.length, fileSize: WEIGHTS.length });
    expect(last.bytes).toBe(last.totalBytes);
    expect(last.bytesPerSecond).toBeGreaterThan(0);

    expect(ids((await ok('models.list', {})).models)).toContain('test-org--tiny-ast');
    const sel = await ok('models.select', { id: 'test-org--tiny-ast' });
    expect(sel.engine.ep).toBe('cpu');
    expect(sel.model.numTokens).toBe(1214);
  });

  test('cancel mid-pull: CANCELLED, and nothing of the repo is listed', async () => {
    hub.knobs.chunkDelayMs = 40;
    try {
      const call = client.call('models.pull', { repoId: SLOW_REPO.repoId });
      const started = Date.now();
      while (!client.events.some((e) => e.event === 'models.progress' && (e.data as { id: number; file: string }).id === call.id && (e.data as { file: string }).file === 'model.safetensors')) {
        if (Date.now() - started > 10_000) throw new Error('no progress event for the weights');
        await new Promise((r) => setTimeout(r, 10));
      }
      client.cancel(call.id);
      const res = await call.done;
      expect(!res.ok && res.error.code).toBe('CANCELLED');
    } finally {
      delete hub.knobs.chunkDelayMs;
    }
    const { models, skipped } = await ok('models.list', {});
    expect(ids(models)).not.toContain('test-org--slow-ast');
    expect(skipped.map((s: { path: string }) => s.path).filter((p: string) => p.includes('slow-ast'))).toEqual([]);
    const snapshot = join(cache, 'models--test-org--slow-ast', 'snapshots', SLOW_REPO.commit);
    expect(existsSync(join(snapshot, 'model.safetensors'))).toBe(false);
  });

  test('inspect then import an original AST .pth; the imported model analyses a clip', async () => {
    const report = await ok('models.inspect', { path: PTH });
    expect(report).toMatchObject({ hiddenSize: 128, numLayers: 2, numHeads: 2, intermediateSize: 512, classes: 527, freqPatches: 12, timePatches: 101, maxLength: 1024, windowS: 10.24, multiLabel: true });
    expect(report.labelsPreview[0]).toBe('Speech');
    expect(report.assumed.join('\n')).toMatch(/heads/);
    expect(report.inferred.join('\n')).toMatch(/hidden size 128/);
    expect(existsSync(join(state, 'models'))).toBe(false); // inspect writes nothing

    const overridden = await ok('models.inspect', { path: PTH, overrides: { mean: -5, std: 3 } });
    expect(overridden).toMatchObject({ mean: -5, std: 3 });
    expect(overridden.assumed.join('\n')).not.toMatch(/normalisation/);

    // A pickle that would run code is refused by name, and nothing is written.
    const refused = await client.fails('models.import', { path: join(ROOT, 'test', 'fixtures', 'torch-checkpoints', 'runs-code.bin') });
    expect(refused.message).toMatch(/builtins/);
    expect(existsSync(join(state, 'models'))).toBe(false);

    const { model, report: imported } = await ok('models.import', { path: PTH });
    expect(imported).toEqual(report);
    expect(model).toMatchObject({ id: 'ast-repo-micro', source: 'imported', dir: join(state, 'models', 'ast-repo-micro'), classes: 527, multiLabel: true, numLayers: 2 });
    expect(existsSync(join(model.dir, 'model.safetensors'))).toBe(true);
    expect(JSON.parse(readFileSync(join(state, 'settings.json'), 'utf8')).imported).toContain(model.dir);

    await ok('models.select', { id: model.id });
    const f = await ok('file.open', { path: CLIP });
    const a = await ok('analysis.run', { fileId: f.fileId, hopS: 10.24, merge: null });
    expect(a.modelId).toBe('ast-repo-micro');
    expect(a.classes).toBe(527);
    expect(a.multiLabel).toBe(true);
    expect(a.scores.length).toBe(a.starts.length * 527);
    expect(Array.from(a.scores as Float32Array).every((x) => x >= 0 && x <= 1)).toBe(true);
  });

  test('labels: AudioSet labels come with their ontology ancestors; others with none', async () => {
    const { ontology, labels } = await ok('models.labels', { id: 'ast-repo-micro' });
    expect(ontology).toBe('audioset');
    expect(labels.length).toBe(527);
    const bark = labels.find((l: { name: string }) => l.name === 'Bark');
    expect(bark.ancestors).toEqual(expect.arrayContaining(['Animal', 'Domestic animals, pets', 'Dog']));
    expect(bark.ancestors[0]).toBe('Animal'); // root first
    const tiny = await ok('models.labels', { id: 'ast-tiny-esc10-cmkd' });
    expect(tiny.ontology).toBeNull();
    expect(tiny.labels.every((l: { ancestors: string[] }) => l.ancestors.length === 0)).toBe(true);
  });

  test('remove: bundled refused; imported and hub models go from disk and list; the active one falls back', async () => {
    const refused = await client.fails('models.remove', { id: 'ast-tiny-esc10-plain' });
    expect(refused.code).toBe('USAGE');

    const dir = join(state, 'models', 'ast-repo-micro');
    expect((await ok('hello', {})).activeModel).toBe('ast-repo-micro');
    const micro = await ok('models.remove', { id: 'ast-repo-micro' });
    expect(micro.removed).toEqual(['ast-repo-micro']);
    expect(micro.freedBytes).toBeGreaterThan(0);
    expect(existsSync(dir)).toBe(false);
    expect(JSON.parse(readFileSync(join(state, 'settings.json'), 'utf8')).imported).not.toContain(dir);
    expect((await ok('hello', {})).activeModel).toBe('ast-tiny-esc10-cmkd');

    const hubGone = await ok('models.remove', { id: 'test-org--tiny-ast' });
    expect(hubGone.removed).toEqual(['test-org--tiny-ast']);
    expect(hubGone.freedBytes).toBeGreaterThanOrEqual(WEIGHTS.length);
    expect(existsSync(join(cache, 'models--test-org--tiny-ast'))).toBe(false);
    expect(ids((await ok('models.list', {})).models)).toEqual(['ast-tiny-esc10-cmkd', 'ast-tiny-esc10-plain', 'py-org--cached-ast']);
    expect((await client.fails('models.remove', { id: 'test-org--tiny-ast' })).code).toBe('NO_MODEL');

    // A skipped folder has no id: it is forgotten by its path, and its files stay.
    expect(await ok('models.remove', { path: longLabel })).toEqual({ removed: [], freedBytes: 0 });
    expect((await ok('models.list', {})).skipped.map((s: { path: string }) => s.path)).toEqual([manyLayers, gone]);
    expect(existsSync(join(longLabel, 'config.json'))).toBe(true);
  });
});
