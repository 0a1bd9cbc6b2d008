import { fromBinary } from '@bufbuild/protobuf';
import { ModelProtoSchema } from 'onnx-buf';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCheckpoint, type Checkpoint } from '../app/checkpoint/load.js';
import { createNodeEngine } from '../app/engine/node-engine.js';
import type { Engine, MergeSettings, RunResult } from '../app/engine/types.js';
import { buildTomeAstGraph } from '../app/graph/tome-ast.js';
import { FIXTURES, featureFile, manifest } from './helpers/fixtures.js';

// GraphOptions.staticSchedule bakes one schedule into the graph (a faster form for runs whose r
// is fixed). It must compute exactly what the app's graph computes for that schedule: same
// logits, same merge maps, same merge scores and margins, on the fixtures' inputs.

let checkpoint: Checkpoint;
beforeAll(async () => {
  checkpoint = await loadCheckpoint(FIXTURES + 'tiny-ast');
});

const INPUTS = ['sine_440', 'white_noise', 'real_church_bells_inspectorj_371267'];

/** Every schedule and mode of the fixtures, plus one with r = 0 layers between merging ones. */
async function settingsToCheck(): Promise<[string, MergeSettings][]> {
  const { cases } = await manifest();
  const byMode = new Map<string, MergeSettings>();
  for (const c of cases) {
    byMode.set(c.key.slice(c.input.length + 1), { schedule: c.schedule, propAttn: c.prop_attn, protectDistillation: c.protect_distillation });
  }
  byMode.set('mixed.prop', { schedule: [0, 64, 0, 300], propAttn: true, protectDistillation: true });
  return [...byMode.entries()];
}

function sameFloats(a: Float32Array, b: Float32Array, tol: number): boolean {
  return a.length === b.length && a.every((v, i) => (Number.isNaN(v) ? Number.isNaN(b[i]) : Math.abs(v - b[i]) <= tol));
}

function compare(dynamic: RunResult, fixed: RunResult): { maxLogitDiff: number; mapsEqual: boolean; scoresEqual: boolean; marginsEqual: boolean } {
  const [d, s] = [dynamic.items[0], fixed.items[0]];
  return {
    maxLogitDiff: Math.max(...Array.from(d.logits, (v, i) => Math.abs(v - s.logits[i]))),
    mapsEqual: d.maps.length === s.maps.length && d.maps.every((m, l) => Buffer.from(m.buffer, m.byteOffset, m.byteLength).equals(Buffer.from(s.maps[l].buffer, s.maps[l].byteOffset, s.maps[l].byteLength))),
    scoresEqual: d.mergeScores.every((m, l) => sameFloats(m, s.mergeScores[l], 1e-6)),
    marginsEqual: d.mergeMargins.every((m, l) => sameFloats(m, s.mergeMargins[l], 1e-6)),
  };
}

