import type { RecordingSegments } from '../segments/types.js';
import { csvField, score, sec } from './text.js';

/**
 * BirdNET-style CSV (FORMATS.md): `Start (s),End (s),Label,Confidence,File`, one row per
 * detection. Consecutive detections of one label are already merged (segmentsFromWindows).
 */
export function writeBirdnetCsv(recordings: readonly RecordingSegments[]): string {
  const rows = ['Start (s),End (s),Label,Confidence,File'];
  for (const rec of recordings) {
    for (const s of rec.segments) rows.push([sec(s.startS), sec(s.endS), csvField(s.label), score(s.maxScore), csvField(rec.file)].join(','));
  }
  return rows.join('\n') + '\n';
}
