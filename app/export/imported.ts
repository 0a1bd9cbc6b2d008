import { FastAstError } from '../errors.js';
import { byTime, segmentId, uniqueIds, type Provenance, type ReviewStatus, type Segment } from '../segments/types.js';

/** What a table row tells us about a segment; the rest is filled in the same way for every reader. */
export interface ImportedRow {
  file: string;
  label: string;
  startS: number;
  endS: number;
  maxScore?: number;
  lowHz?: number;
  highHz?: number;
  /** Where the file carries it (Raven's Review column, an Audacity label suffix). */
  review?: ReviewStatus;
}

/**
 * Rows → segments. A row with a score was a model detection; without one it is the user's.
 * Rows read back keep the review the file carries; without one they start unreviewed. Ids are made the
 * way the analysis makes them, so an exported model segment comes back with its id.
 */
export function segmentsFromRows(rows: readonly ImportedRow[], provenance?: Provenance): Segment[] {
  const segments = rows.map((r): Segment => {
    const scored = r.maxScore !== undefined;
    return {
      id: segmentId(r.file, r.label, r.startS),
      file: r.file,
      label: r.label,
      startS: r.startS,
      endS: r.endS,
      maxScore: scored ? r.maxScore! : null,
      // The tables carry one confidence; the mean is not in them.
      meanScore: null,
      source: scored ? 'model' : 'user',
      ...(scored && provenance ? { provenance } : {}),
      ...(r.lowHz !== undefined && r.highHz !== undefined ? { lowHz: r.lowHz, highHz: r.highHz } : {}),
      review: r.review ?? 'unreviewed',
    };
  });
  return uniqueIds(segments.sort(byTime));
}

export function importError(path: string, line: number | null, why: string): FastAstError {
  return new FastAstError('IMPORT_INVALID', `${path}${line === null ? '' : `: line ${line}`}: ${why}`);
}
