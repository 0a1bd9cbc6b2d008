import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCheckpoint } from '../app/checkpoint/load.js';
import { enginePool } from '../app/engine/engine-pool.js';
import { createNodeEngine } from '../app/engine/node-engine.js';
import type { RunResult } from '../app/engine/types.js';
import { createWorkerEngine } from '../app/engine/worker-engine.js';
import { isFastAstError } from '../app/errors.js';
import { parseCli } from '../app/cli/args.js';
import { FIXTURES, featureFile } from './helpers/fixtures.js';

const mergeAt = (r: number, layers: number) => ({ schedule: Array<number>(layers).fill(r), propAttn: true, protectDistillation: true });

/** The fixtures' model inputs of `names`, one after another, as one batch. */
async function fixtureBatch(names: string[]): Promise<Float32Array> {
  const inputs = await Promise.all(names.map(async (n) => (await featureFile(n)).readFloat(`${n}.input_values`)));
  const batch = new Float32Array(inputs[0].length * inputs.length);
  inputs.forEach((x, i) => batch.set(x, i * x.length));
  return batch;
}

/** `count` items with `expected`'s merges and its logits up to float rounding (another batch split). */
function expectSameItems(actual: RunResult, expected: RunResult, count: number): void {
  expect(actual.items).toHaveLength(count);
  actual.items.forEach((item, i) => {
    expect(Math.max(...Array.from(item.logits, (v, j) => Math.abs(v - expected.items[i].logits[j])))).toBeLessThan(1e-4);
    expect(item.maps.map((m) => Array.from(m))).toEqual(expected.items[i].maps.map((m) => Array.from(m)));
  });
}

describe('enginePool (parallel sessions for throughput)', () => {
  it('splits a batch across its sessions and returns the items in order, as one session would', async () => {
    const checkpoint = await loadCheckpoint(FIXTURES + 'tiny-ast');
    const one = await createNodeEngine(checkpoint, { providers: ['cpu'], threads: 1 });
    const pool = enginePool([await createNodeEngine(checkpoint, { providers: ['cpu'], threads: 1 }), await createNodeEngine(checkpoint, { providers: ['cpu'], threads: 1 })]);
    try {
      const batch = await fixtureBatch(['sine_440', 'white_noise', 'real_church_bells_inspectorj_371267']);
      const settings = mergeAt(8, checkpoint.spec.numLayers);
      const a = await one.run(batch, 3, settings);
      const b = await pool.run(batch, 3, settings);
      expect(b.tokensPerLayer).toEqual(a.tokensPerLayer);
      expectSameItems(b, a, 3);
    } finally {
      await one.dispose();
      await pool.dispose();
    }
  });

  it('runs a session in a worker thread (what eval --sessions adds): the same numbers, errors with their codes, and a clean dispose', async () => {
    // The worker opens the checkpoint through the graph cache, as the CLI does: a cache of its own here.
    const cacheDir = mkdtempSync(join(tmpdir(), 'fastast-pool-cache-'));
    process.env.FASTAST_CACHE_DIR = cacheDir;
    const checkpoint = await loadCheckpoint(FIXTURES + 'tiny-ast');
    const one = await createNodeEngine(checkpoint, { providers: ['cpu'], threads: 1 });
    const notices: string[] = [];
    const worker = await createWorkerEngine({ checkpoint: FIXTURES + 'tiny-ast', providers: ['cpu'], threads: 1 }, (n) => notices.push(n));
    const pool = enginePool([await createNodeEngine(checkpoint, { providers: ['cpu'], threads: 1 }), worker]);
    try {
      expect(worker.spec).toEqual(checkpoint.spec);
      expect(worker.ep).toBe('cpu');
      const batch = await fixtureBatch(['sine_440', 'white_noise', 'real_church_bells_inspectorj_371267', 'silence']);
      const settings = mergeAt(8, checkpoint.spec.numLayers);
      const a = await one.run(batch, 4, settings);
      const b = await pool.run(batch, 4, settings);
      expectSameItems(b, a, 4);
      // A bad run comes back from the worker as the engine's own error, and the worker stays usable.
      const bad = await worker.run(new Float32Array(7), 1, settings).catch((e: unknown) => e);
      expect(isFastAstError(bad)).toBe(true);
      expect((await worker.run(batch.subarray(0, batch.length / 4), 1, settings)).items).toHaveLength(1);
      expect(notices).toEqual([]);
    } finally {
      await one.dispose();
      await pool.dispose();
      rmSync(cacheDir, { recursive: true, force: true });
    }
    const { spec } = checkpoint;
    await expect(worker.run(new Float32Array(spec.maxLength * spec.numMelBins), 1, mergeAt(0, spec.numLayers))).rejects.toThrow(/worker thread exited/);
  });

  it('a worker that cannot open its checkpoint says why, and leaves no thread behind', async () => {
    const missing = join(tmpdir(), 'fastast-no-such-checkpoint');
    const e = await createWorkerEngine({ checkpoint: missing, providers: ['cpu'], threads: 1 }).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(Error);
    expect((e as Error).message).toContain('fastast-no-such-checkpoint');
  });

  it('is eval --sessions N', () => {
    expect(parseCli(['eval', '--csv', 'x.csv', '--sessions', '2', '--threads', '1'])).toMatchObject({ sessions: 2, threads: 1 });
    expect(() => parseCli(['eval', '--csv', 'x.csv', '--sessions', '0'])).toThrow(/--sessions must be an integer ≥ 1/);
  });
});
