import type { RecordingSegments, ReviewStatus } from '../segments/types.js';
import { importError, type ImportedRow } from './imported.js';
import { lines, ms, num, oneLine, score, sec, secFromUs } from './text.js';

/**
 * Raven selection table (FORMATS.md): tab-delimited, one header row, `Selection` counting from
 * 1, `View` = `Spectrogram 1`, `Channel` 1. A segment without a band spans 0…8000 Hz: the band
 * the model heard (every file is analysed at 16 kHz); the reader turns that span back into
 * "no band". `Review` carries the user's review (accepted, rejected, unreviewed) and reads back.
 */
export const FULL_BAND_HZ = 8000;

const CORE = ['Selection', 'View', 'Channel', 'Begin Time (s)', 'End Time (s)', 'Low Freq (Hz)', 'High Freq (Hz)', 'Label', 'Confidence'];
const COMBINED = ['Begin Path', 'File Offset (s)'];
/** Last, so that the columns before it keep their places whether the table is combined or not. */
const REVIEW = 'Review';

/**
 * One table. With `combined`, rows of all recordings share one time line: each recording
 * starts where the one before ended (Begin Time runs on, as when Raven opens the files as one
 * sound), and `Begin Path` + `File Offset (s)` locate a row in its own file.
 */
export function writeRavenTable(recordings: readonly RecordingSegments[], combined: boolean): string {
  const header = [...CORE, ...(combined ? COMBINED : []), REVIEW];
  const rows = [header.join('\t')];
  // Integers: the offset is the recordings' lengths in whole µs (a file's length is not a whole
  // number of ms), the segment times whole ms (text.ts), so no float sum drifts down a long table.
  let offsetUs = 0;
  let n = 0;
  for (const rec of recordings) {
    for (const s of rec.segments) {
      const row = [
        String(++n),
        'Spectrogram 1',
        '1',
        secFromUs(offsetUs + ms(s.startS) * 1000),
        secFromUs(offsetUs + ms(s.endS) * 1000),
        (s.lowHz ?? 0).toFixed(3),
        (s.highHz ?? FULL_BAND_HZ).toFixed(3),
        oneLine(s.label),
        score(s.maxScore),
      ];
      if (combined) row.push(oneLine(rec.file), sec(s.startS));
      row.push(s.review);
      rows.push(row.join('\t'));
    }
    offsetUs += Math.round(rec.durationS * 1e6);
  }
  return rows.join('\n') + '\n';
}

/** Label columns other tools use, in order of preference. */
const LABEL_COLUMNS = ['Label', 'Annotation', 'Class', 'Species'];

/**
 * Reads a Raven selection table. Raven may write one row per view (Waveform 1 and Spectrogram 1)
 * for the same selection: the selection is read once, from its spectrogram row. `file` names
 * the recording of a single-file table; a combined table says it per row in `Begin Path`.
 */
export function readRavenTable(text: string, path: string, file: string | undefined): ImportedRow[] {
  const all = lines(text);
  if (all.length === 0) throw importError(path, null, 'the file is empty; expected a Raven selection table with a header row');
  const header = all[0].split('\t').map((h) => h.trim());
  const col = (name: string) => header.indexOf(name);
  const begin = col('Begin Time (s)');
  const end = col('End Time (s)');
  if (begin < 0 || end < 0) {
    throw importError(path, 1, 'not a Raven selection table: the header needs "Begin Time (s)" and "End Time (s)" (tab-separated)');
  }
  const at = {
    selection: col('Selection'),
    view: col('View'),
    low: col('Low Freq (Hz)'),
    high: col('High Freq (Hz)'),
    label: LABEL_COLUMNS.map(col).find((i) => i >= 0) ?? -1,
    confidence: col('Confidence'),
    review: col(REVIEW),
    beginPath: col('Begin Path'),
    fileOffset: col('File Offset (s)'),
  };
  const bySelection = new Map<string, { row: ImportedRow; spectrogram: boolean }>();
  all.slice(1).forEach((line, i) => {
    if (line.trim() === '') return;
    const f = line.split('\t');
    const lineNo = i + 2;
    const b = num(f[begin]);
    const e = num(f[end]);
    if (b === undefined || e === undefined) throw importError(path, lineNo, 'Begin Time (s) and End Time (s) must be numbers');
    const inFile = at.fileOffset >= 0 ? num(f[at.fileOffset]) : undefined;
    const startS = inFile ?? b;
    let low = at.low >= 0 ? num(f[at.low]) : undefined;
    let high = at.high >= 0 ? num(f[at.high]) : undefined;
    if (low === 0 && high === FULL_BAND_HZ) low = high = undefined;
    const rowFile = (at.beginPath >= 0 && f[at.beginPath]?.trim()) || file;
    if (rowFile === undefined) throw importError(path, lineNo, 'the table has no "Begin Path" column; say which recording it belongs to');
    const row: ImportedRow = {
      file: rowFile,
      label: (at.label >= 0 && f[at.label]?.trim()) || 'unlabelled',
      startS,
      endS: startS + (e - b),
      maxScore: at.confidence >= 0 ? num(f[at.confidence]) : undefined,
      lowHz: low,
      highHz: high,
      review: at.review >= 0 ? reviewOf(f[at.review]) : undefined,
    };
    const key = at.selection >= 0 ? f[at.selection]?.trim() || `row ${lineNo}` : `row ${lineNo}`;
    const spectrogram = at.view >= 0 && /^spectrogram/i.test(f[at.view]?.trim() ?? '');
    const seen = bySelection.get(key);
    if (!seen || (spectrogram && !seen.spectrogram)) bySelection.set(key, { row, spectrogram });
  });
  return [...bySelection.values()].map((v) => v.row);
}

const REVIEWS: readonly string[] = ['accepted', 'rejected', 'unreviewed'] satisfies ReviewStatus[];

/** A Review cell; anything else (another tool's column, empty) reads as no review. */
function reviewOf(cell: string | undefined): ReviewStatus | undefined {
  const v = cell?.trim().toLowerCase() ?? '';
  return REVIEWS.includes(v) ? (v as ReviewStatus) : undefined;
}
