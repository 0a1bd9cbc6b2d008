/**
 * Draws the merge view: the model input with its patch grid (layer 0), or the groups after a
 * layer over that same input (semi-transparent tints per token, or shades by their decisions'
 * margins, at the opacity the user chose, so the sound under a merge stays visible), the padding
 * past the end of the file, the hovered token, and the Hz / seconds axes. The math lives in
 * merge-groups.ts.
 */
import type { WindowInput } from '../../../app/contract';
import { framesToSeconds } from '../../../app/common/units';
import { fitCanvas } from './canvas';
import { groupTint, marginRgb, marginT } from './color';
import { MERGE_MARGIN as M } from './layout';
import { cellBins, cellFrames, normLevel, type Grid, type LayerGroups, type LevelRange } from './merge-groups';
import { visiblePatches, type MergeSpan } from './merge-span';
import { hzTicks, timeTicks } from './mel';
import { UI_FONT } from './font.js';

/** The model input as an image (frames × bins, low bins at the bottom), in colour map `lut` (lib/color.ts). */
export function inputImage(w: WindowInput, range: LevelRange, lut: Uint8Array): HTMLCanvasElement {
  const B = w.melBins;
  const image = document.createElement('canvas');
  image.width = w.frames;
  image.height = B;
  const ctx = image.getContext('2d')!;
  const img = ctx.createImageData(w.frames, B);
  for (let t = 0; t < w.frames; t++) {
    for (let b = 0; b < B; b++) {
      const v = Math.round(normLevel(w.input[t * B + b], range) * 255);
      const o = ((B - 1 - b) * w.frames + t) * 4;
      img.data[o] = lut[v * 3];
      img.data[o + 1] = lut[v * 3 + 1];
      img.data[o + 2] = lut[v * 3 + 2];
      img.data[o + 3] = 255;
    }
  }
  ctx.putImageData(img, 0, 0);
  return image;
}

export interface MergeScene {
  /** Canvas size and the plot inside the margins (CSS pixels). */
  W: number;
  H: number;
  plotW: number;
  plotH: number;
  grid: Grid;
  /** The focused window and its input image; null while it loads (only the empty plot is drawn). */
  win: WindowInput | null;
  image: HTMLCanvasElement | null;
  /** The groups after `layer`; null = show the model input. */
  groups: LayerGroups | null;
  layer: number;
  shading: boolean;
  /** Opacity of the tints over the input, 0 (outlines only) … 1. */
  tint: number;
  /** The patch under the mouse. */
  hoverPatch: number | null;
  /** The frames and patch columns shown (merge-span.ts: the whole window, or the audio view's zoom). */
  span: MergeSpan;
}

/** Plot coordinates of the patch grid. */
interface Frame {
  plotW: number;
  plotH: number;
  grid: Grid;
  span: MergeSpan;
  /** Patches in the shown columns: the only ones the loops below visit, so a zoomed-in draw costs what it shows. */
  patches: number[];
  X(frame: number): number;
  Y(bin: number): number;
  cell(p: number): { x: number; y: number; w: number; h: number };
}

function frameOf(grid: Grid, plotW: number, plotH: number, span: MergeSpan): Frame {
  const X = (frame: number) => M.left + ((frame - span.f0) / (span.f1 - span.f0)) * plotW;
  const Y = (bin: number) => M.top + plotH - (bin / grid.bins) * plotH;
  const cell = (p: number) => {
    const [b0, b1] = cellBins(grid, Math.floor(p / grid.T));
    const [t0, t1] = cellFrames(grid, p % grid.T);
    return { x: X(t0), y: Y(b1), w: X(t1) - X(t0), h: Y(b0) - Y(b1) };
  };
  return { plotW, plotH, grid, span, patches: visiblePatches(grid, span), X, Y, cell };
}

export function drawMergeView(canvas: HTMLCanvasElement, s: MergeScene): void {
  const { W, H, plotW, plotH, grid, win, image, groups, layer, shading, tint } = s;
  const ctx = fitCanvas(canvas, W, H);
  ctx.clearRect(0, 0, W, H);
  ctx.fillStyle = '#0e1117';
  ctx.fillRect(M.left, M.top, plotW, plotH);
  if (!win || !image) return;
  const f = frameOf(grid, plotW, plotH, s.span);
  // Zoomed in, the shown columns' edges stick out of the plot: the clip keeps them off the axes.
  ctx.save();
  ctx.beginPath();
  ctx.rect(M.left, M.top, plotW, plotH);
  ctx.clip();
  drawInput(ctx, f, image, !groups || layer === 0);
  if (groups && layer > 0) {
    drawGroups(ctx, f, groups, shading, tint);
    if (shading) drawNearTies(ctx, f, groups);
  }
  if (win.validFrames < s.span.f1) drawPadding(ctx, f, win.validFrames, shading && layer > 0);
  if (s.hoverPatch !== null && groups) drawHover(ctx, f, groups, groups.group[s.hoverPatch], layer);
  ctx.restore();
  drawAxes(ctx, f, win);
}

