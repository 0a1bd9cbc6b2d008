// Which part of the window the merge view shows (renderer/src/lib/merge-span.ts), on AST-base's
// patch grid: the tiny-ast fixture has AST-base's input (1024 frames × 128 mel bins, strides
// 10/10 → 12 × 101 patches, 1214 tokens), run for real through onnxruntime on the church bells.
// At fit the whole window is shown, padding included; zoomed in, the columns under the audio
// view's seconds, never thinner than MIN_COL_PX, and only those are drawn.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCheckpoint, type Checkpoint } from '../app/checkpoint/load.js';
import { createNodeEngine } from '../app/engine/node-engine.js';
import { runView } from '../main/host/views.js';
import { gridOf, layerGroups, levelRange, patchAt, patchLevels, type Grid, type LayerGroups } from '../renderer/src/lib/merge-groups.js';
import { frameAtX, mergeSpan, MIN_COL_PX, visiblePatches } from '../renderer/src/lib/merge-span.js';
import { FIXTURES, featureFile } from './helpers/fixtures.js';

const INPUT = 'real_church_bells_inspectorj_371267';
/** Plot widths of the merge view at 1024, 1280 and 1920 px wide windows (about; the layout's margins vary). */
const PLOT_WIDTHS = [780, 1040, 1660];

let checkpoint: Checkpoint;
let grid: Grid;
let last: LayerGroups;

beforeAll(async () => {
  checkpoint = await loadCheckpoint(FIXTURES + 'tiny-ast');
  grid = gridOf(checkpoint.spec);
  const engine = await createNodeEngine(checkpoint, { providers: ['cpu'] });
  const input = await (await featureFile(INPUT)).readFloat(`${INPUT}.input_values`);
  const schedule = Array<number>(checkpoint.spec.numLayers).fill(150);
  const res = await engine.run(input, 1, { schedule, propAttn: true, protectDistillation: true });
  await engine.dispose();
  const run = runView(checkpoint.spec, res.items[0], { schedule, protectDistillation: true, inferMs: 0, ep: 'cpu', weights: 'float32', tokensPerLayer: res.tokensPerLayer });
  const win = { input, melBins: grid.bins, validFrames: grid.frames };
  const level = patchLevels(win, grid, levelRange(win));
  last = layerGroups(run, checkpoint.spec.numLayers, grid, checkpoint.spec.numTokens, level);
}, 120_000);

describe('merge span on a 12 × 101 grid', () => {
  it('the fixture has AST-base’s grid and the run merged it', () => {
    expect([grid.F, grid.T, grid.frames, grid.bins]).toEqual([12, 101, 1024, 128]);
    expect(last.tokens).toBe(1214 - 4 * 150);
    expect([...last.members.values()].some((m) => m.length > 1)).toBe(true);
  });

  it('at fit the whole window is shown, and its 101 columns stay ≥ 6 px at every screen size', () => {
    for (const plotW of PLOT_WIDTHS) {
      // A 20 s file at fit; the window at 5.12 s.
      const s = mergeSpan(grid, { startS: 5.12, validFrames: 1024 }, { startS: 0, endS: 20 }, plotW);
      expect(s).toMatchObject({ f0: 0, f1: 1024, firstCol: 0, lastCol: 100, whole: true });
      expect(s.colPx).toBeCloseTo((plotW * 10) / 1024, 6);
      expect(s.colPx).toBeGreaterThanOrEqual(MIN_COL_PX);
    }
  });

  it('a clip shorter than the window, at fit: the padding is shown too', () => {
    // 1.08 s of audio (108 frames), the audio view showing all of it.
    const s = mergeSpan(grid, { startS: 0, validFrames: 108 }, { startS: 0, endS: 1.08 }, 1040);
    expect(s).toMatchObject({ f0: 0, f1: 1024, lastCol: 100, whole: true });
  });

  it('zoomed in, the columns under the audio view’s seconds; scrolling moves them', () => {
    const at = (startS: number, endS: number) => mergeSpan(grid, { startS: 5.12, validFrames: 1024 }, { startS, endS }, 1040);
    const s = at(6.12, 8.12);
    expect(s).toMatchObject({ firstCol: 10, lastCol: 29, whole: false });
    expect([s.f0, s.f1].map((f) => Math.round(f * 1e6) / 1e6)).toEqual([100, 300]);
    expect(s.colPx).toBeCloseTo(52, 6);
    const scrolled = at(7.12, 9.12);
    expect([scrolled.firstCol, scrolled.lastCol]).toEqual([20, 39]);
    // A view reaching past the window's end stops at the input's last column.
    expect(at(14, 16)).toMatchObject({ f1: 1024, lastCol: 100 });
  });

  it('zoomed in but still wide on a narrow plot: the span shrinks about its centre so columns stay ≥ 6 px', () => {
    const s = mergeSpan(grid, { startS: 0, validFrames: 1024 }, { startS: 0.5, endS: 9.5 }, 400);
    expect(s.whole).toBe(false);
    expect(s.colPx).toBeCloseTo(MIN_COL_PX, 6);
    expect((s.f0 + s.f1) / 2).toBeCloseTo(500, 6);
    expect(s.f0).toBeGreaterThanOrEqual(0);
    expect(s.f1).toBeLessThanOrEqual(1024);
  });

  it('only the shown columns are drawn, and the mouse finds patches in them', () => {
    for (const plotW of PLOT_WIDTHS) {
      const s = mergeSpan(grid, { startS: 0, validFrames: 1024 }, { startS: 3.3, endS: 4.9 }, plotW);
      const drawn = visiblePatches(grid, s);
      expect(drawn.length).toBe(12 * (s.lastCol - s.firstCol + 1));
      expect(drawn.length).toBeLessThan(12 * 101);
      const cols = new Set(drawn.map((p) => p % grid.T));
      expect(Math.min(...cols)).toBe(s.firstCol);
      expect(Math.max(...cols)).toBe(s.lastCol);
      // Every x across the plot lands in a drawn patch of the real run's groups.
      for (let x = 0; x < plotW; x += 7) {
        const p = patchAt(grid, frameAtX(s, plotW, x), 64);
        expect(p).not.toBeNull();
        expect(cols.has(p! % grid.T)).toBe(true);
        expect(last.members.get(last.group[p!])).toContain(p);
      }
      // Zoomed in, fewer tokens are on screen than in the window.
      const tokensShown = new Set(drawn.map((p) => last.group[p]));
      expect(tokensShown.size).toBeLessThan(new Set(last.group).size);
    }
  });
});
