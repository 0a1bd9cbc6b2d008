import type { ReviewStatus, Segment } from '../segments/types.js';
import { importError, type ImportedRow } from './imported.js';
import { lines, num, oneLine, score, sec } from './text.js';

/**
 * Audacity label track (FORMATS.md): `start<TAB>end<TAB>label`, seconds with 6 decimals, no
 * header; a segment with a frequency band gets Audacity's extended line `\<TAB>low<TAB>high`
 * right after it (older Audacity versions skip lines starting with a backslash).
 * Audacity has no column for review or score: with `reviewInLabel` they go into the label text
 * as a suffix, `dog [accepted 0.9123]`, which the reader takes back off.
 */
export function writeAudacityLabels(segments: readonly Segment[], reviewInLabel = false): string {
  let out = '';
  for (const s of segments) {
    const text = reviewInLabel ? `${oneLine(s.label)} [${[s.review, score(s.maxScore)].filter(Boolean).join(' ')}]` : oneLine(s.label);
    out += `${sec(s.startS)}\t${sec(s.endS)}\t${text}\n`;
    if (s.lowHz !== undefined && s.highHz !== undefined) out += `\\\t${sec(s.lowHz)}\t${sec(s.highHz)}\n`;
  }
  return out;
}

/** The suffix writeAudacityLabels adds with reviewInLabel: ` [review]` or ` [review score]` at the end. */
const REVIEW_SUFFIX = /^(.*) \[(accepted|rejected|unreviewed)(?: (\d+(?:\.\d+)?))?\]$/;

/** Reads an Audacity label file; `file` is the recording the labels belong to (the file does not say). */
export function readAudacityLabels(text: string, path: string, file: string): ImportedRow[] {
  const rows: ImportedRow[] = [];
  lines(text).forEach((line, i) => {
    if (line.trim() === '') return;
    const fields = line.split('\t');
    if (fields[0] === '\\') {
      const prev = rows.at(-1);
      const low = num(fields[1]);
      const high = num(fields[2]);
      if (!prev || low === undefined || high === undefined) {
        throw importError(path, i + 1, 'a frequency line ("\\<TAB>low<TAB>high") must follow a label line and hold two numbers');
      }
      // Audacity writes -1 for "no frequency" when only one edge is set.
      if (low >= 0 && high >= 0) Object.assign(prev, { lowHz: low, highHz: high });
      return;
    }
    const start = num(fields[0]);
    const end = num(fields[1]);
    if (start === undefined || end === undefined || fields.length < 2) {
      // The line itself is not quoted: an error must not show a file's contents (serve reads any file it is pointed at).
      throw importError(path, i + 1, `expected "start<TAB>end<TAB>label" with times in seconds (${fields.length} tab-separated field${fields.length === 1 ? '' : 's'} found)`);
    }
    // Audacity puts everything after the second tab into the label.
    const text = fields.slice(2).join(' ').trim();
    const suffix = REVIEW_SUFFIX.exec(text);
    if (suffix) {
      const maxScore = num(suffix[3]);
      rows.push({ file, label: suffix[1].trim() || 'unlabelled', startS: start, endS: end, review: suffix[2] as ReviewStatus, ...(maxScore !== undefined ? { maxScore } : {}) });
    } else {
      rows.push({ file, label: text || 'unlabelled', startS: start, endS: end });
    }
  });
  return rows;
}