/** Model input as the AST sees it, with the patch grid (`withGrid`: at layer 0; the groups draw their own borders). */
function drawInput(ctx: CanvasRenderingContext2D, f: Frame, image: HTMLCanvasElement, withGrid: boolean): void {
  const { grid, plotW, plotH, X, Y, span } = f;
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(image, span.f0, 0, span.f1 - span.f0, grid.bins, M.left, M.top, plotW, plotH);
  if (!withGrid) return;
  ctx.strokeStyle = 'rgba(255,255,255,0.18)';
  ctx.lineWidth = 1;
  ctx.beginPath();
  for (let col = Math.max(1, span.firstCol); col <= span.lastCol; col++) {
    const x = Math.round(X(col * grid.ts)) + 0.5;
    ctx.moveTo(x, M.top);
    ctx.lineTo(x, M.top + plotH);
  }
  for (let row = 1; row < grid.F; row++) {
    const y = Math.round(Y(row * grid.fs)) + 0.5;
    ctx.moveTo(M.left, y);
    ctx.lineTo(M.left + plotW, y);
  }
  ctx.stroke();
}

/**
 * Over the input: each merged group tinted (one hue per token) at opacity `tint`, lone patches
 * left clear; with the near-tie shading on, tokens shaded by how clear-cut their merges were
 * instead. Borders run between groups only, so a merged region reads as one cell even at
 * tint 0 (outlines only).
 */
function drawGroups(ctx: CanvasRenderingContext2D, f: Frame, groups: LayerGroups, shading: boolean, tint: number): void {
  const { grid, cell } = f;
  if (tint > 0) {
    for (const p of f.patches) {
      const k = groups.group[p];
      let fill: string | null = null;
      if (shading) {
        const m = groups.groupMargin[p];
        if (Number.isFinite(m)) fill = `rgba(${marginRgb(m).join(',')},${tint})`;
      } else {
        const sp = groups.special.get(k);
        const hue = sp === 'dist' ? 48 : sp === 'cls' ? 0 : groups.hue.get(k);
        if (hue !== null && hue !== undefined) fill = groupTint(hue, tint);
      }
      if (!fill) continue;
      const r = cell(p);
      ctx.fillStyle = fill;
      ctx.fillRect(r.x, r.y, r.w + 0.5, r.h + 0.5);
    }
  }
  const borders = new Path2D();
  for (const p of f.patches) {
    const row = Math.floor(p / grid.T);
    const col = p % grid.T;
    const r = cell(p);
    if (col + 1 < grid.T && groups.group[p] !== groups.group[p + 1]) {
      const x = Math.round(r.x + r.w) + 0.5;
      borders.moveTo(x, r.y);
      borders.lineTo(x, r.y + r.h);
    }
    if (row + 1 < grid.F && groups.group[p] !== groups.group[p + grid.T]) {
      const y = Math.round(r.y) + 0.5;
      borders.moveTo(r.x, y);
      borders.lineTo(r.x + r.w, y);
    }
  }
  // A dark line under a light one: the border reads on the dark and the bright parts of the map.
  ctx.lineWidth = 2.5;
  ctx.strokeStyle = 'rgba(8,10,14,0.55)';
  ctx.stroke(borders);
  ctx.lineWidth = 1;
  ctx.strokeStyle = 'rgba(235,240,250,0.75)';
  ctx.stroke(borders);
}

/** Near-ties (≤ 1e-4) also get hatching, so they read without colour too. */
function drawNearTies(ctx: CanvasRenderingContext2D, f: Frame, groups: LayerGroups): void {
  for (const p of f.patches) {
    const t = marginT(groups.groupMargin[p]);
    if (!(t < 1 / 3)) continue;
    const r = f.cell(p);
    ctx.save();
    ctx.beginPath();
    ctx.rect(r.x, r.y, r.w, r.h);
    ctx.clip();
    ctx.strokeStyle = 'rgba(60,16,0,0.5)';
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (let d = -r.h; d < r.w; d += 5) {
      ctx.moveTo(r.x + d, r.y + r.h);
      ctx.lineTo(r.x + d + r.h, r.y);
    }
    ctx.stroke();
    ctx.restore();
  }
}

