import { lstat, mkdir, readFile, readlink, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { pullModel, type PullProgress } from '../app/models/download.js';
import { repoDir } from '../app/models/hub-cache.js';
import { resolveModelSource } from '../app/models/resolve.js';
import { CONFIG, GATED_REPO, PREPROCESSOR, tempDir, TINY_REPO, WEIGHTS } from './support/hub-fixture.js';
import { gitOid, sha256, startFakeHub, type FakeHub } from './support/hub-server.js';

let hub: FakeHub;
let cache: string;
let env: NodeJS.ProcessEnv;
const dirs: string[] = [];
const repo = () => repoDir(cache, TINY_REPO.repoId);
const snapshot = () => join(repo(), 'snapshots', TINY_REPO.commit);
const weightsBlob = () => join(repo(), 'blobs', sha256(WEIGHTS));

async function exists(p: string): Promise<boolean> {
  try {
    await lstat(p);
    return true;
  } catch {
    return false;
  }
}

const cdnRequests = () => hub.requests.filter((r) => r.server === 'cdn');
/** Bytes of the weights the server sent beyond one copy: what a resume failed to save. */
const sentTwice = () => (hub.bytesSent.get(sha256(WEIGHTS)) ?? 0) - WEIGHTS.length;

beforeAll(async () => {
  hub = await startFakeHub([TINY_REPO, GATED_REPO]);
});

afterAll(async () => {
  await hub.close();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

beforeEach(async () => {
  for (const k of Object.keys(hub.knobs)) delete hub.knobs[k as keyof typeof hub.knobs];
  hub.requests.length = 0;
  hub.bytesSent.clear();
  cache = await tempDir('fastast-hub-cache-');
  dirs.push(cache);
  // HF_HOME too, so a token saved on this machine by `huggingface-cli login` stays out of the tests.
  env = { HF_ENDPOINT: hub.endpoint, HF_HUB_CACHE: cache, HF_HOME: cache };
});

describe('fastast models pull (against a local hub)', () => {
  it('writes Python\'s cache layout: blobs by etag, relative snapshot symlinks, refs/main; only the needed files', async () => {
    const progress: PullProgress[] = [];
    const res = await pullModel(TINY_REPO.repoId, { env, onProgress: (p) => progress.push(p) });
    expect(res).toMatchObject({ repoId: TINY_REPO.repoId, revision: 'main', commit: TINY_REPO.commit, dir: snapshot(), cached: false });
    expect(res.files.map((f) => f.path)).toEqual(['config.json', 'preprocessor_config.json', 'model.safetensors']);

    expect(await readFile(join(repo(), 'refs', 'main'), 'utf8')).toBe(TINY_REPO.commit);
    expect((await readdir(snapshot())).sort()).toEqual(['config.json', 'model.safetensors', 'preprocessor_config.json']);
    const expected: [string, Buffer, string][] = [
      ['config.json', CONFIG, gitOid(CONFIG)],
      ['preprocessor_config.json', PREPROCESSOR, gitOid(PREPROCESSOR)],
      ['model.safetensors', WEIGHTS, sha256(WEIGHTS)],
    ];
    for (const [name, bytes, etag] of expected) {
      const link = join(snapshot(), name);
      expect((await lstat(link)).isSymbolicLink()).toBe(true);
      expect(await readlink(link)).toBe(`../../blobs/${etag}`);
      expect((await readFile(link)).equals(bytes)).toBe(true);
    }
    expect((await readdir(join(repo(), 'blobs'))).filter((f) => f.endsWith('.incomplete'))).toEqual([]);

    // Only the three files were fetched: not pytorch_model.bin, not README.md.
    const fetched = hub.requests.filter((r) => r.url.includes('/resolve/')).map((r) => r.url.split('/').pop());
    expect(fetched.sort()).toEqual(['config.json', 'model.safetensors', 'preprocessor_config.json']);
    expect(sentTwice()).toBe(0);

    const last = progress[progress.length - 1];
    expect(last).toMatchObject({ file: 'model.safetensors', fileBytes: WEIGHTS.length, bytes: last.totalBytes });
    expect(last.totalBytes).toBe(CONFIG.length + PREPROCESSOR.length + WEIGHTS.length);
    expect(last.bytesPerSecond).toBeGreaterThan(0);
    expect(last.etaSeconds).toBe(0);

    // A second pull asks the hub which commit main is, finds it cached, and transfers nothing.
    hub.requests.length = 0;
    const again = await pullModel(TINY_REPO.repoId, { env });
    expect(again.cached).toBe(true);
    expect(hub.requests.map((r) => r.url.split('?')[0])).toEqual([`/api/models/${TINY_REPO.repoId}/revision/main`]);
  });

  it('a connection dropped mid-body is resumed with a Range request: almost no byte is sent twice', async () => {
    hub.knobs.dropAfter = 700_000;
    const res = await pullModel(TINY_REPO.repoId, { env });
    expect(res.cached).toBe(false);
    const weightRequests = cdnRequests();
    expect(weightRequests).toHaveLength(2);
    expect(weightRequests[0].range).toBeUndefined();
    const resumedAt = Number(/^bytes=(\d+)-$/.exec(weightRequests[1].range ?? '')?.[1]);
    expect(resumedAt).toBeGreaterThan(0);
    expect(sentTwice()).toBeLessThanOrEqual(65_536);
    expect((await readFile(join(snapshot(), 'model.safetensors'))).equals(WEIGHTS)).toBe(true);
  });

  it('a cancelled pull keeps blobs/<sha>.incomplete and exposes nothing; the next pull continues from it', async () => {
    hub.knobs.chunkDelayMs = 15;
    const ctl = new AbortController();
    const pull = pullModel(TINY_REPO.repoId, {
      env,
      signal: ctl.signal,
      onProgress: (p) => p.file === 'model.safetensors' && p.fileBytes > 400_000 && ctl.abort(),
    });
    await expect(pull).rejects.toMatchObject({ code: 'CANCELLED' });
    const part = (await stat(`${weightsBlob()}.incomplete`)).size;
    expect(part).toBeGreaterThan(400_000);
    expect(part).toBeLessThan(WEIGHTS.length);
    expect(await exists(weightsBlob())).toBe(false);
    expect(await exists(join(snapshot(), 'model.safetensors'))).toBe(false);
    expect(await exists(join(repo(), 'refs', 'main'))).toBe(false);
    await expect(resolveModelSource(TINY_REPO.repoId, { env })).rejects.toMatchObject({ code: 'MODEL_NOT_CACHED' });

    hub.knobs.chunkDelayMs = 0;
    hub.requests.length = 0;
    const how: string[] = [];
    await pullModel(TINY_REPO.repoId, { env, onFile: (f, h, from) => how.push(`${f.path}:${h}:${from}`) });
    expect(how).toContain(`model.safetensors:resume:${part}`);
    expect(how).toContain('config.json:cached:' + CONFIG.length);
    expect(cdnRequests().map((r) => r.range)).toEqual([`bytes=${part}-`]);
    expect(sentTwice()).toBeLessThanOrEqual(65_536);
    expect((await readFile(join(snapshot(), 'model.safetensors'))).equals(WEIGHTS)).toBe(true);
  });

  it('--revision COMMIT pulls that snapshot without writing a ref; ORG/NAME@BRANCH writes refs/BRANCH', async () => {
    const res = await pullModel(TINY_REPO.repoId, { env, revision: TINY_REPO.commit });
    expect(res.dir).toBe(snapshot());
    expect(await exists(join(repo(), 'refs'))).toBe(false);
    expect(await resolveModelSource(`${TINY_REPO.repoId}@${TINY_REPO.commit}`, { env })).toMatchObject({ dir: snapshot() });
    await expect(resolveModelSource(TINY_REPO.repoId, { env })).rejects.toMatchObject({ code: 'MODEL_NOT_CACHED' });
    await pullModel(`${TINY_REPO.repoId}@main`, { env });
    expect(await readFile(join(repo(), 'refs', 'main'), 'utf8')).toBe(TINY_REPO.commit);
    await expect(pullModel(`${TINY_REPO.repoId}@main`, { env, revision: 'v2' })).rejects.toMatchObject({ code: 'USAGE' });
  });

  it('a partial file the server will not continue (Range ignored) is started over; a wrong partial file is caught by the hash and dropped', async () => {
    const configBlob = join(repo(), 'blobs', gitOid(CONFIG));
    await mkdir(join(repo(), 'blobs'), { recursive: true });
    // The hub serves plain files whole (200) even when asked for a range: the 7 bytes are replaced.
    await writeFile(`${configBlob}.incomplete`, 'garbage');
    // Bytes that are not a prefix of the weights: resuming after them cannot give the right sha256.
    await writeFile(`${weightsBlob()}.incomplete`, Buffer.alloc(1000, 1));
    await expect(pullModel(TINY_REPO.repoId, { env })).rejects.toMatchObject({ code: 'DOWNLOAD_FAILED', message: expect.stringMatching(/sha256 is/) });
    expect((await readFile(configBlob)).equals(CONFIG)).toBe(true);
    expect(await exists(`${weightsBlob()}.incomplete`)).toBe(false);
    expect(cdnRequests()[0].range).toBe('bytes=1000-');

    await pullModel(TINY_REPO.repoId, { env });
    expect((await readFile(join(snapshot(), 'model.safetensors'))).equals(WEIGHTS)).toBe(true);
  });

  it('bytes that do not match the LFS sha256 are rejected: no blob, no snapshot file, no ref, no partial file', async () => {
    hub.knobs.corrupt = true;
    await expect(pullModel(TINY_REPO.repoId, { env })).rejects.toMatchObject({ code: 'DOWNLOAD_FAILED', message: expect.stringMatching(/model\.safetensors: sha256 is [0-9a-f]{64}, expected [0-9a-f]{64}/) });
    expect(await exists(weightsBlob())).toBe(false);
    expect(await exists(`${weightsBlob()}.incomplete`)).toBe(false);
    expect(await exists(join(snapshot(), 'model.safetensors'))).toBe(false);
    expect(await exists(join(repo(), 'refs', 'main'))).toBe(false);
    await expect(resolveModelSource(TINY_REPO.repoId, { env })).rejects.toMatchObject({ code: 'MODEL_NOT_CACHED' });
  });

  it('a gated repo answers 401 without a token (the error says to set HF_TOKEN) and downloads with HF_TOKEN; the CDN never sees the token', async () => {
    await expect(pullModel(GATED_REPO.repoId, { env })).rejects.toMatchObject({ code: 'DOWNLOAD_FAILED', message: expect.stringMatching(/401.*set HF_TOKEN/) });
    expect(await exists(repoDir(cache, GATED_REPO.repoId))).toBe(false);

    hub.requests.length = 0;
    const res = await pullModel(GATED_REPO.repoId, { env: { ...env, HF_TOKEN: GATED_REPO.token } });
    expect(res.cached).toBe(false);
    const hubCalls = hub.requests.filter((r) => r.server === 'hub');
    expect(hubCalls.length).toBeGreaterThanOrEqual(3);
    for (const r of hubCalls) expect(r.authorization).toBe(`Bearer ${GATED_REPO.token}`);
    expect(cdnRequests()).toHaveLength(1);
    expect(cdnRequests()[0].authorization).toBeUndefined();

    // The token Python's `huggingface-cli login` saved under HF_HOME serves as well.
    const home = await tempDir('fastast-hf-home-');
    dirs.push(home);
    await writeFile(join(home, 'token'), `${GATED_REPO.token}\n`);
    const other = await tempDir('fastast-hub-cache-');
    dirs.push(other);
    expect(await pullModel(GATED_REPO.repoId, { env: { ...env, HF_HUB_CACHE: other, HF_HOME: home } })).toMatchObject({ cached: false });
  });

  it('404, 500 and a stalled server fail with a message that says which, and leave no usable model behind', async () => {
    await expect(pullModel('test-org/no-such-model', { env })).rejects.toMatchObject({ code: 'DOWNLOAD_FAILED', message: expect.stringMatching(/not found on the hub \(404/) });
    await expect(pullModel(TINY_REPO.repoId, { env, revision: 'no-such-branch' })).rejects.toMatchObject({ message: expect.stringMatching(/404.*--revision/) });

    hub.knobs.status = 500;
    await expect(pullModel(TINY_REPO.repoId, { env })).rejects.toMatchObject({ code: 'DOWNLOAD_FAILED', message: expect.stringMatching(/answered 500/) });
    delete hub.knobs.status;

    hub.knobs.stall = true;
    const t0 = Date.now();
    await expect(pullModel(TINY_REPO.repoId, { env, stallTimeoutMs: 400 })).rejects.toMatchObject({ code: 'DOWNLOAD_FAILED', message: expect.stringMatching(/model\.safetensors: the transfer stalled \(no data for 0\.4 s\)/) });
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(await exists(weightsBlob())).toBe(false);
    await expect(resolveModelSource(TINY_REPO.repoId, { env })).rejects.toMatchObject({ code: 'MODEL_NOT_CACHED' });
  });

  it('HF_HUB_OFFLINE=1: a cached model is used with zero requests; an uncached one is a clear error, also with zero requests', async () => {
    await pullModel(TINY_REPO.repoId, { env });
    hub.requests.length = 0;
    const offline = { ...env, HF_HUB_OFFLINE: '1' };
    const res = await pullModel(TINY_REPO.repoId, { env: offline });
    expect(res).toMatchObject({ cached: true, commit: TINY_REPO.commit, dir: snapshot() });
    expect(await resolveModelSource(TINY_REPO.repoId, { env: offline })).toMatchObject({ kind: 'folder', dir: snapshot() });
    await expect(pullModel(GATED_REPO.repoId, { env: offline })).rejects.toMatchObject({ code: 'MODEL_NOT_CACHED', message: expect.stringMatching(/HF_HUB_OFFLINE/) });
    expect(hub.requests).toEqual([]);
  });
});
