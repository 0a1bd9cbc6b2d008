/**
 * The label lane's rows, pure (test/renderer.lane-rows.test.ts): overlapping segments stacked
 * greedily, or one row per class (Audacity's label tracks), and each label's colour index.
 */
// Imports carry .js: the unit tests load this file through node's module resolution (vite takes either).
import type { Segment } from '../../../app/contract/index.js';
import { classColor } from './color.js';

/** Rows the lane draws at most; past it the last row holds the overflow, drawn without text. */
export const MAX_STACKED_ROWS = 4;
export const MAX_TRACKS = 16;

export interface LaneRows {
  /** Row of each segment, by id. */
  row: Map<string, number>;
  rows: number;
  /** Segments in the last row because there were more rows than the lane shows. */
  overflow: Set<string>;
  /** Per-class tracks: the label of each row (empty when stacked). */
  names: string[];
}

type Span = Pick<Segment, 'id' | 'startS' | 'endS'>;

/** Overlapping segments go to separate rows (greedy, in time order). */
export function stackRows(segments: readonly Span[], max = MAX_STACKED_ROWS): LaneRows {
  const ends: number[] = [];
  const row = new Map<string, number>();
  for (const s of [...segments].sort((a, b) => a.startS - b.startS)) {
    let r = ends.findIndex((e) => e <= s.startS + 1e-6);
    if (r < 0) r = ends.length;
    ends[r] = Math.max(ends[r] ?? 0, s.endS);
    row.set(s.id, r);
  }
  return capRows(row, ends.length, max, []);
}

/**
 * One row per label, in the model's class order (labels it does not know after them, A–Z), so
 * a class keeps its row as segments come and go.
 */
export function trackRows(segments: readonly (Span & Pick<Segment, 'label'>)[], labels: readonly string[], max = MAX_TRACKS): LaneRows {
  const present = [...new Set(segments.map((s) => s.label))];
  const rank = (l: string) => {
    const i = labels.indexOf(l);
    return i < 0 ? labels.length : i;
  };
  present.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  const index = new Map(present.map((l, i) => [l, i]));
  const row = new Map<string, number>();
  for (const s of segments) row.set(s.id, index.get(s.label)!);
  const names = present.slice(0, max);
  if (present.length > max) names[max - 1] = `+${present.length - max + 1} more`;
  return capRows(row, present.length, max, names);
}

function capRows(row: Map<string, number>, used: number, max: number, names: string[]): LaneRows {
  const overflow = new Set<string>();
  if (used > max) {
    for (const [id, r] of row) {
      if (r >= max - 1) {
        row.set(id, max - 1);
        overflow.add(id);
      }
    }
  }
  return { row, rows: Math.max(1, Math.min(max, used)), overflow, names };
}

/** Row height and lane height: fewer rows get taller ones, so one row of text stays readable. */
export function laneGeometry(rows: number, tracks: boolean): { rowH: number; height: number } {
  const rowH = tracks ? 16 : rows === 1 ? 26 : rows === 2 ? 17 : 14;
  return { rowH, height: Math.max(30, rows * rowH + 4) };
}

/** Colour index of a label: the model's class index, or one made from the text for a free label. */
export function labelIndex(label: string, labels: readonly string[]): number {
  let i = labels.indexOf(label);
  if (i < 0) {
    i = 0;
    for (const ch of label) i = (i * 31 + ch.charCodeAt(0)) >>> 0;
    i = 1000 + (i % 997);
  }
  return i;
}

export function labelColor(label: string, labels: readonly string[], alpha = 1): string {
  return classColor(labelIndex(label, labels), alpha);
}
