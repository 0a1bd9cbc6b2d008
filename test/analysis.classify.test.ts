import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyFile, type ClassifyProgress } from '../app/analysis/classify.js';
import { loadCheckpoint } from '../app/checkpoint/load.js';
import { createNodeEngine } from '../app/engine/node-engine.js';
import type { Engine } from '../app/engine/types.js';
import { DEMO, MODELS } from './support/cli.js';

/** classifyFile in-process on the bundled model and real demo audio (onnxruntime-node, cpu). */

const TRAIN = join(DEMO, 'train_markedit_157873.flac'); // 17.39 s
const settings = (r: number) => ({ schedule: new Array(12).fill(r), propAttn: true, protectDistillation: true });
let engine: Engine;

beforeAll(async () => {
  engine = await createNodeEngine(await loadCheckpoint(join(MODELS, 'ast-tiny-esc10-cmkd')), { providers: ['cpu'] });
});
afterAll(() => engine?.dispose());

describe('classifyFile', () => {
  it('cuts windows by the hop; a window at the same start gives the same logits whatever the hop', async () => {
    const plain = await classifyFile(engine, TRAIN, { settings: settings(0), batchSize: 3 });
    const hopped = await classifyFile(engine, TRAIN, { settings: settings(0), hopS: 2.56, batchSize: 3 });
    const F = plain.frames;
    expect(F).toBeGreaterThan(1700); // 17.39 s of audio
    expect(plain.windows).toHaveLength(1 + Math.ceil((F - 512) / 512));
    expect(hopped.windows).toHaveLength(1 + Math.ceil((F - 512) / 256));
    expect(hopped.windows[2].startS).toBeCloseTo(plain.windows[1].startS, 9);
    const d = Math.max(...Array.from(plain.windows[1].logits, (v, i) => Math.abs(v - hopped.windows[2].logits[i])));
    expect(d).toBeLessThan(1e-5);
    // The last window holds the end of the audio, not a whole 5.12 s.
    expect(plain.windows.at(-1)!.endS).toBeCloseTo(F / 100, 6);
    for (const w of plain.windows) expect(w.scores.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
  });

  it('reports progress per stage and merges as asked', async () => {
    const seen: ClassifyProgress[] = [];
    const res = await classifyFile(engine, TRAIN, { settings: settings(24), topK: 10, onProgress: (p) => seen.push(p) });
    expect(seen.some((p) => p.stage === 'decode')).toBe(true);
    expect(seen.filter((p) => p.stage === 'infer').at(-1)?.fraction).toBe(1);
    expect(res.windows[0].tokensPerLayer.at(-1)).toBe(602 - 12 * 24);
    expect(res.windows[0].top).toHaveLength(10);
    expect(res.timingsMs.infer).toBeGreaterThan(0);
  });

  it('stops with CANCELLED when the signal is aborted mid-file', async () => {
    const controller = new AbortController();
    const run = classifyFile(engine, TRAIN, {
      settings: settings(0),
      batchSize: 1,
      signal: controller.signal,
      onProgress: (p) => p.stage === 'infer' && controller.abort(),
    });
    await expect(run).rejects.toMatchObject({ code: 'CANCELLED' });
  });
});
