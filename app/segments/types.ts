/**
 * Segments: the labelled time spans a user keeps. The analysis makes them from window scores
 * (from-windows.ts), the user reviews and edits them (edit.ts), export writes them out.
 */

/** The settings that produced a segment, so that a result can be reproduced. */
export interface Provenance {
  modelId: string;
  /** sha256 of the checkpoint's model.safetensors (hex). */
  modelSha256: string;
  /** r per layer as applied (after clamping). */
  schedule: number[];
  propAttn: boolean;
  protectDistillation: boolean;
  /** Model window length in seconds (max_length × 10 ms). */
  windowS: number;
  hopS: number;
  /** Windows scoring at or above this became segments. */
  threshold: number;
}

export type SegmentSource = 'model' | 'user';
export type ReviewStatus = 'accepted' | 'rejected' | 'unreviewed';

export interface Segment {
  id: string;
  /** The recording, as the user named it (path). */
  file: string;
  label: string;
  startS: number;
  endS: number;
  /**
   * Highest and mean score of `label` over the merged windows. null where no model scored this
   * span with this label (drawn or relabelled by hand, or imported from a format without scores).
   */
  maxScore: number | null;
  meanScore: number | null;
  source: SegmentSource;
  /** Absent for segments drawn by hand, or imported without a sidecar. */
  provenance?: Provenance;
  /** Frequency band (Audacity's extended labels, Raven selections); absent = the whole band. */
  lowHz?: number;
  highHz?: number;
  review: ReviewStatus;
}

/** A recording and its segments: the unit export and import work on. */
export interface RecordingSegments {
  file: string;
  /** Length of the recording (TextGrid tiers cover it; combined Raven tables run on across it). */
  durationS: number;
  segments: Segment[];
}

/**
 * Ids made from what a segment is (file, label, start in ms), so that the same analysis, or an
 * export read back, gives the same ids; callers make them unique with uniqueIds.
 */
export function segmentId(file: string, label: string, startS: number): string {
  return `${file}#${label}@${Math.round(startS * 1000)}`;
}

/** Appends ~2, ~3… to repeated ids (two hand-drawn segments with the same label and start). */
export function uniqueIds<T extends { id: string }>(items: readonly T[]): T[] {
  const seen = new Map<string, number>();
  return items.map((s) => {
    const n = (seen.get(s.id) ?? 0) + 1;
    seen.set(s.id, n);
    return n === 1 ? s : { ...s, id: `${s.id}~${n}` };
  });
}

/** Time order, then label: the order every writer uses. */
export function byTime(a: Segment, b: Segment): number {
  return a.startS - b.startS || a.endS - b.endS || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0);
}
