/**
 * The merge view's math, without a canvas: the patch grid's geometry, per-patch levels of the
 * model input, which patches form one token after a layer (with the merge scores and margins
 * behind it), and the colouring of those groups. Pure functions; test/renderer.merge-groups.test.ts.
 */
// Imports carry .js: the unit tests load this file through node's module resolution (vite takes either).
import type { ModelInfo, RunView, WindowInput } from '../../../app/contract/index.js';
import { GROUP_HUES } from './color.js';

/** Geometry of the patch grid: patch p owns a stride × stride cell; the last row / column runs to the edge. */
export interface Grid {
  /** Patch rows (frequency) and columns (time). */
  F: number;
  T: number;
  /** Strides in mel bins and in frames. */
  fs: number;
  ts: number;
  /** Size of the model input. */
  bins: number;
  frames: number;
}

export function gridOf(m: Pick<ModelInfo, 'freqPatches' | 'timePatches' | 'frequencyStride' | 'timeStride' | 'numMelBins' | 'maxLength'>): Grid {
  return { F: m.freqPatches, T: m.timePatches, fs: m.frequencyStride, ts: m.timeStride, bins: m.numMelBins, frames: m.maxLength };
}

/** Mel bins [b0, b1) of patch row `row`. */
export function cellBins(g: Grid, row: number): [number, number] {
  return [row * g.fs, row === g.F - 1 ? g.bins : (row + 1) * g.fs];
}

/** Frames [t0, t1) of patch column `col`. */
export function cellFrames(g: Grid, col: number): [number, number] {
  return [col * g.ts, col === g.T - 1 ? g.frames : (col + 1) * g.ts];
}

/** The patch under (frame, bin) of the model input; null outside it. */
export function patchAt(g: Grid, frame: number, bin: number): number | null {
  if (frame < 0 || frame >= g.frames || bin < 0 || bin >= g.bins) return null;
  const col = Math.min(g.T - 1, Math.floor(frame / g.ts));
  const row = Math.min(g.F - 1, Math.floor(bin / g.fs));
  return row * g.T + col;
}

/** The part of a window the level math reads. */
export type WindowLevels = Pick<WindowInput, 'input' | 'melBins' | 'validFrames'>;

/** Input values mapped to 0…1 for display: lo → 0, hi → 1, clamped. */
export interface LevelRange {
  lo: number;
  hi: number;
}

/** Level range from the audio part of the window (padding is constant and would stretch the scale). */
export function levelRange(w: WindowLevels): LevelRange {
  const { input, melBins: B, validFrames } = w;
  const sample: number[] = [];
  const n = Math.max(validFrames, 1) * B;
  const step = Math.max(1, Math.floor(n / 20000));
  for (let i = 0; i < n; i += step) sample.push(input[i]);
  sample.sort((a, b) => a - b);
  return { lo: sample[Math.floor(sample.length * 0.02)] ?? -1, hi: sample[Math.floor(sample.length * 0.995)] ?? 1 };
}

export function normLevel(v: number, r: LevelRange): number {
  return Math.max(0, Math.min(1, (v - r.lo) / (r.hi - r.lo || 1)));
}

/**
 * Per patch: the mean level over its cell, then stretched over the patches' own range
 * (3rd to 97th percentile) so that groups read apart.
 */
export function patchLevels(w: WindowLevels, g: Grid, range: LevelRange): Float32Array {
  const { input, melBins: B } = w;
  const level = new Float32Array(g.F * g.T);
  for (let row = 0; row < g.F; row++) {
    const [b0, b1] = cellBins(g, row);
    for (let col = 0; col < g.T; col++) {
      const [t0, t1] = cellFrames(g, col);
      let s = 0;
      for (let t = t0; t < t1; t++) for (let b = b0; b < b1; b++) s += normLevel(input[t * B + b], range);
      level[row * g.T + col] = s / ((t1 - t0) * (b1 - b0));
    }
  }
  const sorted = Array.from(level).sort((a, b) => a - b);
  const pl = sorted[Math.floor(sorted.length * 0.03)];
  const ph = sorted[Math.floor(sorted.length * 0.97)];
  for (let i = 0; i < level.length; i++) level[i] = Math.max(0, Math.min(1, (level[i] - pl) / (ph - pl || 1)));
  return level;
}

/** The part of a run the group math reads. */
export type RunGroups = Pick<RunView, 'groups' | 'sourceScores' | 'margins' | 'tokensPerLayer'>;

export interface LayerGroups {
  /** Per patch: group id (token index after the layer). */
  group: Int32Array;
  size: Map<number, number>;
  /** Patches of each group, in patch order. */
  members: Map<number, number[]>;
  meanLevel: Map<number, number>;
  /** Tint per merged group (null = a lone patch). */
  hue: Map<number, number | null>;
  /** Groups that hold the cls / distillation token. */
  special: Map<number, 'cls' | 'dist'>;
  /** Per patch: the latest merge up to this layer in which its token was the source. */
  lastLayer: Int32Array;
  lastScore: Float32Array;
  /** Margin of the decision behind that merge (cosine units). */
  lastMargin: Float32Array;
  /**
   * Per patch: the smallest margin of all the decisions (to merge, or not) taken up to this layer
   * by the tokens that now form its group; NaN where none of them had a decision to make.
   */
  groupMargin: Float32Array;
  /** Tokens left after the layer (cls and distillation included). */
  tokens: number;
}

