/**
 * The weights switch through the host (issue 13): a merge setting with int8 weights runs the
 * active model's int8 engine (its first build tells its progress, as a model load does; later
 * runs take it from the cache), compared with and timed against the float32 model at r = 0; an
 * analysis says its weights; a lab sweep takes weights as an axis and its rows carry them.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { parseResult, type RunView } from '../app/contract/index.js';
import { loadCheckpoint } from '../app/checkpoint/load.js';
import { createNodeEngine } from '../app/engine/node-engine.js';
import type { Engine } from '../app/engine/types.js';
import { scoresFromLogits } from '../app/analysis/scores.js';
import { constantSchedule } from '../app/tome/schedule.js';
import { DEMO, MODELS, ROOT } from './support/cli.js';
import { useTestHost } from './support/host.js';

const CLIP = join(DEMO, 'church_bells_inspectorj_371267.flac');
const MERGE = { r: 16, shape: 'constant', propAttn: true, protectDistillation: true } as const;
const tmp = mkdtempSync(join(tmpdir(), 'fastast-host-weights-'));
const CSV = join(tmp, 'two.csv');
const AUDIO = join(ROOT, 'data', 'esc10', 'audio_16k');
const hosted = useTestHost(tmp, () => writeFileSync(CSV, `path,category\n${join(AUDIO, '5-216370-A-41.flac')},chainsaw\n${join(AUDIO, '5-151085-A-20.flac')},crying_baby\n`));
let f32: Engine;
let int8: Engine;

beforeAll(async () => {
  const ck = await loadCheckpoint(join(MODELS, 'ast-tiny-esc10-cmkd'));
  f32 = await createNodeEngine(ck, { providers: ['cpu'] });
  int8 = await createNodeEngine(ck, { providers: ['cpu'], weights: 'int8' });
}, 60_000);
afterAll(async () => {
  await f32?.dispose();
  await int8?.dispose();
});

/** The engine's scores of one window at r per layer. */
async function scoresOf(engine: Engine, input: Float32Array, r: number): Promise<Float32Array> {
  const res = await engine.run(input, 1, { schedule: constantSchedule(r, engine.spec.numLayers), propAttn: true, protectDistillation: true });
  return scoresFromLogits(res.items[0].logits, engine.spec.multiLabel);
}

const maxDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

