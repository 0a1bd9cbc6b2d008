/** The lab chart's arithmetic (renderer/src/components/lab/chart.ts): series, ticks, names. */
import { describe, expect, test } from 'vitest';
import type { LabResult, LabRow } from '../app/contract/index.js';
import { wilson } from '../app/analysis/intervals.js';
import { chartModel, domains, MIN_Y_SPAN, niceTicks, shortNames, tickText, type ChartPoint } from '../renderer/src/components/lab/chart.js';

function row(model: string, r: number, score: number, clipsPerS: number | null, shape: 'constant' | 'decreasing' = 'constant', propAttn = true, weights?: 'float32' | 'int8'): LabRow {
  return {
    model,
    modelSha256: 'x',
    ep: 'cpu',
    setting: { r, shape, propAttn, protectDistillation: true, ...(weights ? { weights } : {}) },
    schedule: [],
    metric: 'accuracy',
    score,
    accuracy: score,
    accuracyLow: score,
    accuracyHigh: score,
    correct: 0,
    map: NaN,
    clips: 80,
    agreement: 1,
    changed: [],
    changedTotal: 0,
    perClass: [],
    confusion: null,
    timing: clipsPerS === null ? null : { msPerWindow: 1000 / clipsPerS, msPerClip: 1000 / clipsPerS, clipsPerS, clipsPerSLow: clipsPerS, clipsPerSHigh: clipsPerS, speedup: null, batchSize: 1, samples: 80, fromCache: false, measuredAt: '' },
    tokensAfterLast: 602,
    flops: 1e9,
    flopsRatio: 1,
    computedClips: 80,
  };
}

const result = (rows: LabRow[]): LabResult => ({
  sweepId: 's',
  set: { source: '/x.csv', kind: 'csv', clips: 80, totalClips: 80, multiLabel: false, fold: null },
  models: [...new Set(rows.map((r) => r.model))].map((id) => ({ id, sha256: 'x', ep: 'cpu', labels: [], multiLabel: false })),
  rows,
  featuresMs: 0,
  computed: 0,
  cached: 0,
  elapsedMs: 0,
  cacheDir: '/c',
});

