/**
 * The class × time heatmap above the label lane: which rows it shows, their height, the score
 * colour (brighter from the threshold up) and its legend, and what a point under the mouse is.
 * Pure (test/renderer.heatmap.test.ts) apart from drawHeatmap, which paints a canvas.
 */
// Imports carry .js: the unit tests load this file through node's module resolution (vite takes either).
import { MAGMA } from './color.js';
import { UI_FONT } from './font.js';

export const HEAT_ROW_H = 11;
export const HEAT_MAX_ROWS = 10;

/** The analysis the heatmap reads. */
export interface HeatScores {
  starts: ArrayLike<number>;
  scores: ArrayLike<number>;
  classes: number;
  windowS: number;
}

/** Colour-map index of a score: below the threshold dim (0…40), from it up bright (80…255). */
export function heatIndex(v: number, threshold: number): number {
  const x = Math.max(0, Math.min(1, v));
  return x >= threshold ? Math.round(80 + 175 * x) : Math.round(40 * x);
}

export function heatColor(v: number, threshold: number): string {
  const i = heatIndex(v, threshold) * 3;
  return `rgb(${MAGMA[i]},${MAGMA[i + 1]},${MAGMA[i + 2]})`;
}

/** CSS gradient of the score scale 0…1 (left to right), with the step at the threshold. */
export function heatGradient(threshold: number): string {
  const stops: string[] = [];
  const at = (v: number, pct: number) => stops.push(`${heatColor(v, threshold)} ${(pct * 100).toFixed(1)}%`);
  for (let i = 0; i <= 20; i++) {
    const v = i / 20;
    if (v >= threshold && (i - 1) / 20 < threshold && threshold > 0) {
      // The step: the dim colour up to the threshold, the bright one from it.
      at(threshold - 1e-6, threshold);
      at(threshold, threshold);
      if (v === threshold) continue;
    }
    at(v, v);
  }
  return `linear-gradient(90deg, ${stops.join(', ')})`;
}

/** The seconds window `w` owns on the time axis: up to the next window's start (or its own end). */
export function ownedSpan(h: HeatScores, w: number, durationS: number): [number, number] {
  const n = h.starts.length;
  return [h.starts[w], w + 1 < n ? h.starts[w + 1] : Math.min(h.starts[w] + h.windowS, durationS)];
}

/** The window whose owned span holds time t, or -1. */
export function windowAt(h: HeatScores, t: number): number {
  let w = -1;
  for (let i = 0; i < h.starts.length; i++) if (h.starts[i] <= t) w = i;
  return w;
}

/** Rows shown (the first HEAT_MAX_ROWS classes of `order`) and the heatmap's height. */
export function heatLayout(order: readonly number[]): { rows: number[]; height: number } {
  const rows = order.slice(0, HEAT_MAX_ROWS);
  return { rows, height: rows.length * HEAT_ROW_H };
}

/** Class, window and score under (t, y) in a heatmap with `rows`; null off the rows or windows. */
export function heatCell(h: HeatScores, rows: readonly number[], t: number, y: number): { cls: number; w: number; score: number } | null {
  const i = Math.floor(y / HEAT_ROW_H);
  const w = windowAt(h, t);
  if (i < 0 || i >= rows.length || w < 0) return null;
  return { cls: rows[i], w, score: h.scores[w * h.classes + rows[i]] };
}

/** Paints the heatmap: one row per class, its name on a dark plate at the left edge. */
export function drawHeatmap(
  ctx: CanvasRenderingContext2D,
  h: HeatScores,
  o: { rows: readonly number[]; labels: readonly string[]; threshold: number; durationS: number; W: number; x(t: number): number; view: { startS: number; endS: number } },
): void {
  const { rows, x } = o;
  rows.forEach((k, i) => {
    const y = i * HEAT_ROW_H;
    for (let w = 0; w < h.starts.length; w++) {
      const [a, b] = ownedSpan(h, w, o.durationS);
      if (b < o.view.startS || a > o.view.endS) continue;
      ctx.fillStyle = heatColor(h.scores[w * h.classes + k], o.threshold);
      ctx.fillRect(x(a), y, x(b) - x(a) + 0.5, HEAT_ROW_H - 1);
    }
  });
  ctx.font = `9.5px ${UI_FONT}`;
  ctx.textBaseline = 'middle';
  rows.forEach((k, i) => {
    const name = o.labels[k] ?? `class ${k}`;
    const tw = Math.min(ctx.measureText(name).width, o.W * 0.4);
    ctx.fillStyle = 'rgba(10,12,16,0.72)';
    ctx.fillRect(0, i * HEAT_ROW_H, tw + 7, HEAT_ROW_H - 1);
    ctx.fillStyle = '#e6ebf5';
    ctx.fillText(name, 3, i * HEAT_ROW_H + (HEAT_ROW_H - 1) / 2 + 0.5, o.W * 0.4);
  });
}
