import { copyFile, mkdtemp, open, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadCheckpoint } from '../app/checkpoint/load.js';
import { checkpointOnDisk, createCachedNodeEngine, type CheckpointOnDisk } from '../app/engine/cached-engine.js';
import { defaultGraphCacheDir, GraphCache, type GraphCacheOptions } from '../app/engine/graph-cache.js';
import type { BuildProgress } from '../app/engine/graph-file.js';
import { createNodeEngine } from '../app/engine/node-engine.js';
import type { Engine } from '../app/engine/types.js';
import type { GraphOptions } from '../app/graph/tome-ast.js';
import { constantSchedule } from '../app/tome/schedule.js';
import { FIXTURES } from './helpers/fixtures.js';

const TINY = join(FIXTURES, 'tiny-ast');
const opened: Engine[] = [];

afterEach(async () => {
  for (const e of opened.splice(0)) await e.dispose();
});

/** The tiny fixture, counting how often its weights are read (a cache hit reads none). */
async function countingCheckpoint(dir = TINY): Promise<CheckpointOnDisk & { loads: number }> {
  const ck = await checkpointOnDisk(dir);
  const counted = {
    ...ck,
    loads: 0,
    load: () => {
      counted.loads++;
      return ck.load();
    },
  };
  return counted;
}

async function start(ck: CheckpointOnDisk, cache: GraphCacheOptions, extra: { graph?: GraphOptions; onProgress?: (p: BuildProgress) => void; notices?: string[] } = {}) {
  const notice = (m: string) => extra.notices?.push(m);
  const res = await createCachedNodeEngine(ck, {
    cache: await GraphCache.open({ ...cache, notice }),
    providers: ['cpu'],
    threads: 1,
    graph: extra.graph,
    onProgress: extra.onProgress,
    notice,
  });
  opened.push(res.engine);
  return res;
}

let input: Float32Array;
let expected: Float32Array;
let expectedMaps: Int32Array[];

async function logits(engine: Engine): Promise<{ logits: Float32Array; maps: Int32Array[] }> {
  const res = await engine.run(input, 1, { schedule: constantSchedule(16, engine.spec.numLayers), propAttn: true, protectDistillation: true });
  return res.items[0];
}

beforeAll(async () => {
  const ck = await loadCheckpoint(TINY);
  input = new Float32Array(ck.spec.maxLength * ck.spec.numMelBins);
  let s = 12345;
  for (let i = 0; i < input.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    input[i] = (s / 2 ** 32 - 0.5) * 2;
  }
  // Today's in-memory path is the reference: a graph from the cache must compute the same.
  const engine = await createNodeEngine(ck, { providers: ['cpu'], threads: 1 });
  ({ logits: expected, maps: expectedMaps } = await logits(engine));
  await engine.dispose();
});

const temps: string[] = [];
const tempDir = async () => {
  const d = await mkdtemp(join(tmpdir(), 'fastast-graph-cache-'));
  temps.push(d);
  return d;
};
afterAll(async () => {
  for (const d of temps) await rm(d, { recursive: true, force: true });
});
const entryFiles = async (dir: string) => (await readdir(dir)).filter((n) => /\.(onnx|weights|json)$/.test(n) && !n.startsWith('.')).sort();

