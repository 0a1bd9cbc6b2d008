import { create } from 'zustand';
import type { AnalysisResult } from '../../../app/contract';

export interface Segment {
  label: string;
  classIndex: number;
  startS: number;
  endS: number;
  /** Highest score of the label over the segment's windows. */
  score: number;
}

/**
 * Top label per window above the threshold (and matching the filter), consecutive windows with
 * the same label joined. Overlapping windows: each window owns [start, start + hop).
 */
export function segmentsFrom(result: AnalysisResult, labels: readonly string[], threshold: number, filter: string, durationS: number): Segment[] {
  const C = result.classes;
  const n = result.starts.length;
  const f = filter.trim().toLowerCase();
  const allowed = labels.map((l) => !f || l.toLowerCase().includes(f));
  const out: Segment[] = [];
  for (let w = 0; w < n; w++) {
    let best = -1;
    let bestScore = -Infinity;
    for (let c = 0; c < C; c++) {
      const v = result.scores[w * C + c];
      if (allowed[c] && v > bestScore) {
        best = c;
        bestScore = v;
      }
    }
    const startS = result.starts[w];
    const endS = Math.min(durationS, w + 1 < n ? result.starts[w + 1] : startS + result.windowS);
    if (best < 0 || bestScore < threshold) continue;
    const last = out[out.length - 1];
    if (last && last.classIndex === best && Math.abs(last.endS - startS) < 1e-3) {
      last.endS = endS;
      last.score = Math.max(last.score, bestScore);
    } else out.push({ label: labels[best], classIndex: best, startS, endS, score: bestScore });
  }
  return out;
}

interface SegmentsState {
  segments: Segment[];
  selected: number | null;
  setSegments(s: Segment[]): void;
  select(i: number | null): void;
}

export const useSegments = create<SegmentsState>((set) => ({
  segments: [],
  selected: null,
  setSegments: (segments) => set({ segments, selected: null }),
  select: (selected) => set({ selected }),
}));

export function segmentsCsv(segments: Segment[]): string {
  const q = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  return ['start_s,end_s,label,score', ...segments.map((s) => `${s.startS.toFixed(3)},${s.endS.toFixed(3)},${q(s.label)},${s.score.toFixed(4)}`)].join('\n') + '\n';
}
