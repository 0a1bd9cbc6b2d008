import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCheckpoint } from '../app/checkpoint/load.js';
import { hubCacheDir } from '../app/models/hub-cache.js';
import { listBundled, listHubCache } from '../app/models/list.js';
import { resolveModelSource } from '../app/models/resolve.js';
import { CONFIG, tempDir, WEIGHTS } from './support/hub-fixture.js';
import { gitOid, sha256, startFakeHub, type FakeHub } from './support/hub-server.js';

const MODELS = resolve(import.meta.dirname, '..', 'models');
const COMMIT = '89abcdef0123456789abcdef0123456789abcdef';
const OLD_COMMIT = '1111111111111111111111111111111111111111';

let cache: string;
let hub: FakeHub;
let env: NodeJS.ProcessEnv;

/** A repo as Python's huggingface_hub leaves it, written by hand: blobs, relative symlinks, refs. */
async function writePythonCache(repoFolder: string, files: Record<string, Buffer>, commit: string, refs: Record<string, string>): Promise<void> {
  const root = join(cache, repoFolder);
  await mkdir(join(root, 'blobs'), { recursive: true });
  await mkdir(join(root, 'snapshots', commit), { recursive: true });
  for (const [name, bytes] of Object.entries(files)) {
    const etag = name.endsWith('.safetensors') ? sha256(bytes) : gitOid(bytes);
    await writeFile(join(root, 'blobs', etag), bytes);
    await symlink(`../../blobs/${etag}`, join(root, 'snapshots', commit, name));
  }
  await mkdir(join(root, 'refs'), { recursive: true });
  for (const [ref, c] of Object.entries(refs)) await writeFile(join(root, 'refs', ref), c);
}

beforeAll(async () => {
  cache = await tempDir('fastast-py-cache-');
  // A server that must stay unasked: every lookup below is local.
  hub = await startFakeHub([]);
  env = { HF_HUB_CACHE: cache, HF_ENDPOINT: hub.endpoint };
  await writePythonCache('models--py-org--py-ast', { 'config.json': CONFIG, 'model.safetensors': WEIGHTS }, COMMIT, { main: COMMIT });
  await writePythonCache('models--py-org--py-ast', { 'config.json': CONFIG, 'model.safetensors': WEIGHTS }, OLD_COMMIT, { v1: OLD_COMMIT });
  // A language model a Python user also has: listed by nobody here, and not an AST.
  await writePythonCache('models--other--bert', { 'config.json': Buffer.from('{"model_type":"bert"}'), 'model.safetensors': Buffer.from('x') }, COMMIT, { main: COMMIT });
  // Config downloaded, weights not (an interrupted Python download): not a usable model.
  await writePythonCache('models--py-org--half', { 'config.json': CONFIG }, COMMIT, { main: COMMIT });
});

afterAll(async () => {
  await hub.close();
  await rm(cache, { recursive: true, force: true });
});

describe('resolveModelSource', () => {
  it('finds a model that Python put in the hub cache, by repo id, branch, tag or commit, without a request', async () => {
    const src = await resolveModelSource('py-org/py-ast', { env });
    expect(src).toEqual({
      kind: 'folder',
      dir: join(cache, 'models--py-org--py-ast', 'snapshots', COMMIT),
      source: { type: 'hub', repoId: 'py-org/py-ast', revision: 'main', commit: COMMIT },
      label: 'py-org/py-ast',
    });
    const ckpt = await loadCheckpoint((src as { dir: string }).dir);
    expect(ckpt.sha256).toBe(sha256(WEIGHTS));

    expect(await resolveModelSource('py-org/py-ast@v1', { env })).toMatchObject({ dir: join(cache, 'models--py-org--py-ast', 'snapshots', OLD_COMMIT), label: 'py-org/py-ast@v1' });
    expect(await resolveModelSource(`py-org/py-ast@${OLD_COMMIT}`, { env })).toMatchObject({ source: { commit: OLD_COMMIT } });
    expect(hub.requests).toEqual([]);
  });

  it('a repo missing from the cache (or only half there) says to pull it; with HF_HUB_OFFLINE it says why it cannot', async () => {
    await expect(resolveModelSource('py-org/absent', { env })).rejects.toMatchObject({ code: 'MODEL_NOT_CACHED', message: expect.stringContaining('fastast models pull py-org/absent') });
    await expect(resolveModelSource('py-org/half', { env })).rejects.toMatchObject({ code: 'MODEL_NOT_CACHED' });
    await expect(resolveModelSource('py-org/py-ast@v2', { env })).rejects.toMatchObject({ message: expect.stringContaining('fastast models pull py-org/py-ast --revision v2') });
    await expect(resolveModelSource('py-org/absent', { env: { ...env, HF_HUB_OFFLINE: '1' } })).rejects.toMatchObject({ message: expect.stringMatching(/HF_HUB_OFFLINE is set/) });
    expect(hub.requests).toEqual([]);
  });

  it('a folder on disk wins over a repo id of the same spelling; a bundled name and a .pth are recognised', async () => {
    const rel = await resolveModelSource('models/ast-tiny-esc10-plain', { env });
    expect(rel).toEqual({ kind: 'folder', dir: join(MODELS, 'ast-tiny-esc10-plain'), source: { type: 'folder' }, label: 'ast-tiny-esc10-plain' });
    expect(await resolveModelSource('ast-tiny-esc10-cmkd', { env, bundledDir: MODELS })).toMatchObject({ dir: join(MODELS, 'ast-tiny-esc10-cmkd'), source: { type: 'bundled' } });

    const pth = join(cache, 'audioset_10_10_0.4593.pth');
    await writeFile(pth, 'PK');
    expect(await resolveModelSource(pth, { env })).toEqual({ kind: 'pth', path: pth });
    await expect(resolveModelSource(join(cache, 'missing.pth'), { env })).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
    await expect(resolveModelSource('not a model', { env })).rejects.toMatchObject({ code: 'FILE_NOT_FOUND', message: expect.stringMatching(/not a hub repo id/) });
  });

  it('the cache folder follows Python: HF_HUB_CACHE, then HF_HOME/hub, then XDG_CACHE_HOME, then ~/.cache', () => {
    expect(hubCacheDir({ HF_HUB_CACHE: '/a', HF_HOME: '/b' })).toBe('/a');
    expect(hubCacheDir({ HF_HOME: '/b', XDG_CACHE_HOME: '/c' })).toBe(join('/b', 'hub'));
    expect(hubCacheDir({ XDG_CACHE_HOME: '/c' })).toBe(join('/c', 'huggingface', 'hub'));
    expect(hubCacheDir({})).toMatch(/[/\\]\.cache[/\\]huggingface[/\\]hub$/);
  });
});

describe('installed models', () => {
  it('lists the bundled models and every cached AST revision with its refs and size, not other models', async () => {
    const bundled = await listBundled(MODELS);
    expect(bundled.map((m) => m.id)).toEqual(['ast-tiny-esc10-cmkd', 'ast-tiny-esc10-plain']);
    expect(bundled.every((m) => m.bytes > 10_000_000)).toBe(true);

    const cached = await listHubCache(cache);
    expect(cached.map((m) => [m.id, m.commit, m.refs])).toEqual([
      ['py-org/py-ast', COMMIT, ['main']],
      ['py-org/py-ast@v1', OLD_COMMIT, ['v1']],
    ]);
    expect(cached[0].bytes).toBe(CONFIG.length + WEIGHTS.length);
    expect(await listHubCache(join(cache, 'nothing-here'))).toEqual([]);
  });
});
