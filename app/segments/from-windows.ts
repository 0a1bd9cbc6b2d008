import { byTime, segmentId, type Provenance, type Segment } from './types.js';

/** One analysed window: its span and every class's score (id2label order). */
export interface ScoredWindow {
  startS: number;
  endS: number;
  scores: ArrayLike<number>;
}

/** Window times come from frame counts / 100; this absorbs their float noise when testing "touches". */
const TOUCH_S = 1e-6;

interface Run {
  startS: number;
  endS: number;
  max: number;
  sum: number;
  count: number;
}

/**
 * Per label, windows scoring ≥ provenance.threshold become segments. Windows of the same label
 * that overlap or touch (the next starts at or before the current end) merge into one segment
 * with the max and the mean of their scores. Windows with a gap between them (hop longer than
 * the window) stay apart: the model did not hear the gap. A window below the threshold does not
 * split two above-threshold windows that overlap each other (hop < window / 2).
 */
export function segmentsFromWindows(
  file: string,
  windows: readonly ScoredWindow[],
  labels: readonly string[],
  provenance: Provenance,
  onlyLabels?: readonly string[],
): Segment[] {
  const ordered = [...windows].sort((a, b) => a.startS - b.startS);
  const wanted = onlyLabels ? new Set(onlyLabels) : null;
  const out: Segment[] = [];
  labels.forEach((label, c) => {
    if (wanted && !wanted.has(label)) return;
    let run: Run | null = null;
    const close = () => {
      if (run) out.push(toSegment(file, label, run, provenance));
      run = null;
    };
    for (const w of ordered) {
      const score = w.scores[c];
      if (!(score >= provenance.threshold)) continue;
      const open = run as Run | null;
      if (open && w.startS <= open.endS + TOUCH_S) {
        open.endS = Math.max(open.endS, w.endS);
        open.max = Math.max(open.max, score);
        open.sum += score;
        open.count++;
      } else {
        close();
        run = { startS: w.startS, endS: w.endS, max: score, sum: score, count: 1 };
      }
    }
    close();
  });
  return out.sort(byTime);
}

function toSegment(file: string, label: string, run: Run, provenance: Provenance): Segment {
  return {
    id: segmentId(file, label, run.startS),
    file,
    label,
    startS: run.startS,
    endS: run.endS,
    maxScore: run.max,
    meanScore: run.sum / run.count,
    source: 'model',
    provenance,
    review: 'unreviewed',
  };
}
