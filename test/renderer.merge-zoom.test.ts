// The merge view's time span (renderer/src/lib/merge-groups.ts mergeSpan): it shows the seconds the
// audio view shows, clipped to the focused window, and never draws a patch column narrower than
// MIN_COL_PX (AST-base's 101 columns at fit would be ~4 px on a laptop), keeping the centre.
import { describe, expect, it } from 'vitest';
import { MIN_COL_PX, cellFrames, mergeSpan, type Grid } from '../renderer/src/lib/merge-groups.js';

/** AST-base (AudioSet): 12 × 101 patches over 128 bins × 1024 frames, stride 10. */
const BASE: Grid = { F: 12, T: 101, fs: 10, ts: 10, bins: 128, frames: 1024 };
/** The bundled model: 12 × 50 over 512 frames. */
const TINY: Grid = { F: 12, T: 50, fs: 10, ts: 10, bins: 128, frames: 512 };

describe('mergeSpan: visible seconds → frames and patch columns', () => {
  it('at fit on a wide plot shows the whole window, every column', () => {
    const s = mergeSpan(BASE, 10, { startS: 0, endS: 60 }, 1200);
    expect(s).toMatchObject({ f0: 0, f1: 1024, firstCol: 0, lastCol: 100 });
    expect(s.colPx).toBeCloseTo((10 / 1024) * 1200, 6);
  });

  it('zoomed in, shows exactly the visible seconds of the window', () => {
    // Window 10.00–20.24 s; the audio view shows 11–12 s: frames 100–200, columns 10–19.
    const s = mergeSpan(BASE, 10, { startS: 11, endS: 12 }, 800);
    expect(s.f0).toBeCloseTo(100, 9);
    expect(s.f1).toBeCloseTo(200, 9);
    expect([s.firstCol, s.lastCol]).toEqual([10, 19]);
    expect(s.colPx).toBeCloseTo(80, 9);
  });

  it('a view that covers part of the window is clipped to it', () => {
    const s = mergeSpan(TINY, 4, { startS: 2, endS: 5.5 }, 1000);
    expect([s.f0, s.f1, s.firstCol, s.lastCol]).toEqual([0, 150, 0, 14]);
    const t = mergeSpan(TINY, 4, { startS: 8.5, endS: 30 }, 1000);
    expect(t.f0).toBeCloseTo(450, 9);
    expect([t.f1, t.firstCol, t.lastCol]).toEqual([512, 45, 49]);
  });

  it('a view that misses the window, or none yet, shows the whole window', () => {
    expect(mergeSpan(TINY, 4, { startS: 20, endS: 30 }, 1000)).toMatchObject({ f0: 0, f1: 512, firstCol: 0, lastCol: 49 });
    expect(mergeSpan(TINY, 0, { startS: 0, endS: 0 }, 1000)).toMatchObject({ f0: 0, f1: 512, firstCol: 0, lastCol: 49 });
  });

  it('narrows about the centre when fitting would make columns thinner than the minimum', () => {
    // 400 px: at most 400 / 6 columns = 666.7 frames, centred on frame 512.
    const s = mergeSpan(BASE, 0, { startS: 0, endS: 10.24 }, 400);
    expect(s.colPx).toBeCloseTo(MIN_COL_PX, 9);
    expect(s.f1 - s.f0).toBeCloseTo((400 / MIN_COL_PX) * 10, 9);
    expect((s.f0 + s.f1) / 2).toBeCloseTo(512, 9);
    expect([s.firstCol, s.lastCol]).toEqual([17, 84]);
  });

  it('a larger minimum width shows fewer columns', () => {
    const a = mergeSpan(BASE, 0, { startS: 0, endS: 10.24 }, 600, 6);
    const b = mergeSpan(BASE, 0, { startS: 0, endS: 10.24 }, 600, 12);
    expect(b.lastCol - b.firstCol).toBeLessThan(a.lastCol - a.firstCol);
    expect(b.colPx).toBeCloseTo(12, 9);
  });

  it('random views: inside the window, columns ≥ the minimum (or fit), columns cover the span', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    for (let i = 0; i < 2000; i++) {
      const g = i % 2 ? BASE : TINY;
      const winS = rnd() * 50;
      const a = winS - 5 + rnd() * 20;
      const view = { startS: a, endS: a + rnd() * 15 };
      const plotW = 50 + rnd() * 1900;
      const s = mergeSpan(g, winS, view, plotW);
      expect(s.f0).toBeGreaterThanOrEqual(0);
      expect(s.f1).toBeLessThanOrEqual(g.frames + 1e-9);
      expect(s.f1 - s.f0).toBeGreaterThan(0);
      expect(s.colPx).toBeGreaterThanOrEqual(Math.min(MIN_COL_PX, (g.ts / g.frames) * plotW) - 1e-9);
      expect(s.firstCol).toBeLessThanOrEqual(s.lastCol);
      expect(cellFrames(g, s.firstCol)[0]).toBeLessThanOrEqual(s.f0 + 1e-9);
      expect(cellFrames(g, s.lastCol)[1]).toBeGreaterThanOrEqual(s.f1 - 1e-9);
      // The first and last columns really are in view.
      expect(cellFrames(g, s.firstCol)[1]).toBeGreaterThan(s.f0);
      expect(cellFrames(g, s.lastCol)[0]).toBeLessThan(s.f1);
    }
  });
});
