/**
 * The weights setting in the contract (issue 13): a merge setting may name int8 weights, a run
 * says which weights it used, and a lab sweep takes weights as an axis. Validated both ways: what
 * a client sends (params) and what a host answers (results, events).
 */
import { describe, expect, test } from 'vitest';
import { parseEvent, parseParams, parseResult, type RunView } from '../app/contract/index.js';

const MERGE = { r: 8, shape: 'constant', propAttn: true, protectDistillation: true } as const;

function runView(extra: Record<string, unknown>): Record<string, unknown> {
  const run: Omit<RunView, 'weights'> = {
    scores: Float32Array.of(0.25, 0.75),
    topk: [{ index: 1, score: 0.75 }],
    groups: new Int32Array(0),
    sourceScores: new Float32Array(0),
    margins: new Float32Array(0),
    tokensPerLayer: [4, 2],
    schedule: [1],
    rApplied: [1],
    mergeRatio: 0.5,
    gflops: 1,
    inferMs: 3,
    ep: 'cpu',
  };
  return { ...run, ...extra };
}

describe('weights in the contract', () => {
  test('a merge setting takes float32 or int8 weights, or none (float32), and nothing else', () => {
    expect(parseParams('window.merge', { fileId: 'f1', startS: 0, merge: { ...MERGE, weights: 'int8' } }).merge.weights).toBe('int8');
    expect(parseParams('window.merge', { fileId: 'f1', startS: 0, merge: MERGE }).merge.weights).toBeUndefined();
    expect(parseParams('settings.save', { lastMerge: { ...MERGE, weights: 'float32' } }).lastMerge.weights).toBe('float32');
    expect(() => parseParams('window.merge', { fileId: 'f1', startS: 0, merge: { ...MERGE, weights: 'int4' } })).toThrow(/merge\.weights: expected one of float32, int8, got "int4"/);
    expect(() => parseParams('window.speed', { merge: { ...MERGE, weights: 8 } })).toThrow(/merge\.weights: expected one of float32, int8/);
    expect(() => parseParams('analysis.run', { fileId: 'f1', hopS: 1, merge: { ...MERGE, weights: null } })).toThrow(/merge\.weights/);
  });

  test('a run says the weights it used: a result without them, or with others, is refused', () => {
    const ok = (weights: unknown) => parseResult('window.baseline', { window: windowInput(), run: runView({ weights }) });
    expect(ok('int8').run.weights).toBe('int8');
    expect(ok('float32').run.weights).toBe('float32');
    expect(() => parseResult('window.baseline', { window: windowInput(), run: runView({}) })).toThrow(/run\.weights: missing/);
    expect(() => ok('fp16')).toThrow(/run\.weights: expected one of float32, int8, got "fp16"/);
  });

  test('a lab sweep takes weights float32, int8 or both; its progress names a setting’s weights', () => {
    const sweep = { sweepId: 's1', set: '/x.csv', models: ['m'], rs: [0], shapes: ['constant'], propAttn: 'on' };
    expect(parseParams('lab.sweep', sweep).weights).toBeUndefined();
    for (const w of ['float32', 'int8', 'both'] as const) expect(parseParams('lab.sweep', { ...sweep, weights: w }).weights).toBe(w);
    expect(() => parseParams('lab.sweep', { ...sweep, weights: 'all' })).toThrow(/weights: expected one of float32, int8, both, got "all"/);
    const progress = parseEvent('lab.progress', { sweepId: 's1', stage: 'infer', done: 1, total: 2, cached: 0, setting: { ...MERGE, weights: 'int8' } });
    expect((progress.data as { setting: { weights: string } }).setting.weights).toBe('int8');
    expect(() => parseEvent('lab.progress', { sweepId: 's1', stage: 'infer', done: 1, total: 2, cached: 0, setting: { ...MERGE, weights: 'q4' } })).toThrow(/setting\.weights/);
  });

  test('an analysis’s provenance may say int8, and nothing else', () => {
    const provenance = { modelId: 'm', modelSha256: 'x', schedule: [0], propAttn: false, protectDistillation: true, windowS: 10.24, hopS: 10.24 };
    const result = (p: Record<string, unknown>) => ({
      fileId: 'f1', modelId: 'm', hopS: 1, windowS: 10.24, starts: new Float32Array(0), scores: new Float32Array(0), classes: 2, multiLabel: false,
      merge: { ...MERGE, weights: 'int8' }, elapsedMs: 1, msPerWindow: 1, provenance: p,
    });
    expect(parseResult('analysis.run', result({ ...provenance, weights: 'int8' })).provenance.weights).toBe('int8');
    expect(parseResult('analysis.run', result(provenance)).provenance.weights).toBeUndefined();
    expect(() => parseResult('analysis.run', result({ ...provenance, weights: 'int2' }))).toThrow(/provenance\.weights/);
  });
});

function windowInput() {
  return { fileId: 'f1', startS: 0, input: new Float32Array(4), frames: 2, melBins: 2, validFrames: 2, melEdgesHz: new Float32Array(3), windowS: 0.02 };
}
