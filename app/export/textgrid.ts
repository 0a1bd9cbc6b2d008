import type { RecordingSegments } from '../segments/types.js';
import { exactSeconds } from './text.js';

/**
 * Praat TextGrid, long text form (FORMATS.md): one IntervalTier per label (alphabetical), each
 * covering the whole file, xmin…xmax, with back-to-back intervals: the label's segments, and
 * empty text in the gaps. A tier's intervals cannot overlap, so overlapping segments of one
 * label (possible after hand edits) are joined; zero-length (point) segments have no interval.
 */
export function writeTextGrid(rec: RecordingSegments): string {
  const xmax = round(Math.max(rec.durationS, ...rec.segments.map((s) => s.endS)));
  const labels = [...new Set(rec.segments.map((s) => s.label))].sort();
  const out = [
    'File type = "ooTextFile"',
    'Object class = "TextGrid"',
    '',
    'xmin = 0 ',
    `xmax = ${t(xmax)} `,
    'tiers? <exists> ',
    `size = ${labels.length} `,
    'item []: ',
  ];
  labels.forEach((label, i) => {
    const intervals = tierIntervals(label, spans(rec, label), xmax);
    out.push(
      `    item [${i + 1}]:`,
      '        class = "IntervalTier" ',
      `        name = ${quoted(label)} `,
      '        xmin = 0 ',
      `        xmax = ${t(xmax)} `,
      `        intervals: size = ${intervals.length} `,
    );
    intervals.forEach((iv, k) => {
      out.push(`        intervals [${k + 1}]:`, `            xmin = ${t(iv.xmin)} `, `            xmax = ${t(iv.xmax)} `, `            text = ${quoted(iv.text)} `);
    });
  });
  return out.join('\n') + '\n';
}

interface Interval {
  xmin: number;
  xmax: number;
  text: string;
}

/** Exact milliseconds (text.ts), so that float noise cannot leave a sliver between two intervals. */
function round(x: number): number {
  return exactSeconds(x);
}

function t(x: number): string {
  return String(round(x));
}

/** Praat strings: in double quotes, a quote inside is doubled. */
function quoted(text: string): string {
  return `"${text.replace(/"/g, '""')}"`;
}

/** The label's segments as sorted, joined, non-empty spans inside 0…xmax. */
function spans(rec: RecordingSegments, label: string): [number, number][] {
  const raw = rec.segments
    .filter((s) => s.label === label)
    .map((s): [number, number] => [round(Math.max(0, s.startS)), round(s.endS)])
    .filter(([a, b]) => b > a)
    .sort((a, b) => a[0] - b[0]);
  const joined: [number, number][] = [];
  for (const [a, b] of raw) {
    const last = joined.at(-1);
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else joined.push([a, b]);
  }
  return joined;
}

function tierIntervals(label: string, spans: [number, number][], xmax: number): Interval[] {
  const out: Interval[] = [];
  let at = 0;
  for (const [a, b] of spans) {
    if (a > at) out.push({ xmin: at, xmax: a, text: '' });
    out.push({ xmin: a, xmax: b, text: label });
    at = b;
  }
  if (at < xmax || out.length === 0) out.push({ xmin: at, xmax, text: '' });
  return out;
}
