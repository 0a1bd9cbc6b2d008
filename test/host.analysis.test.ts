/**
 * The host's analysis.run and the CLI's classifyFile are one pipeline (app/analysis): the same
 * windows, at the same starts, with the same scores, though the host cuts each window's fbank
 * from the decoded samples and the CLI from a whole-file fbank.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { classifyFile } from '../app/analysis/classify.js';
import { loadCheckpoint } from '../app/checkpoint/load.js';
import { createNodeEngine } from '../app/engine/node-engine.js';
import type { Engine } from '../app/engine/types.js';
import { DEMO, MODELS } from './support/cli.js';
import { useTestHost } from './support/host.js';

const CLIP = join(DEMO, 'train_markedit_157873.flac'); // 17.39 s
const MERGE = { r: 16, shape: 'constant', propAttn: true, protectDistillation: true } as const;
const hosted = useTestHost(mkdtempSync(join(tmpdir(), 'fastast-host-analysis-')));
let engine: Engine;

beforeAll(async () => {
  engine = await createNodeEngine(await loadCheckpoint(join(MODELS, 'ast-tiny-esc10-cmkd')), { providers: ['cpu'] });
});
afterAll(() => engine?.dispose());

describe('analysis.run', () => {
  test('gives the CLI pipeline’s windows and scores, hopped and merged', async () => {
    const f = await hosted.client.ok('file.open', { path: CLIP });
    const a = await hosted.client.ok('analysis.run', { fileId: f.fileId, hopS: 2.56, merge: MERGE });
    const cli = await classifyFile(engine, CLIP, { settings: { schedule: new Array(12).fill(16), propAttn: true, protectDistillation: true }, hopS: 2.56 });
    expect(a.starts.length).toBe(cli.windows.length);
    expect(a.starts.length).toBeGreaterThan(5);
    let worst = 0;
    cli.windows.forEach((w, k) => {
      expect(a.starts[k]).toBeCloseTo(w.startS, 5);
      for (let c = 0; c < a.classes; c++) worst = Math.max(worst, Math.abs(a.scores[k * a.classes + c] - w.scores[c]));
    });
    expect(worst).toBeLessThan(1e-4);
    expect(a.provenance.schedule).toEqual(new Array(12).fill(16));
  });
});
