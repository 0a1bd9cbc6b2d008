import type { ReviewStatus, Segment } from './types.js';

/** Which segments an export (or a view) takes. */
export type Selection =
  | { kind: 'all' }
  | { kind: 'ids'; ids: readonly string[] }
  | {
      kind: 'filter';
      /** Keep only these labels (exact match); absent = every label. */
      labels?: readonly string[];
      /**
       * Keep segments whose max score is ≥ this. Segments without a score (drawn by hand) are
       * kept: the user made them, there is no model score to judge them by.
       */
      minScore?: number;
      /** Keep only these review states; absent = all (e.g. ['accepted', 'unreviewed'] drops rejections). */
      review?: readonly ReviewStatus[];
    };

export const ALL: Selection = { kind: 'all' };

export function selectSegments(segments: readonly Segment[], selection: Selection = ALL): Segment[] {
  switch (selection.kind) {
    case 'all':
      return [...segments];
    case 'ids': {
      const ids = new Set(selection.ids);
      return segments.filter((s) => ids.has(s.id));
    }
    case 'filter': {
      const labels = selection.labels ? new Set(selection.labels) : null;
      const review = selection.review ? new Set(selection.review) : null;
      const min = selection.minScore;
      return segments.filter(
        (s) =>
          (!labels || labels.has(s.label)) &&
          (!review || review.has(s.review)) &&
          (min === undefined || s.maxScore === null || s.maxScore >= min),
      );
    }
  }
}