/** Padding past the end of the file. With the shading on the colours under it are the point: no veil, only its edge and label. */
function drawPadding(ctx: CanvasRenderingContext2D, f: Frame, validFrames: number, shadingOn: boolean): void {
  const { plotW, plotH, X } = f;
  // Zoomed in past the end of the audio, the whole plot is padding.
  const x0 = Math.max(M.left, X(validFrames));
  ctx.save();
  ctx.beginPath();
  ctx.rect(x0, M.top, M.left + plotW - x0, plotH);
  ctx.clip();
  if (!shadingOn) {
    ctx.fillStyle = 'rgba(10,12,16,0.3)';
    ctx.fillRect(x0, M.top, M.left + plotW - x0, plotH);
    ctx.strokeStyle = 'rgba(220,228,245,0.3)';
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (let d = -plotH; d < plotW; d += 9) {
      ctx.moveTo(x0 + d, M.top + plotH);
      ctx.lineTo(x0 + d + plotH, M.top);
    }
    ctx.stroke();
  }
  ctx.restore();
  ctx.strokeStyle = '#e8eefc';
  ctx.setLineDash([4, 3]);
  ctx.beginPath();
  ctx.moveTo(Math.round(x0) + 0.5, M.top);
  ctx.lineTo(Math.round(x0) + 0.5, M.top + plotH);
  ctx.stroke();
  ctx.setLineDash([]);
  const label = 'padding (past end of file)';
  ctx.font = `11px ${UI_FONT}`;
  const tw = ctx.measureText(label).width;
  if (M.left + plotW - x0 > tw + 12) {
    ctx.fillStyle = 'rgba(10,12,16,0.85)';
    ctx.fillRect(x0 + 4, M.top + 4, tw + 8, 16);
    ctx.fillStyle = '#e8eefc';
    ctx.textBaseline = 'middle';
    ctx.fillText(label, x0 + 8, M.top + 12);
  }
}

/** Hover: the token's patches lit, the rest dimmed, similarity of each merge written in. */
function drawHover(ctx: CanvasRenderingContext2D, f: Frame, groups: LayerGroups, hoverGroup: number, layer: number): void {
  const { grid, cell } = f;
  const P = grid.F * grid.T;
  const members = groups.members.get(hoverGroup) ?? [];
  const inGroup = new Uint8Array(P);
  for (const p of members) inGroup[p] = 1;
  ctx.fillStyle = 'rgba(0,0,0,0.55)';
  for (const p of f.patches) {
    if (inGroup[p]) continue;
    const r = cell(p);
    ctx.fillRect(r.x, r.y, r.w + 0.5, r.h + 0.5);
  }
  ctx.strokeStyle = '#ffffff';
  ctx.lineWidth = 2;
  for (const p of members) {
    const r = cell(p);
    ctx.strokeRect(r.x + 1, r.y + 1, r.w - 2, r.h - 2);
  }
  const first = cell(members[0]);
  const fontPx = Math.max(8, Math.min(11, Math.floor(first.w / 3.2)));
  if (first.w < 26 || first.h < 12) return;
  ctx.font = `${fontPx}px ${UI_FONT}`;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  for (const p of members) {
    const r = cell(p);
    const s = groups.lastScore[p];
    const text = Number.isFinite(s) ? s.toFixed(4).replace(/^0/, '') : layer > 0 ? '●' : '';
    if (!text) continue;
    ctx.fillStyle = 'rgba(0,0,0,0.65)';
    const tw = ctx.measureText(text).width;
    ctx.fillRect(r.x + r.w / 2 - tw / 2 - 2, r.y + r.h / 2 - fontPx / 2 - 1, tw + 4, fontPx + 2);
    ctx.fillStyle = '#fff';
    ctx.fillText(text, r.x + r.w / 2, r.y + r.h / 2);
  }
  ctx.textAlign = 'left';
}

/** Axes: Hz (mel-spaced) and seconds. */
function drawAxes(ctx: CanvasRenderingContext2D, f: Frame, win: WindowInput): void {
  const { plotW, plotH } = f;
  ctx.strokeStyle = '#5a6478';
  ctx.fillStyle = '#9aa4b8';
  ctx.lineWidth = 1;
  ctx.font = `10px ${UI_FONT}`;
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  for (const t of hzTicks(win.melEdgesHz, 13 / plotH)) {
    const y = M.top + plotH - t.frac * plotH;
    ctx.beginPath();
    ctx.moveTo(M.left - 4, Math.round(y) + 0.5);
    ctx.lineTo(M.left, Math.round(y) + 0.5);
    ctx.stroke();
    ctx.fillText(t.label, M.left - 6, Math.max(M.top + 5, Math.min(M.top + plotH - 5, y)));
  }
  ctx.save();
  ctx.translate(10, M.top + plotH / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.textAlign = 'center';
  ctx.fillText('Hz (mel scale)', 0, 0);
  ctx.restore();
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  const start = win.startS + framesToSeconds(f.span.f0);
  const end = win.startS + framesToSeconds(f.span.f1);
  for (const t of timeTicks(start, end, plotW, 80)) {
    const x = M.left + ((t.t - start) / (end - start)) * plotW;
    ctx.beginPath();
    ctx.moveTo(Math.round(x) + 0.5, M.top + plotH);
    ctx.lineTo(Math.round(x) + 0.5, M.top + plotH + 4);
    ctx.stroke();
    ctx.textAlign = x < M.left + 14 ? 'left' : x > M.left + plotW - 14 ? 'right' : 'center';
    ctx.fillText(t.label, x, M.top + plotH + 6);
  }
}
