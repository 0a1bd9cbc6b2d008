/** The lab chart's arithmetic (renderer/src/components/lab/chart.ts): series, ticks, names. */
import { describe, expect, test } from 'vitest';
import type { LabResult, LabRow } from '../app/contract/index.js';
import { chartModel, domains, niceTicks, shortNames, tickText } from '../renderer/src/components/lab/chart.js';

function row(model: string, r: number, score: number, clipsPerS: number | null, shape: 'constant' | 'decreasing' = 'constant', propAttn = true): LabRow {
  return {
    model,
    modelSha256: 'x',
    ep: 'cpu',
    setting: { r, shape, propAttn, protectDistillation: true },
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
    expect(m.series.map((s) => s.key)).toEqual(['a-cmkd|constant|true', 'a-plain|constant|true', 'a-plain|decreasing|true']);
    expect(m.series[0].points.map((p) => p.row)).toEqual([1, 0]);
    expect(m.series[0].points[0]).toEqual({ row: 1, x: 10, y: 89 });
    expect(m.series[0].colour).not.toBe(m.series[1].colour);
    expect(m.series[1].colour).toBe(m.series[2].colour);
    expect(m.series[2].dash).not.toBe('');
    expect(m.unplaced).toEqual([4]);
    expect(m.styles.length).toBe(2);
    expect(m.metric).toBe('accuracy');
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
    const d = domains([{ row: 0, x: 10, y: 100 }]);
    expect(d.y.hi).toBeLessThanOrEqual(100);
    expect(d.y.lo).toBeLessThan(100);
    expect(d.x.lo).toBeLessThan(10);
  });

  test('short model names drop the shared prefix', () => {
    expect([...shortNames(['ast-tiny-esc10-cmkd', 'ast-tiny-esc10-plain']).values()]).toEqual(['cmkd', 'plain']);
    expect([...shortNames(['only-one']).values()]).toEqual(['only-one']);
  });
});
