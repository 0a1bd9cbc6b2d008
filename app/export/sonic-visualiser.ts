import type { Segment } from '../segments/types.js';
import { csvField, ms, sec, secFromMs } from './text.js';

/**
 * Sonic Visualiser region layer CSV (FORMATS.md): `time,value,duration,label` per row, no header
 * row (what SV's region export writes by default; its importer then needs no header setting).
 * Duration is end − start in whole ms, so start + duration is exactly the end written elsewhere.
 * `value` is the segment's confidence, so the regions stand at their score; 0 for hand-drawn ones.
 */
export function writeSonicVisualiserRegions(segments: readonly Segment[]): string {
  return segments.map((s) => [sec(s.startS), (s.maxScore ?? 0).toFixed(4), secFromMs(ms(s.endS) - ms(s.startS)), csvField(s.label)].join(',') + '\n').join('');
}