/**
 * The groups after `layer` (0 = the model input: every patch on its own). `N` is the model's
 * token count (2 + patches); `level` the per-patch levels (patchLevels).
 */
export function layerGroups(run: RunGroups, layer: number, g: Grid, N: number, level: Float32Array): LayerGroups {
  const P = g.F * g.T;
  const group = new Int32Array(P);
  const lastLayer = new Int32Array(P).fill(-1);
  const lastScore = new Float32Array(P).fill(NaN);
  const lastMargin = new Float32Array(P).fill(NaN);
  const groupMargin = new Float32Array(P).fill(NaN);
  const minMargin = new Map<number, number>();
  const special = new Map<number, 'cls' | 'dist'>();
  if (layer === 0) {
    for (let p = 0; p < P; p++) group[p] = p + 2;
  } else {
    const off = (layer - 1) * N;
    for (let p = 0; p < P; p++) group[p] = run.groups[off + 2 + p];
    special.set(run.groups[off + 0], 'cls');
    special.set(run.groups[off + 1], 'dist');
    for (let l = 0; l < layer; l++) {
      for (let p = 0; p < P; p++) {
        const s = run.sourceScores[l * N + 2 + p];
        if (Number.isFinite(s)) {
          lastLayer[p] = l + 1;
          lastScore[p] = s;
          lastMargin[p] = run.margins[l * N + 2 + p];
        }
      }
      // Every decision taken at layer l by a token that now belongs to group k counts for k.
      for (let j = 0; j < N; j++) {
        const m = run.margins[l * N + j];
        if (!Number.isFinite(m)) continue;
        const k = run.groups[off + j];
        const cur = minMargin.get(k);
        if (cur === undefined || m < cur) minMargin.set(k, m);
      }
    }
    for (let p = 0; p < P; p++) groupMargin[p] = minMargin.get(group[p]) ?? NaN;
  }
  const size = new Map<number, number>();
  const members = new Map<number, number[]>();
  const sum = new Map<number, number>();
  for (let p = 0; p < P; p++) {
    const k = group[p];
    size.set(k, (size.get(k) ?? 0) + 1);
    sum.set(k, (sum.get(k) ?? 0) + level[p]);
    let list = members.get(k);
    if (!list) members.set(k, (list = []));
    list.push(p);
  }
  const meanLevel = new Map<number, number>();
  for (const [k, s] of sum) meanLevel.set(k, s / size.get(k)!);
  const hue = groupHues(g, group, members, special);
  const tokens = run.tokensPerLayer[layer] ?? run.tokensPerLayer[run.tokensPerLayer.length - 1];
  return { group, size, members, meanLevel, hue, special, lastLayer, lastScore, lastMargin, groupMargin, tokens };
}

/**
 * Greedy colouring: merged groups that touch (diagonals included) never share a hue while the
 * palette lasts; a group's first choice comes from its first patch, so a hue sticks to a group
 * from layer to layer. Lone patches (not cls / dist) get null.
 */
export function groupHues(g: Grid, group: Int32Array, members: Map<number, number[]>, special: Map<number, 'cls' | 'dist'>): Map<number, number | null> {
  const hue = new Map<number, number | null>();
  const neighbours = new Map<number, Set<number>>();
  const link = (a: number, b: number) => {
    if (a === b) return;
    let s = neighbours.get(a);
    if (!s) neighbours.set(a, (s = new Set()));
    s.add(b);
  };
  for (let row = 0; row < g.F; row++) {
    for (let col = 0; col < g.T; col++) {
      const a = group[row * g.T + col];
      for (const [dr, dc] of [
        [0, 1],
        [1, 0],
        [1, 1],
        [1, -1],
      ]) {
        const r2 = row + dr;
        const c2 = col + dc;
        if (r2 >= g.F || c2 < 0 || c2 >= g.T) continue;
        const b = group[r2 * g.T + c2];
        link(a, b);
        link(b, a);
      }
    }
  }
  const order = [...members.keys()].sort((a, b) => members.get(a)![0] - members.get(b)![0]);
  for (const k of order) {
    if (members.get(k)!.length < 2 && !special.has(k)) {
      hue.set(k, null);
      continue;
    }
    const used = new Set<number>();
    for (const n of neighbours.get(k) ?? []) {
      const h = hue.get(n);
      if (h !== undefined && h !== null) used.add(h);
    }
    const start = members.get(k)![0] * 7;
    let chosen = GROUP_HUES[start % GROUP_HUES.length];
    for (let i = 0; i < GROUP_HUES.length; i++) {
      const h = GROUP_HUES[(start + i) % GROUP_HUES.length];
      if (!used.has(h)) {
        chosen = h;
        break;
      }
    }
    hue.set(k, chosen);
  }
  return hue;
}

/**
 * Median group margin over the patches in the padding and over those in the audio, as
 * toExponential(2) text ('' where there is none). Tests read these off the canvas.
 */
export function marginMedians(groups: Pick<LayerGroups, 'groupMargin'>, g: Grid, validFrames: number): { pad: string; audio: string } {
  const pad: number[] = [];
  const audio: number[] = [];
  groups.groupMargin.forEach((m, p) => {
    if (Number.isFinite(m)) (cellFrames(g, p % g.T)[0] >= validFrames ? pad : audio).push(m);
  });
  const median = (a: number[]) => (a.length ? a.sort((x, y) => x - y)[a.length >> 1].toExponential(2) : '');
  return { pad: median(pad), audio: median(audio) };
}
