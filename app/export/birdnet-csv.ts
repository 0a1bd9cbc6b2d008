import type { RecordingSegments } from '../segments/types.js';
import { csvField, score, sec } from './text.js';

/**
 * BirdNET-style CSV (FORMATS.md): `Start (s),End (s),Label,Confidence,File,Review`, one row per
 * detection; Review is the user's review (accepted, rejected, unreviewed). Consecutive detections of one label are already merged (segmentsFromWindows).
 */
export function writeBirdnetCsv(recordings: readonly RecordingSegments[]): string {
  const rows = ['Start (s),End (s),Label,Confidence,File,Review'];
  for (const rec of recordings) {
    for (const s of rec.segments) rows.push([sec(s.startS), sec(s.endS), csvField(s.label), score(s.maxScore), csvField(rec.file), s.review].join(','));
  }
  return rows.join('\n') + '\n';
}