describe('static-schedule graph (GraphOptions.staticSchedule)', () => {
  it('gives the app graph\'s logits, merge maps, scores and margins for every fixture schedule and mode', async () => {
    const dynamic = await createNodeEngine(checkpoint, { providers: ['cpu'], graph: { attention: 'mha' } });
    const inputs = await Promise.all(INPUTS.map(async (name) => (await featureFile(name)).readFloat(`${name}.input_values`)));
    const checked: string[] = [];
    try {
      for (const [mode, settings] of await settingsToCheck()) {
        const staticSchedule = { schedule: settings.schedule, protectDistillation: settings.protectDistillation };
        const fixed: Engine = await createNodeEngine(checkpoint, { providers: ['cpu'], graph: { attention: 'mha', staticSchedule } });
        try {
          for (const [i, input] of inputs.entries()) {
            const [d, s] = [await dynamic.run(input, 1, settings), await fixed.run(input, 1, settings)];
            const key = `${INPUTS[i]}.${mode}`;
            expect(s.tokensPerLayer, key).toEqual(d.tokensPerLayer);
            const c = compare(d, s);
            expect(c.maxLogitDiff, key).toBeLessThanOrEqual(1e-5);
            expect({ maps: c.mapsEqual, scores: c.scoresEqual, margins: c.marginsEqual }, key).toEqual({ maps: true, scores: true, margins: true });
            checked.push(key);
          }
        } finally {
          await fixed.dispose();
        }
      }
    } finally {
      await dynamic.dispose();
    }
    expect(checked).toHaveLength(12 * INPUTS.length);
  });

  it('runs a batch like the app graph does', async () => {
    const settings: MergeSettings = { schedule: [64, 64, 64, 64], propAttn: true, protectDistillation: true };
    const dynamic = await createNodeEngine(checkpoint, { providers: ['cpu'], graph: { attention: 'mha' } });
    const fixed = await createNodeEngine(checkpoint, { providers: ['cpu'], graph: { attention: 'mha', staticSchedule: settings } });
    try {
      const parts = await Promise.all(INPUTS.map(async (name) => (await featureFile(name)).readFloat(`${name}.input_values`)));
      const batch = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
      parts.forEach((p, i) => batch.set(p, i * p.length));
      const [d, s] = [await dynamic.run(batch, parts.length, settings), await fixed.run(batch, parts.length, settings)];
      for (let b = 0; b < parts.length; b++) {
        const c = compare({ ...d, items: [d.items[b]] }, { ...s, items: [s.items[b]] });
        expect(c.maxLogitDiff).toBeLessThanOrEqual(1e-5);
        expect(c.mapsEqual && c.scoresEqual && c.marginsEqual).toBe(true);
      }
    } finally {
      await Promise.all([dynamic.dispose(), fixed.dispose()]);
    }
  });

  it('refuses a schedule it was not built for, and accepts one that clamps to the same r per layer', async () => {
    const fixed = await createNodeEngine(checkpoint, { providers: ['cpu'], graph: { attention: 'mha', staticSchedule: { schedule: [10000, 0, 0, 0], protectDistillation: true } } });
    const input = await (await featureFile('sine_440')).readFloat('sine_440.input_values');
    try {
      await expect(fixed.run(input, 1, { schedule: [16, 0, 0, 0], propAttn: true, protectDistillation: true })).rejects.toMatchObject({ code: 'SCHEDULE_INVALID' });
      await expect(fixed.run(input, 1, { schedule: [10000, 0, 0, 0], propAttn: true, protectDistillation: false })).rejects.toThrow(/built for schedule/);
      // 1214 tokens, 2 protected: r clamps to 606 at layer 0 either way.
      const res = await fixed.run(input, 1, { schedule: [606, 0, 0, 0], propAttn: true, protectDistillation: true });
      expect(res.tokensPerLayer).toEqual([1214, 608, 608, 608, 608]);
    } finally {
      await fixed.dispose();
    }
  });

  it('has no If node, and no merge nodes in layers with r = 0', () => {
    const ops = (schedule: number[] | null) => {
      const options = schedule ? { attention: 'mha' as const, staticSchedule: { schedule, protectDistillation: true } } : { attention: 'mha' as const };
      const model = fromBinary(ModelProtoSchema, buildTomeAstGraph(checkpoint.spec, checkpoint.weights, options));
      return model.graph!.node.map((n) => n.opType);
    };
    const count = (list: string[], op: string) => list.filter((o) => o === op).length;
    const app = ops(null);
    expect(count(app, 'If')).toBe(4);
    const fixed = ops([0, 64, 0, 300]);
    expect(count(fixed, 'If')).toBe(0);
    // Each merging layer sorts three times (partners, the r best, the kept tokens): two layers merge.
    expect(count(fixed, 'TopK')).toBe(6);
    expect(count(ops([0, 0, 0, 0]), 'TopK')).toBe(0);
  });
});
