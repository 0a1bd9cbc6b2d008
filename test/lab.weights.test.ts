/**
 * The lab's weights axis (issue 13) on real onnxruntime: the bundled cmkd model at float32 and
 * int8 on a few fold-5 clips. int8 rows run on the int8 engine, carry their weights, and are
 * compared (agreement, paired speed-up, changed clips) with the float32 model at r = 0: what
 * merging and 8-bit weights cost together, reported as merging's cost is.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { classifyFile } from '../app/analysis/classify.js';
import { openLabelledSet, type LabelledSet } from '../app/analysis/labelled-set.js';
import { argmax } from '../app/analysis/scores.js';
import { settingsGrid, sweep, type SweepModel, type SweepResult } from '../app/analysis/sweep.js';
import { digest, SweepCache } from '../app/analysis/sweep-cache.js';
import { evalCsv } from '../app/cli/format.js';
import { loadCheckpoint, type Checkpoint } from '../app/checkpoint/load.js';
import { createNodeEngine } from '../app/engine/node-engine.js';
import type { Engine } from '../app/engine/types.js';
import { constantSchedule } from '../app/tome/schedule.js';
import { ROOT } from './support/cli.js';

const FOLD5 = join(ROOT, 'data/esc10/esc10_fold5.csv');
const R = 16;

const computed = new Map<string, Promise<Float32Array>>();

/** The clip's mean scores over its windows, as the sweep averages them, straight from an engine (each once). */
function meanScores(engine: Engine, path: string, r: number): Promise<Float32Array> {
  const key = `${engine.weights}|${path}|${r}`;
  if (!computed.has(key)) computed.set(key, meanScoresNow(engine, path, r));
  return computed.get(key)!;
}

async function meanScoresNow(engine: Engine, path: string, r: number): Promise<Float32Array> {
  const L = engine.spec.numLayers;
  const res = await classifyFile(engine, path, { settings: { schedule: constantSchedule(r, L), propAttn: true, protectDistillation: true } });
  const mean = new Float32Array(engine.spec.labels.length);
  for (const w of res.windows) w.scores.forEach((s, c) => (mean[c] += s / res.windows.length));
  return mean;
}

describe('lab sweep with a weights axis (cmkd, float32 and int8)', () => {
  let ck: Checkpoint;
  let f32: Engine;
  let int8: Engine;
  let model: SweepModel;
  let set: LabelledSet;
  let cache: SweepCache;
  let res: SweepResult;

  beforeAll(async () => {
    ck = await loadCheckpoint(join(ROOT, 'models', 'ast-tiny-esc10-cmkd'));
    f32 = await createNodeEngine(ck, { providers: ['cpu'] });
    int8 = await createNodeEngine(ck, { providers: ['cpu'], weights: 'int8' });
    model = { id: ck.id, sha256: ck.sha256, engine: f32, int8 };
    const full = await openLabelledSet(FOLD5, ck.spec.labels, { fold: 5 });
    // One clip of each of four classes: a couple of seconds of inference per setting.
    const picked = [...new Map(full.clips.map((c) => [c.target, c])).values()].slice(0, 4);
    set = { ...full, clips: picked };
    cache = new SweepCache();
    res = await sweep([model], set, { settings: settingsGrid({ rs: [0, R], weights: ['float32', 'int8'] }), cache });
  }, 120_000);
  afterAll(async () => {
    await f32?.dispose();
    await int8?.dispose();
  });

  it('gives one row per weights × r, weights slowest, each carrying its weights', () => {
    expect(res.rows.map((r) => `${r.setting.weights}@${r.setting.r}`)).toEqual(['float32@0', `float32@${R}`, 'int8@0', `int8@${R}`]);
    expect(res.rows.every((r) => r.clips === 4 && r.ep === 'cpu')).toBe(true);
    // The float32 baseline agrees with itself; int8 r = 0 costs only what 8-bit weights cost (same FLOPs).
    expect(res.rows[0].agreement).toBe(1);
    expect(res.rows[2].flopsRatio).toBe(1);
    expect(res.rows[3].flopsRatio).toBeGreaterThan(1);
  });

  it('runs int8 rows on the int8 engine and float32 rows on the float32 one', async () => {
    const groupOf = (weights?: 'int8') =>
      cache.group({ model: ck.id, modelSha256: ck.sha256, specDigest: digest(ck.spec), classes: ck.spec.labels.length, ep: 'cpu', ...(weights ? { weights } : {}), schedule: new Array(12).fill(0), propAttn: true, protectDistillation: true });
    const [g32, g8] = [await groupOf(), await groupOf('int8')];
    let int8VsF32 = 0;
    for (const clip of set.clips) {
      const own32 = await meanScores(f32, clip.path, 0);
      const own8 = await meanScores(int8, clip.path, 0);
      const [c32, c8] = [g32.clips.get(clip.path)!.scores, g8.clips.get(clip.path)!.scores];
      for (let c = 0; c < own32.length; c++) {
        expect(Math.abs(c32[c] - own32[c])).toBeLessThan(1e-5);
        expect(Math.abs(c8[c] - own8[c])).toBeLessThan(1e-5);
        int8VsF32 = Math.max(int8VsF32, Math.abs(c8[c] - c32[c]));
      }
    }
    // 8-bit weights move the scores: had both groups run on one engine, they would be equal.
    expect(int8VsF32).toBeGreaterThan(1e-5);
  });

  it('compares every int8 row with float32 r = 0: agreement, changed clips and the paired speed-up', async () => {
    const int8Rows = res.rows.filter((r) => r.setting.weights === 'int8');
    expect(int8Rows.map((r) => r.setting.r)).toEqual([0, R]);
    for (const row of int8Rows) {
      let agree = 0;
      for (const clip of set.clips) {
        const base = argmax(await meanScores(f32, clip.path, 0));
        const mine = argmax(await meanScores(int8, clip.path, row.setting.r));
        if (base === mine) agree++;
        const changed = row.changed.find((c) => c.path === clip.path);
        expect(changed !== undefined, clip.path).toBe(base !== mine);
        if (changed) expect(changed.baseline.index).toBe(base);
      }
      expect(row.agreement).toBe(agree / set.clips.length);
      // Timed in pairs with the float32 r = 0 runs of the same clips.
      expect(row.timing?.speedup?.pairs).toBe(set.clips.length);
    }
  });

  it('exports the weights column, and refuses int8 settings for a model without an int8 engine', async () => {
    const lines = evalCsv(res).trim().split('\n');
    const col = lines[0].split(',').indexOf('weights');
    expect(col).toBeGreaterThan(0);
    expect(lines.slice(1).map((l) => l.split(',')[col])).toEqual(['float32', 'float32', 'int8', 'int8']);
    await expect(sweep([{ ...model, int8: undefined }], set, { settings: settingsGrid({ rs: [0], weights: ['int8'] }) })).rejects.toMatchObject({
      code: 'USAGE',
      message: expect.stringContaining('has no int8 engine'),
    });
  });
});