describe('weights in the workstation', () => {
  let fileId: string;
  let input: Float32Array;

  test('int8 runs on the int8 engine (built once, with progress) against the float32 r = 0 baseline', async () => {
    fileId = (await hosted.client.ok('file.open', { path: CLIP })).fileId;
    const base = parseResult('window.baseline', await hosted.client.ok('window.baseline', { fileId, startS: 0 }));
    input = base.window.input;
    expect(base.run.weights).toBe('float32');

    const call = hosted.client.call('window.merge', { fileId, startS: 0, merge: { ...MERGE, weights: 'int8' } });
    const res = await call.done;
    expect(res.ok).toBe(true);
    const out = parseResult('window.merge', res.ok ? res.result : null);
    expect(out.run.weights).toBe('int8');
    expect(out.baseline.weights).toBe('float32');
    // The run is the int8 engine's, the baseline the float32 engine's at r = 0, the change between them.
    const [own8, own32] = [await scoresOf(int8, input, 16), await scoresOf(f32, input, 0)];
    expect(maxDiff(out.run.scores, own8)).toBeLessThan(1e-5);
    expect(maxDiff(out.baseline.scores, own32)).toBeLessThan(1e-5);
    expect(maxDiff(out.comparison.scoreChange, own8.map((v, c) => v - own32[c]))).toBeLessThan(1e-5);
    expect(maxDiff(own8, await scoresOf(f32, input, 16))).toBeGreaterThan(1e-5); // not the float32 run
    // Its first build said how far it got, as a model load does.
    const lines = hosted.client.events.filter((e) => e.event === 'progress' && (e.data as { id: number }).id === call.id).map((e) => e.data as { phase: string; message?: string; done: number });
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.every((l) => l.phase === 'model' && l.message?.startsWith('int8: '))).toBe(true);
    expect(lines.at(-1)).toMatchObject({ done: 100, message: 'int8: ready' });
  }, 60_000);

  test('the next int8 run takes the engine as it is (no build); r = 0 at int8 is not the baseline', async () => {
    const call = hosted.client.call('window.merge', { fileId, startS: 0, merge: { ...MERGE, r: 0, weights: 'int8' } });
    const res = await call.done;
    const out = parseResult('window.merge', res.ok ? res.result : null);
    expect(hosted.client.events.some((e) => e.event === 'progress' && (e.data as { id: number }).id === call.id)).toBe(false);
    expect(out.run.weights).toBe('int8');
    expect(maxDiff(out.run.scores, await scoresOf(int8, input, 0))).toBeLessThan(1e-5);
    expect(out.comparison.kl).toBeGreaterThan(0);
    // The Speed panel times int8 r = 0 in pairs against float32 r = 0 (float32 r = 0 alone has nothing to time).
    let speed = parseResult('window.speed', await hosted.client.ok('window.speed', { merge: { ...MERGE, r: 0, weights: 'int8' } }));
    for (let i = 0; i < 100 && speed.state === 'measuring'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      speed = parseResult('window.speed', await hosted.client.ok('window.speed', { merge: { ...MERGE, r: 0, weights: 'int8' } }));
    }
    expect(speed.state).toBe('ready');
    expect(speed.pairs).toBeGreaterThanOrEqual(3);
    expect(Number.isFinite(speed.baseMs) && Number.isFinite(speed.mergedMs)).toBe(true);
    const plain = parseResult('window.speed', await hosted.client.ok('window.speed', { merge: { ...MERGE, r: 0 } }));
    expect(plain.pairs).toBe(0);
  }, 60_000);

  test('float32 settings still run the float32 engine', async () => {
    const out = parseResult('window.merge', await hosted.client.ok('window.merge', { fileId, startS: 0, merge: { ...MERGE, weights: 'float32' } }));
    expect(out.run.weights satisfies RunView['weights']).toBe('float32');
    expect(maxDiff(out.run.scores, await scoresOf(f32, input, 16))).toBeLessThan(1e-5);
  });

  test('an int8 analysis runs int8 and says so in its provenance', async () => {
    const a = parseResult('analysis.run', await hosted.client.ok('analysis.run', { fileId, hopS: 10.24, merge: { ...MERGE, weights: 'int8' } }));
    expect(a.provenance.weights).toBe('int8');
    expect(maxDiff(a.scores.slice(0, a.classes), await scoresOf(int8, input, 16))).toBeLessThan(1e-5);
    const f = parseResult('analysis.run', await hosted.client.ok('analysis.run', { fileId, hopS: 10.24, merge: MERGE }));
    expect(f.provenance.weights).toBeUndefined();
  }, 60_000);
});

describe('weights in the lab', () => {
  test('a sweep over both weights: rows carry them, int8 compared with float32 r = 0; the CSV has the column', async () => {
    const res = parseResult(
      'lab.sweep',
      await hosted.client.ok('lab.sweep', { sweepId: 'w1', set: CSV, models: ['ast-tiny-esc10-cmkd'], rs: [0, 16], shapes: ['constant'], propAttn: 'on', weights: 'both' }),
    );
    expect(res.rows.map((r) => `${r.setting.weights}@${r.setting.r}`)).toEqual(['float32@0', 'float32@16', 'int8@0', 'int8@16']);
    expect(res.computed).toBe(8);
    const int8Rows = res.rows.filter((r) => r.setting.weights === 'int8');
    expect(int8Rows.length).toBe(2);
    for (const row of int8Rows) expect(row.timing?.speedup?.pairs).toBe(2);
    const progress = hosted.client.events.filter((e) => e.event === 'lab.progress').map((e) => e.data as { message?: string; setting?: { weights?: string } });
    expect(progress.some((p) => p.message === 'building ast-tiny-esc10-cmkd (int8)')).toBe(true);
    expect(progress.some((p) => p.setting?.weights === 'int8')).toBe(true);
    const csv = await hosted.client.ok('lab.export', { format: 'csv', path: join(tmp, 'weights'), sweepId: 'w1' });
    const lines = readFileSync(csv.path, 'utf8').trim().split('\n');
    const col = lines[0].split(',').indexOf('weights');
    expect(lines.slice(1).map((l) => l.split(',')[col])).toEqual(['float32', 'float32', 'int8', 'int8']);
  }, 120_000);
});
