/**
 * The host's analysis runs adaptive batches (app/analysis/adaptive-batch.ts, within
 * ANALYSIS_BATCH_MS) and gives the scores of one window per run: on the host's own real
 * onnxruntime engines, a demo clip of 50 windows (hop 0.25 s), with and without merging, float32 and int8.
 * How large the host's batches grow depends on the machine's load, so the same engines also
 * run the windows with batches forced to grow (1, 2, 4, …, the model's maximum), and one
 * analysis runs with the engine's reported time scaled to a fast machine's (1 ms per window)
 * so that the host's own batches grow here too.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { adaptiveBatch, nextBatchSize } from '../app/analysis/adaptive-batch.js';
import { scoreWindows } from '../app/analysis/classify.js';
import { defaultBatchSize } from '../app/analysis/run-windows.js';
import { decodeAudioFile } from '../app/audio/decode.js';
import type { WeightsPrecision } from '../app/common/weights.js';
import type { MergeParams } from '../app/contract/index.js';
import type { Engine } from '../app/engine/types.js';
import { ANALYSIS_BATCH_MS } from '../main/host/analysis.js';
import { modelWindow, windowStartFrames } from '../main/host/audio-io.js';
import { defaultEngine } from '../main/host/host-config.js';
import type { Host } from '../main/host/host.js';
import { scheduleFor } from '../main/host/merge-schedule.js';
import { memorySamples } from '../main/host/sample-file.js';
import { DEMO } from './support/cli.js';
import { testHost } from './support/host.js';
import { observedEngine } from './support/observed-engine.js';
import { rpcClient, type RpcTestClient } from './support/rpc-client.js';

const CLIP = join(DEMO, 'train_markedit_157873.flac'); // 17.39 s
const HOP_S = 0.25;
const MERGE = { r: 16, shape: 'constant', propAttn: true, protectDistillation: true } as const;
const CASES: { name: string; merge: MergeParams | null }[] = [
  { name: 'float32, no merging', merge: null },
  { name: 'float32, r = 16', merge: MERGE },
  { name: 'int8, no merging', merge: { ...MERGE, r: 0, weights: 'int8' } },
  { name: 'int8, r = 16', merge: { ...MERGE, weights: 'int8' } },
];

const tmp = mkdtempSync(join(tmpdir(), 'fastast-host-analysis-batch-'));
/** The host's engines by weights, and each run's windows and session time since the last reset. */
const engines = new Map<WeightsPrecision, Engine>();
const runs: { windows: number; ms: number }[] = [];
/** When set, the host's engines report 1 ms per window (a machine far faster than this one), so that its batches grow whatever the load. */
let fastClock = false;
let host: Host;
let client: RpcTestClient;

beforeAll(async () => {
  host = testHost(tmp, undefined, async (dir, opts) => {
    const built = await defaultEngine(dir, opts);
    const engine = built.engine;
    engines.set(opts.weights ?? 'float32', engine);
    const recorded = observedEngine(engine, (batch, _settings, res) => {
      const ms = fastClock ? batch : res.inferMs;
      runs.push({ windows: batch, ms });
      return { ...res, inferMs: ms };
    });
    return { ...built, engine: recorded };
  });
  await host.start();
  client = rpcClient(host);
  // Both engines up (a new engine's warm-up run would count as a batch of the analysis).
  const f = await client.ok('file.open', { path: CLIP });
  await client.ok('window.merge', { fileId: f.fileId, startS: 0, merge: { ...MERGE, weights: 'int8' } });
  await client.ok('file.close', { fileId: f.fileId });
}, 120_000);

afterAll(async () => {
  client?.close();
  await host?.dispose();
  rmSync(tmp, { recursive: true, force: true });
});

const flat = (scores: Float32Array[]) => {
  const out = new Float32Array(scores.length * scores[0].length);
  scores.forEach((s, k) => out.set(s, k * s.length));
  return out;
};
const worstDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