describe('persistent graph cache', () => {
  it('a second start opens the cached graph without reading the weights, and computes the same logits and maps', async () => {
    const dir = await tempDir();
    const ck = await countingCheckpoint();
    const progress: BuildProgress[] = [];
    const first = await start(ck, { dir }, { onProgress: (p) => progress.push(p) });
    expect(first.fromCache).toBe(false);
    expect(ck.loads).toBe(1);
    expect(first.sha256).toBe((await loadCheckpoint(TINY)).sha256);
    // A first build reports weights, build and session stages, the build's fraction rising to 1.
    expect(new Set(progress.map((p) => p.stage))).toEqual(new Set(['weights', 'build', 'session']));
    const build = progress.filter((p) => p.stage === 'build').map((p) => p.fraction);
    expect(build.at(-1)).toBe(1);
    expect(build.every((f, i) => i === 0 || f >= build[i - 1])).toBe(true);
    expect(await entryFiles(dir)).toHaveLength(3); // <id>.onnx, <id>.weights, <id>.json

    const second = await start(ck, { dir });
    expect(second.fromCache).toBe(true);
    expect(ck.loads).toBe(1); // the weights were not read again
    expect(second.sha256).toBe(first.sha256);
    for (const e of [first.engine, second.engine]) {
      const out = await logits(e);
      expect(out.logits).toEqual(expected);
      expect(out.maps).toEqual(expectedMaps);
    }
  });

  it('a damaged entry (same length, one byte changed) or a truncated one is noticed and rebuilt', async () => {
    const dir = await tempDir();
    const ck = await countingCheckpoint();
    await start(ck, { dir });
    const weightsFile = join(dir, (await entryFiles(dir)).find((n) => n.endsWith('.weights'))!);
    const fh = await open(weightsFile, 'r+');
    const at = Math.floor((await stat(weightsFile)).size / 2);
    const b = Buffer.alloc(1);
    await fh.read(b, 0, 1, at);
    await fh.write(Buffer.of(b[0] ^ 0x40), 0, 1, at);
    await fh.close();

    const notices: string[] = [];
    const rebuilt = await start(ck, { dir }, { notices });
    expect(rebuilt.fromCache).toBe(false);
    expect(ck.loads).toBe(2);
    expect(notices.join('\n')).toMatch(/damaged/);
    expect((await logits(rebuilt.engine)).logits).toEqual(expected);

    const modelFile = join(dir, (await entryFiles(dir)).find((n) => n.endsWith('.onnx'))!);
    await writeFile(modelFile, (await readFile(modelFile)).subarray(0, 1000));
    const again = await start(ck, { dir });
    expect(again.fromCache).toBe(false); // the length check caught it before onnxruntime saw it
    expect((await logits(again.engine)).logits).toEqual(expected);
    expect((await start(ck, { dir })).fromCache).toBe(true);
  });

  it('a checkpoint changed behind an unchanged size and mtime is caught by confirmCheckpoint, and the next start rebuilds', async () => {
    const dir = await tempDir();
    const copy = await tempDir();
    await copyFile(join(TINY, 'config.json'), join(copy, 'config.json'));
    await copyFile(join(TINY, 'model.safetensors'), join(copy, 'model.safetensors'));
    const file = join(copy, 'model.safetensors');
    const mtime = 1_700_000_000; // whole seconds: restored exactly below (stat's own mtime has ns a Date cannot carry)
    await utimes(file, mtime, mtime);
    const ck = await countingCheckpoint(copy);
    const first = await start(ck, { dir });
    expect(await first.confirmCheckpoint()).toBe(true); // a build hashed the weights itself

    const bytes = await readFile(file);
    bytes[bytes.length - 1] ^= 0x01; // one weight, same length
    await writeFile(file, bytes);
    await utimes(file, mtime, mtime);

    const stale = await start(ck, { dir });
    expect(stale.fromCache).toBe(true); // size and mtime say nothing changed
    expect(await stale.confirmCheckpoint()).toBe(false);
    const next = await start(ck, { dir });
    expect(next.fromCache).toBe(false);
    expect(next.sha256).not.toBe(first.sha256);
    expect(await next.confirmCheckpoint()).toBe(true);
  });

  it('an EP that cannot start is passed over before any weights are read or graphs written', async () => {
    const dir = await tempDir();
    const ck = await countingCheckpoint();
    const notice = () => undefined;
    const res = await createCachedNodeEngine(ck, { cache: await GraphCache.open({ dir }), providers: ['webgpu', 'cpu'], threads: 1, notice });
    opened.push(res.engine);
    if (res.engine.ep === 'webgpu') return; // a machine with WebGPU: nothing to pass over
    expect(res.engine.attempts.map((a) => a.ok)).toEqual([false, true]);
    expect(ck.loads).toBe(1);
    expect(await entryFiles(dir)).toHaveLength(3); // the cpu form only
  });

  it('another graph form is another entry', async () => {
    const dir = await tempDir();
    const ck = await countingCheckpoint();
    expect((await start(ck, { dir }, { graph: { attention: 'mha' } })).fromCache).toBe(false);
    const plain = await start(ck, { dir }, { graph: { attention: 'plain' } });
    expect(plain.fromCache).toBe(false);
    expect(await entryFiles(dir)).toHaveLength(6);
    expect((await start(ck, { dir }, { graph: { attention: 'plain' } })).fromCache).toBe(true);
    expect((await start(ck, { dir }, { graph: { attention: 'mha' } })).fromCache).toBe(true);
    // Plain opset-17 attention is another kernel: the same model to float rounding, not bit for bit.
    const got = (await logits(plain.engine)).logits;
    expect(Math.max(...got.map((v, i) => Math.abs(v - expected[i])))).toBeLessThan(1e-4);
  });

  it('an unwritable cache folder turns the cache off with a notice; the engine still starts', async () => {
    const base = await tempDir();
    await writeFile(join(base, 'not-a-folder'), 'x'); // a file where the folder should be: fails even for root
    const dir = join(base, 'not-a-folder', 'graphs');
    const ck = await countingCheckpoint();
    const notices: string[] = [];
    const a = await start(ck, { dir }, { notices });
    const b = await start(ck, { dir }, { notices });
    expect([a.fromCache, b.fromCache]).toEqual([false, false]);
    expect(notices[0]).toMatch(/graph cache off: cannot write .*not-a-folder/);
    expect((await logits(b.engine)).logits).toEqual(expected);
    expect((await readdir(tmpdir())).filter((n) => n.startsWith(`fastast-graph-${process.pid}-`))).toEqual([]); // temp graph files removed
  });

  it('eviction keeps the size cap, dropping the least recently used entry', async () => {
    // A second checkpoint: the fixture with one weight byte changed has another sha256, so another entry.
    const other = await tempDir();
    await copyFile(join(TINY, 'config.json'), join(other, 'config.json'));
    const st = await readFile(join(TINY, 'model.safetensors'));
    st[st.length - 1] ^= 0x01;
    await writeFile(join(other, 'model.safetensors'), st);

    const probe = await tempDir();
    await start(await countingCheckpoint(), { dir: probe });
    const one = await (await GraphCache.open({ dir: probe })).size();

    const dir = await tempDir();
    const maxBytes = Math.floor(2.5 * one); // room for two entries, not three
    const tiny = await countingCheckpoint();
    const pause = () => new Promise((r) => setTimeout(r, 30));
    await start(tiny, { dir, maxBytes }, { graph: { attention: 'mha' } }); // A
    await pause();
    await start(tiny, { dir, maxBytes }, { graph: { attention: 'plain' } }); // B
    await pause();
    expect((await start(tiny, { dir, maxBytes }, { graph: { attention: 'mha' } })).fromCache).toBe(true); // A used again
    await pause();
    await start(await countingCheckpoint(other), { dir, maxBytes }, { graph: { attention: 'mha' } }); // C: B must go
    const cache = await GraphCache.open({ dir, maxBytes });
    expect(await cache.size()).toBeLessThanOrEqual(maxBytes);
    expect(await entryFiles(dir)).toHaveLength(6);
    expect((await start(tiny, { dir, maxBytes }, { graph: { attention: 'mha' } })).fromCache).toBe(true); // A kept
    expect((await start(tiny, { dir, maxBytes }, { graph: { attention: 'plain' } })).fromCache).toBe(false); // B evicted
  });

  it('lives in $FASTAST_CACHE_DIR/graphs, else $XDG_CACHE_HOME/fastast-studio/graphs, else ~/.cache/fastast-studio/graphs', () => {
    expect(defaultGraphCacheDir({ FASTAST_CACHE_DIR: '/c', XDG_CACHE_HOME: '/x' })).toBe(join('/c', 'graphs'));
    expect(defaultGraphCacheDir({ XDG_CACHE_HOME: '/x' })).toBe(join('/x', 'fastast-studio', 'graphs'));
    expect(defaultGraphCacheDir({})).toMatch(/\.cache[/\\]fastast-studio[/\\]graphs$/);
  });
});