describe('lab chart', () => {
  test('one curve per model (and per shape / prop-attn), points in r order, distinct colours; rows without timing left out', () => {
    const m = chartModel(
      result([row('a-cmkd', 48, 0.88, 20), row('a-cmkd', 0, 0.89, 10), row('a-plain', 0, 0.86, 10), row('a-plain', 16, 0.86, 12, 'decreasing'), row('a-plain', 8, 0.85, null)]),
    );
    expect(m.series.map((s) => s.key)).toEqual(['a-cmkd|constant|true|float32', 'a-plain|constant|true|float32', 'a-plain|decreasing|true|float32']);
    expect(m.series[0].points.map((p) => p.row)).toEqual([1, 0]);
    expect(m.series[0].points[0]).toEqual({ row: 1, x: 10, y: 89, yLow: 89, yHigh: 89, xLow: 10, xHigh: 10 });
    expect(m.series[0].colour).not.toBe(m.series[1].colour);
    expect(m.series[1].colour).toBe(m.series[2].colour);
    expect(m.series[2].dash).not.toBe('');
    expect(m.unplaced).toEqual([4]);
    expect(m.styles.map((s) => s.label)).toEqual(['constant', 'decreasing']);
    expect(m.metric).toBe('accuracy');
  });

  test('one curve per model × weights: int8 dashed in the model’s colour, the legend names the weights', () => {
    const rows = ['a-cmkd', 'a-plain'].flatMap((m) => (['float32', 'int8'] as const).flatMap((w) => [row(m, 0, 0.9, 10, 'constant', true, w), row(m, 48, 0.88, 15, 'constant', true, w)]));
    const m = chartModel(result(rows));
    expect(m.series.map((s) => `${s.model}|${s.weights}|${s.points.length}`)).toEqual(['a-cmkd|float32|2', 'a-cmkd|int8|2', 'a-plain|float32|2', 'a-plain|int8|2']);
    for (const s of m.series) expect(s.dash === '').toBe(s.weights === 'float32');
    expect(m.series[0].colour).toBe(m.series[1].colour);
    expect(m.series[0].colour).not.toBe(m.series[2].colour);
    expect(m.styles.map((s) => s.label)).toEqual(['float32', 'int8']);
    // With several shapes too, every shape × weights has a dash of its own.
    const mixed = chartModel(result([...rows, row('a-cmkd', 16, 0.9, 12, 'decreasing', true, 'float32'), row('a-cmkd', 16, 0.9, 12, 'decreasing', true, 'int8')]));
    expect(mixed.styles.map((s) => s.label)).toEqual(['constant, float32', 'constant, int8', 'decreasing, float32', 'decreasing, int8']);
    expect(new Set(mixed.styles.map((s) => s.dash)).size).toBe(4);
  });

  test('nice ticks and their text', () => {
    expect(niceTicks(8.1, 22.7, 6)).toMatchObject({ lo: 7.5, hi: 22.5 + 2.5, step: 2.5 });
    const t = niceTicks(84.2, 89.9, 5);
    expect(t.ticks[0]).toBeLessThanOrEqual(84.2);
    expect(t.ticks.at(-1)).toBeGreaterThanOrEqual(89.9);
    expect(tickText(12.5, 2.5)).toBe('12.5');
    expect(tickText(20, 5)).toBe('20');
    expect(tickText(0.25, 0.05)).toBe('0.25');
    // One point, or equal values: a span around them, never past 100 %.
    const d = domains([{ row: 0, x: 10, y: 100, yLow: 100, yHigh: 100, xLow: 10, xHigh: 10 }]);
    expect(d.y.hi).toBeLessThanOrEqual(100);
    expect(d.y.lo).toBeLessThan(100);
    expect(d.x.lo).toBeLessThan(10);
  });

  test('short model names drop the shared prefix', () => {
    expect([...shortNames(['ast-tiny-esc10-cmkd', 'ast-tiny-esc10-plain']).values()]).toEqual(['cmkd', 'plain']);
    expect([...shortNames(['only-one']).values()]).toEqual(['only-one']);
  });

  test('the accuracy axis never zooms into noise: it spans every 95 % interval and at least MIN_Y_SPAN points', () => {
    const pt = (y: number, yLow = y, yHigh = y, x = 10): ChartPoint => ({ row: 0, x, y, yLow, yHigh, xLow: x * 0.9, xHigh: x * 1.1 });
    expect(MIN_Y_SPAN).toBe(10);
    // 10 clips, 9 right at every setting: the points all sit at 90 %, the Wilson interval is 60–98 %.
    const w = wilson(9, 10);
    const ten = domains([pt(90, w.low * 100, w.high * 100, 8), pt(90, w.low * 100, w.high * 100, 12)]);
    expect(ten.y.lo).toBeLessThanOrEqual(w.low * 100);
    expect(ten.y.hi).toBeGreaterThanOrEqual(w.high * 100);
    expect(ten.y.hi).toBeLessThanOrEqual(100);
    // Tight intervals (a large set) close together: still at least 10 points, centred on the data.
    const tight = domains([pt(89.9, 89.5, 90.3), pt(90.1, 89.7, 90.5)]);
    expect(tight.y.hi - tight.y.lo).toBeGreaterThanOrEqual(MIN_Y_SPAN);
    expect(tight.y.lo).toBeLessThanOrEqual(89.5);
    expect(tight.y.hi).toBeGreaterThanOrEqual(90.5);
    expect(tight.y.lo).toBeGreaterThan(80); // not zoomed out to 0…100 either
    // Against 100 %: the span goes below, never past the wall.
    const top = domains([pt(99.5, 99, 100)]);
    expect(top.y.hi).toBe(100);
    expect(top.y.lo).toBeLessThanOrEqual(90);
    // Against 0 %.
    const bottom = domains([pt(0.5, 0, 1)]);
    expect(bottom.y.lo).toBe(0);
    expect(bottom.y.hi).toBeGreaterThanOrEqual(10);
    // Intervals wider than the minimum set the span themselves.
    const wide = domains([pt(70, 40, 90), pt(80, 60, 95)]);
    expect(wide.y.lo).toBeLessThanOrEqual(40);
    expect(wide.y.hi).toBeGreaterThanOrEqual(95);
  });

  test('the throughput axis starts at 0 and reaches past every interval', () => {
    const pt = (x: number, xLow: number, xHigh: number): ChartPoint => ({ row: 0, x, y: 90, yLow: 80, yHigh: 95, xLow, xHigh });
    // The two bundled models at r = 0 (9.6 vs 15 clips/s in the issue): their ratio reads as lengths from 0.
    const d = domains([pt(9.6, 8.1, 11), pt(15, 14, 17.5)]);
    expect(d.x.lo).toBe(0);
    expect(d.x.hi).toBeGreaterThanOrEqual(17.5);
  });

  test('points carry the rows\' intervals: Wilson for accuracy, bootstrap for clips/s; mAP has none', () => {
    const r = { ...row('m', 0, 0.9, 20), accuracyLow: 0.6, accuracyHigh: 0.98 };
    r.timing = { ...r.timing!, clipsPerSLow: 18, clipsPerSHigh: 23 };
    const map = { ...row('m', 16, 0.5, 25), metric: 'mAP' as const, accuracyLow: 0.1, accuracyHigh: 0.9 };
    const pts = chartModel(result([r, map])).series[0].points;
    expect(pts[0]).toMatchObject({ y: 90, yLow: 60, yHigh: 98, x: 20, xLow: 18, xHigh: 23 });
    expect(pts[1].yLow).toBeCloseTo(50, 10);
    expect(pts[1].yHigh).toBeCloseTo(50, 10);
  });
});