describe('analysis batches', () => {
  test.each(CASES)('$name: adaptive batches give the scores of batch 1', async ({ name, merge }) => {
    const f = await client.ok('file.open', { path: CLIP });
    runs.length = 0;
    const a = await client.ok('analysis.run', { fileId: f.fileId, hopS: HOP_S, merge });
    const hostRuns = runs.splice(0);
    await client.ok('file.close', { fileId: f.fileId });

    const engine = engines.get(merge?.weights ?? 'float32');
    expect(engine).toBeDefined();
    const spec = engine!.spec;
    const max = defaultBatchSize(spec, engine!.ep);
    const memory = memorySamples((await decodeAudioFile(CLIP)).samples, 16000);
    const starts = windowStartFrames(memory.length, spec, HOP_S);
    expect(a.starts.length).toBe(starts.length);
    expect(starts.length).toBeGreaterThan(15);

    // The host's batches: one window first, then each the policy's size after the one before.
    expect(hostRuns.reduce((n, r) => n + r.windows, 0)).toBe(starts.length);
    expect(hostRuns[0].windows).toBe(1);
    let done = 0;
    hostRuns.forEach((r, i) => {
      if (i > 0) expect(r.windows).toBe(Math.min(nextBatchSize(hostRuns[i - 1].windows, hostRuns[i - 1].ms, { budgetMs: ANALYSIS_BATCH_MS, max }), starts.length - done));
      done += r.windows;
    });

    const schedule = scheduleFor(spec, merge);
    const settings = { schedule, propAttn: merge?.propAttn ?? false, protectDistillation: merge?.protectDistillation ?? true };
    const windowAt = (k: number) => modelWindow(memory, spec, starts[k]).input;
    const one = flat((await scoreWindows(engine!, starts.length, windowAt, settings, { batchSize: 1 })).scores);
    const sizes: number[] = [];
    const grown = flat((await scoreWindows(engine!, starts.length, windowAt, settings, { batchSize: adaptiveBatch({ budgetMs: Infinity, max }), onBatch: (n) => sizes.push(n) })).scores);
    const steps = sizes.map((n, i) => n - (sizes[i - 1] ?? 0));
    expect(steps.slice(0, 4)).toEqual([1, 2, 4, 8].map((n) => Math.min(n, max)));

    const hostDiff = worstDiff(a.scores, one);
    const grownDiff = worstDiff(grown, one);
    console.log(
      `${name}: ${starts.length} windows; host batches ${hostRuns.map((r) => r.windows).join(' ')}: worst |Δscore| ${hostDiff.toExponential(2)}${hostDiff === 0 ? ' (bit-identical)' : ''}; ` +
        `batches ${steps.join(' ')}: ${grownDiff.toExponential(2)}${grownDiff === 0 ? ' (bit-identical)' : ''}`,
    );
    expect(hostDiff).toBeLessThan(1e-5);
    expect(grownDiff).toBeLessThan(1e-5);
  });

  test('on a fast machine the host’s batches double up to the model’s maximum, with the scores of batch 1', async () => {
    const f = await client.ok('file.open', { path: CLIP });
    fastClock = true;
    runs.length = 0;
    const a = await client.ok('analysis.run', { fileId: f.fileId, hopS: HOP_S, merge: MERGE }).finally(() => (fastClock = false));
    const hostRuns = runs.splice(0);
    await client.ok('file.close', { fileId: f.fileId });
    const engine = engines.get('float32')!;
    const max = defaultBatchSize(engine.spec, engine.ep);
    expect(hostRuns.map((r) => r.windows).slice(0, 5)).toEqual([1, 2, 4, 8, 16].map((n) => Math.min(n, max)));
    const memory = memorySamples((await decodeAudioFile(CLIP)).samples, 16000);
    const starts = windowStartFrames(memory.length, engine.spec, HOP_S);
    const settings = { schedule: scheduleFor(engine.spec, MERGE), propAttn: true, protectDistillation: true };
    const one = flat((await scoreWindows(engine, starts.length, (k) => modelWindow(memory, engine.spec, starts[k]).input, settings, { batchSize: 1 })).scores);
    expect(worstDiff(a.scores, one)).toBeLessThan(1e-5);
  });
});
