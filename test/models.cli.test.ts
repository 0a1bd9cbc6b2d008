import { spawn } from 'node:child_process';
import { readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoDir } from '../app/models/hub-cache.js';
import { tempDir, TINY_REPO, WEIGHTS } from './support/hub-fixture.js';
import { sha256, startFakeHub, type FakeHub } from './support/hub-server.js';
import { BIN, DEMO, ROOT } from './support/cli.js';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The real CLI in a child process with its own environment; `whenStarted` may signal it. */
function fastastEnv(args: string[], env: NodeJS.ProcessEnv, whenStarted?: (pid: number) => Promise<void>): Promise<Run> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => done({ code, stdout, stderr }));
    void whenStarted?.(child.pid!);
  });
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

let hub: FakeHub;
let cache: string;
let env: NodeJS.ProcessEnv;
const CLIP = join(DEMO, 'church_bells_inspectorj_371267.flac');
const incomplete = () => join(repoDir(cache, TINY_REPO.repoId), 'blobs', `${sha256(WEIGHTS)}.incomplete`);

beforeAll(async () => {
  hub = await startFakeHub([TINY_REPO]);
  cache = await tempDir('fastast-cli-cache-');
  env = { HF_ENDPOINT: hub.endpoint, HF_HUB_CACHE: cache, HF_HOME: cache, HF_TOKEN: '', HF_HUB_OFFLINE: '' };
});

afterAll(async () => {
  await hub.close();
  await rm(cache, { recursive: true, force: true });
});

describe('fastast models (child process, local hub)', () => {
  it('Ctrl-C during a pull exits 130 and keeps the partial blob; the next pull resumes it', async () => {
    hub.knobs.chunkDelayMs = 40;
    const cancelled = await fastastEnv(['models', 'pull', TINY_REPO.repoId], env, async (pid) => {
      while ((await sizeOf(incomplete())) < 200_000) await new Promise((ok) => setTimeout(ok, 20));
      process.kill(pid, 'SIGINT');
    });
    expect(cancelled.stderr).toMatch(/cancelled; run the same pull again to resume/);
    expect(cancelled.code).toBe(130);
    const part = await sizeOf(incomplete());
    expect(part).toBeGreaterThanOrEqual(200_000);
    expect(part).toBeLessThan(WEIGHTS.length);

    hub.knobs.chunkDelayMs = 0;
    hub.requests.length = 0;
    const run = await fastastEnv(['models', 'pull', TINY_REPO.repoId], env);
    expect(run.stderr).toContain(`model.safetensors  resuming at`);
    expect(run.stderr).toMatch(/model\.safetensors {2}1\.78 MB \/ 1\.78 MB \(100%\) {2}[\d.]+ [kMG]B\/s {2}ETA 0:00/);
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe(join(repoDir(cache, TINY_REPO.repoId), 'snapshots', TINY_REPO.commit));
    expect(hub.requests.filter((r) => r.server === 'cdn').map((r) => r.range)).toEqual([`bytes=${part}-`]);
  });

  it('classify --model ORG/NAME runs the pulled model from the cache, offline, with zero requests', async () => {
    hub.requests.length = 0;
    const run = await fastastEnv(['classify', CLIP, '--model', TINY_REPO.repoId, '--json', '--ep', 'cpu', '--top', '2'], { ...env, HF_HUB_OFFLINE: '1' });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out.model).toBe(TINY_REPO.repoId);
    expect(out.windows.length).toBeGreaterThan(0);
    for (const w of out.windows) for (const t of w.top) expect(t.label).toMatch(/^class_\d$/);
    expect(hub.requests).toEqual([]);
  });

  it('list shows bundled and cached models; rm refuses without --yes when not on a terminal, then removes', async () => {
    const list = await fastastEnv(['models', 'list', '--json'], env);
    expect(list.code).toBe(0);
    const rows = list.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(rows.map((r) => `${r.source} ${r.id}`)).toEqual(['bundled ast-tiny-esc10-cmkd', 'bundled ast-tiny-esc10-plain', `hub ${TINY_REPO.repoId}`]);
    expect(rows[2]).toMatchObject({ commit: TINY_REPO.commit, refs: ['main'] });
    expect(rows[2].bytes).toBeGreaterThan(WEIGHTS.length);
    const table = await fastastEnv(['models', 'list'], env);
    expect(table.stdout).toMatch(new RegExp(`hub\\s+${TINY_REPO.repoId}\\s+main ${TINY_REPO.commit.slice(0, 10)}\\s+1\\.78 MB`));

    const refused = await fastastEnv(['models', 'rm', TINY_REPO.repoId], env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/add --yes/);
    expect(await readFile(join(repoDir(cache, TINY_REPO.repoId), 'refs', 'main'), 'utf8')).toBe(TINY_REPO.commit);

    const removed = await fastastEnv(['models', 'rm', TINY_REPO.repoId, '--yes'], env);
    expect(removed.code).toBe(0);
    expect(await sizeOf(repoDir(cache, TINY_REPO.repoId))).toBe(0);
    const gone = await fastastEnv(['classify', CLIP, '--model', TINY_REPO.repoId], env);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain(`to download it: fastast models pull ${TINY_REPO.repoId}`);
  });
});
