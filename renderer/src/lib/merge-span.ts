/**
 * Which part of the focused window the merge view shows, given the audio view's visible seconds.
 * Pure functions; test/renderer.merge-span.test.ts.
 *
 * While the audio view shows the whole window (at fit, or zoomed out far enough) the merge view
 * shows all of it, padding past the end of a short file included. Zoomed in closer than the
 * window, it shows the same seconds as the audio view, so that AST-base's 101 time patches can
 * be read column by column; columns never get thinner than MIN_COL_PX there.
 */
// Imports carry .js: the unit tests load this file through node's module resolution (vite takes either).
import { FRAMES_PER_SECOND } from '../../../app/common/units.js';
import type { Grid } from './merge-groups.js';

/** The audio view's visible seconds (the playhead is not part of it: the merge view never follows playback). */
export interface VisibleSeconds {
  startS: number;
  endS: number;
}

export interface MergeSpan {
  /** Frames [f0, f1) of the model input across the plot. */
  f0: number;
  f1: number;
  /** Patch columns that [f0, f1) touches: the only ones drawn. */
  firstCol: number;
  lastCol: number;
  /** Width of one full patch column, CSS pixels. */
  colPx: number;
  /** True when the whole window is shown (the audio view is not zoomed in past it). */
  whole: boolean;
}

/** Narrowest patch column the merge view draws when it follows a zoomed-in audio view, CSS pixels. */
export const MIN_COL_PX = 6;

/** Seconds the audio view's span may miss the window's edges by and still count as showing it (its readout rounds). */
const EDGE_S = 0.02;

/**
 * `win`: where the window starts in the file and how many of its frames are audio (the rest is
 * padding, which the audio view cannot scroll to: it ends with the file).
 */
export function mergeSpan(g: Grid, win: { startS: number; validFrames: number }, view: VisibleSeconds, plotW: number, minColPx = MIN_COL_PX): MergeSpan {
  const audioEndS = win.startS + Math.min(win.validFrames, g.frames) / FRAMES_PER_SECOND;
  const coversWindow = view.startS <= win.startS + EDGE_S && view.endS >= audioEndS - EDGE_S;
  let f0 = Math.max(0, (view.startS - win.startS) * FRAMES_PER_SECOND);
  let f1 = Math.min(g.frames, (view.endS - win.startS) * FRAMES_PER_SECOND);
  // No view yet, or one that misses the window: the merge view still shows its window.
  if (coversWindow || !(f1 - f0 >= 1)) return spanOf(g, 0, g.frames, plotW, true);
  // Zoomed in, but not enough for readable columns: keep the centre of what the audio view shows, inside the window.
  const maxFrames = Math.min(g.frames, Math.max(g.ts, (plotW / minColPx) * g.ts));
  if (f1 - f0 > maxFrames) {
    const mid = (f0 + f1) / 2;
    f0 = Math.min(Math.max(0, mid - maxFrames / 2), g.frames - maxFrames);
    f1 = f0 + maxFrames;
  }
  return spanOf(g, f0, f1, plotW, false);
}

function spanOf(g: Grid, f0: number, f1: number, plotW: number, whole: boolean): MergeSpan {
  const firstCol = Math.min(g.T - 1, Math.floor(f0 / g.ts));
  // The last column whose frames start before f1 (the last column runs to the input's end).
  const lastCol = Math.max(firstCol, Math.min(g.T - 1, Math.ceil(f1 / g.ts) - 1));
  return { f0, f1, firstCol, lastCol, colPx: (g.ts / (f1 - f0)) * plotW, whole };
}

/** The input frame under plot x (CSS pixels from the plot's left edge). */
export function frameAtX(span: Pick<MergeSpan, 'f0' | 'f1'>, plotW: number, x: number): number {
  return span.f0 + (x / plotW) * (span.f1 - span.f0);
}

/** Patches in the span's columns, row by row: what the merge view draws (F × visible columns, not the whole grid). */
export function visiblePatches(g: Grid, span: Pick<MergeSpan, 'firstCol' | 'lastCol'>): number[] {
  const out: number[] = [];
  for (let row = 0; row < g.F; row++) for (let col = span.firstCol; col <= span.lastCol; col++) out.push(row * g.T + col);
  return out;
}
