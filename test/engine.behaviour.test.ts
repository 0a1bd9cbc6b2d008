import { beforeAll, describe, expect, it } from 'vitest';
import { loadCheckpoint, type Checkpoint } from '../app/checkpoint/load.js';
import { createNodeEngine } from '../app/engine/node-engine.js';
import type { Engine, MergeSettings } from '../app/engine/types.js';
import { isFastAstError } from '../app/errors.js';
import { applySchedule } from '../app/tome/schedule.js';
import { FIXTURES, featureFile } from './helpers/fixtures.js';

let checkpoint: Checkpoint;
let engine: Engine;
const names = ['chirp_100_7000', 'silence', 'real_church_bells_inspectorj_371267'];
const inputs: Float32Array[] = [];

beforeAll(async () => {
  checkpoint = await loadCheckpoint(FIXTURES + 'tiny-ast');
  engine = await createNodeEngine(checkpoint, { providers: ['cpu'] });
  for (const n of names) inputs.push(await (await featureFile(n)).readFloat(`${n}.input_values`));
});

const settings: MergeSettings = { schedule: [300, 200, 100, 50], propAttn: true, protectDistillation: true };

describe('engine', () => {
  it('merges each batch item on its own: a batch of 3 equals 3 single runs', async () => {
    const per = inputs[0].length;
    const batched = new Float32Array(per * 3);
    inputs.forEach((x, i) => batched.set(x, i * per));
    const together = await engine.run(batched, 3, settings);
    expect(together.items).toHaveLength(3);
    for (let i = 0; i < 3; i++) {
      const alone = await engine.run(inputs[i], 1, settings);
      for (let c = 0; c < 10; c++) expect(Math.abs(together.items[i].logits[c] - alone.items[0].logits[c])).toBeLessThan(1e-4);
      for (let l = 0; l < 4; l++) expect(Array.from(together.items[i].maps[l])).toEqual(Array.from(alone.items[0].maps[l]));
    }
    // Different inputs really merge differently (otherwise the check above proves nothing).
    expect(Array.from(together.items[0].maps[0])).not.toEqual(Array.from(together.items[1].maps[0]));
  });

  it('reports token counts as the schedule clamps them, and scores only where merges happened', async () => {
    const res = await engine.run(inputs[0], 1, { schedule: [10000, 0, 16, 10000], propAttn: true, protectDistillation: true });
    const expected = applySchedule(checkpoint.spec.numTokens, [10000, 0, 16, 10000], true);
    expect(res.tokensPerLayer).toEqual(expected.tokens);
    const item = res.items[0];
    for (let l = 0; l < 4; l++) {
      const scores = Array.from(item.mergeScores[l]);
      const merged = scores.filter((s) => !Number.isNaN(s));
      expect(merged).toHaveLength(expected.rApplied[l]);
      for (const s of merged) expect(Math.abs(s)).toBeLessThanOrEqual(1 + 1e-5);
      // Every map sends tokens into 0 … tokensOut−1 and fills every slot.
      const out = new Set(item.maps[l]);
      expect(out.size).toBe(expected.tokens[l + 1]);
      expect(Math.max(...out)).toBe(expected.tokens[l + 1] - 1);
    }
    // r = 0 at layer 1 leaves the order alone, as reference ToMe does, and decides nothing.
    expect(Array.from(item.maps[1])).toEqual(Array.from({ length: expected.tokens[1] }, (_, i) => i));
    expect(Array.from(item.mergeMargins[1]).every(Number.isNaN)).toBe(true);
    // Where merges happened, every A token but cls has a margin (≥ 0); B tokens and cls have none.
    for (const l of [0, 2, 3]) {
      const margins = Array.from(item.mergeMargins[l]);
      const aTokens = Math.ceil(expected.tokens[l] / 2);
      expect(margins.filter((m) => !Number.isNaN(m))).toHaveLength(aTokens - 1);
      margins.forEach((m, t) => expect(Number.isNaN(m)).toBe(t === 0 || t % 2 === 1));
      for (const m of margins) if (!Number.isNaN(m)) expect(m).toBeGreaterThanOrEqual(0);
    }
    // cls and distillation stay at positions 0 and 1 when the distillation token is protected.
    for (let l = 0; l < 4; l++) expect([item.maps[l][0], item.maps[l][1]]).toEqual([0, 1]);
  });

  it('changes merges with the schedule without rebuilding: r = 0 vs r = 64 on one session', async () => {
    const a = await engine.run(inputs[2], 1, { ...settings, schedule: [0, 0, 0, 0] });
    const b = await engine.run(inputs[2], 1, { ...settings, schedule: [64, 64, 64, 64] });
    expect(a.tokensPerLayer).toEqual([1214, 1214, 1214, 1214, 1214]);
    expect(b.tokensPerLayer).toEqual([1214, 1150, 1086, 1022, 958]);
  });

  it('falls back to cpu when an EP cannot start, and says why', async () => {
    // No GPU adapter on CI machines: webgpu fails to initialise there. Where one exists it runs.
    const e = await createNodeEngine(checkpoint, { providers: ['webgpu', 'cpu'] });
    try {
      expect(e.attempts.at(-1)).toEqual({ ep: e.ep, ok: true });
      if (e.ep === 'cpu') {
        expect(e.attempts[0].ep).toBe('webgpu');
        expect(e.attempts[0].ok).toBe(false);
        expect(e.attempts[0].reason?.length).toBeGreaterThan(0);
      }
    } finally {
      await e.dispose();
    }
  });

  it('rejects a wrong input size or schedule with a clear error', async () => {
    const err = await engine.run(new Float32Array(10), 1, settings).catch((e) => e);
    expect(isFastAstError(err)).toBe(true);
    expect(err.message).toMatch(/1024 frames × 128 mel bins/);
    const err2 = await engine.run(inputs[0], 1, { ...settings, schedule: [1, 2] }).catch((e) => e);
    expect(err2.message).toMatch(/4 non-negative integers/);
  });
});
