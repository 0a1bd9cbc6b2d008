/**
 * Every export format, read back and compared value by value with what was exported: times,
 * labels, scores, bands, files, samples. The project's own importers read what they can
 * (Audacity, Raven, FastAST JSON); a small reader written from FORMATS.md reads the others.
 * Layout (headers, column order, quoting) is export.formats.test.ts's business; here a value
 * written wrong — an end written as a duration, a score from the wrong field — must fail.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { exportSegments, importSegments, type ExportFormat } from '../app/export/index.js';
import { byTime, type RecordingSegments, type Segment } from '../app/segments/index.js';
import { wavInt16 } from './corpus/wav.js';
import { parseCsvLine, parseTextGrid, PROV, recordings, tempDir } from './export.fixtures.js';

const CORPUS = fileURLToPath(new URL('./corpus/', import.meta.url));

/** What every format carries of a segment; `score` is the max score, `band` where the format has one. */
interface Row {
  file: string;
  label: string;
  startS: number;
  endS: number;
  score: number | null;
}

const round = (x: number, decimals: number) => Number(x.toFixed(decimals));

/** The rows an export of `recs` must read back as: time order within each recording, times to µs, scores to `scoreDecimals`. */
function expectedRows(recs: RecordingSegments[], scoreDecimals: number): Row[] {
  return recs.flatMap((r) =>
    [...r.segments].sort(byTime).map((s) => ({
      file: r.file,
      label: s.label,
      startS: round(s.startS, 6),
      endS: round(s.endS, 6),
      score: s.maxScore === null ? null : round(s.maxScore, scoreDecimals),
    })),
  );
}

async function exportTo(format: ExportFormat, recs: RecordingSegments[], combined = false) {
  const dir = await tempDir();
  await exportSegments({ format, recordings: recs, outDir: dir, provenance: PROV, combined, include: 'all' });
  const names = (await readdir(dir)).filter((n) => !n.endsWith('.fastast.json')).sort();
  return { dir, names };
}

const text = (p: string) => readFile(p, 'utf8');

/** BirdNET-style CSV: `Start (s),End (s),Label,Confidence,File,Review`, RFC 4180. */
function readBirdnetCsv(t: string): Row[] {
  return readBirdnetCsvWithReview(t).map(withoutReview);
}

const withoutReview = (r: Row & { review: string }): Row => ({ file: r.file, label: r.label, startS: r.startS, endS: r.endS, score: r.score });

function readBirdnetCsvWithReview(t: string): (Row & { review: string })[] {
  const lines = t.split('\n');
  expect(lines.pop()).toBe('');
  expect(parseCsvLine(lines[0])).toEqual(['Start (s)', 'End (s)', 'Label', 'Confidence', 'File', 'Review']);
  return lines.slice(1).map((l) => {
    const [start, end, label, confidence, file, review] = parseCsvLine(l);
    return { file, label, startS: Number(start), endS: Number(end), score: confidence === '' ? null : Number(confidence), review };
  });
}

/** Sonic Visualiser regions: `time,value,duration,label`, no header; value is the score (0 for none). */
function readSvRegions(t: string, file: string): Row[] {
  const lines = t.split('\n');
  expect(lines.pop()).toBe('');
  return lines.map((l) => {
    const [time, value, duration, label] = parseCsvLine(l);
    return { file, label, startS: Number(time), endS: round(Number(time) + Number(duration), 6), score: Number(value) };
  });
}

/** Label Studio tasks: data.audio is the file; each prediction result a region with start, end, labels[0], score. */
function readLabelStudio(t: string): Row[] {
  const tasks = JSON.parse(t) as { data: { audio: string }; predictions: { result: { value: { start: number; end: number; labels: string[] }; score?: number }[] }[] }[];
  return tasks.flatMap((task) =>
    task.predictions.flatMap((p) =>
      p.result.map((r) => ({ file: task.data.audio, label: r.value.labels[0], startS: r.value.start, endS: r.value.end, score: r.score ?? null })),
    ),
  );
}

describe('read back: formats with an importer of their own', () => {
  const fromImport = (recs: RecordingSegments[]): Row[] =>
    recs.flatMap((r) => r.segments.map((s) => ({ file: r.file, label: s.label, startS: round(s.startS, 6), endS: round(s.endS, 6), score: s.maxScore })));

  it('Audacity labels: times, labels and bands of every segment, per recording', async () => {
    const recs = recordings();
    const { dir, names } = await exportTo('audacity', recs);
    const back = [...(await importSegments(join(dir, names[1]))), ...(await importSegments(join(dir, names[0])))];
    // Audacity carries no scores: compare everything else.
    expect(fromImport(back).map((r) => ({ ...r, score: null }))).toEqual(expectedRows(recs, 4).map((r) => ({ ...r, score: null })));
    const bands = back.flatMap((r) => r.segments.map((s) => [s.lowHz, s.highHz]));
    expect(bands).toEqual(recs.flatMap((r) => [...r.segments].sort(byTime).map((s) => [s.lowHz, s.highHz])));
  });

  it('Raven selection table (combined): times, labels, confidences, bands', async () => {
    const recs = recordings();
    const { dir, names } = await exportTo('raven', recs, true);
    const back = await importSegments(join(dir, names[0]));
    expect(fromImport(back)).toEqual(expectedRows(recs, 4));
    expect(back.map((r) => r.durationS)).toEqual(recs.map((r) => r.durationS));
  });

  it('FastAST JSON: the segments themselves, every field', async () => {
    const recs = recordings();
    const { dir, names } = await exportTo('json', recs, true);
    expect(await importSegments(join(dir, names[0]))).toEqual(recs.map((r) => ({ ...r, segments: [...r.segments].sort(byTime) })));
  });
});

describe('read back: formats read by a small reader', () => {
  it('BirdNET-style CSV: start, end (not a duration), label, confidence and file of every row', async () => {
    const recs = recordings();
    const { dir, names } = await exportTo('csv', recs, true);
    const back = readBirdnetCsvWithReview(await text(join(dir, names[0])));
    expect(back.map(withoutReview)).toEqual(expectedRows(recs, 4));
    expect(back.map((r) => r.review)).toEqual(recs.flatMap((r) => [...r.segments].sort(byTime).map((s) => s.review)));
  });

  it('BirdNET-style CSV, one file per recording: each holds its own recording’s rows', async () => {
    const recs = recordings();
    const { dir, names } = await exportTo('csv', recs);
    expect(names).toEqual(['b.BirdNET.results.csv', 'forest dawn.BirdNET.results.csv']);
    expect(readBirdnetCsv(await text(join(dir, names[1])))).toEqual(expectedRows([recs[0]], 4));
    expect(readBirdnetCsv(await text(join(dir, names[0])))).toEqual(expectedRows([recs[1]], 4));
  });

  it('Sonic Visualiser regions: start, start + duration = end, label, score as value (0 when drawn by hand)', async () => {
    const recs = recordings();
    const { dir, names } = await exportTo('sv', recs);
    const rows = [...readSvRegions(await text(join(dir, names[1])), recs[0].file), ...readSvRegions(await text(join(dir, names[0])), recs[1].file)];
    expect(rows).toEqual(expectedRows(recs, 4).map((r) => ({ ...r, score: r.score ?? 0 })));
  });

  it('Label Studio JSON: file, start, end, label and score of every region', async () => {
    const recs = recordings();
    const { dir, names } = await exportTo('labelstudio', recs, true);
    expect(readLabelStudio(await text(join(dir, names[0])))).toEqual(expectedRows(recs, 6));
  });

  it('Praat TextGrid: per label tier, the labelled intervals are the segments of that label', async () => {
    const recs = recordings();
    const { dir, names } = await exportTo('textgrid', recs);
    for (const [name, rec] of [[names[1], recs[0]], [names[0], recs[1]]] as const) {
      const tg = parseTextGrid(await text(join(dir, name)));
      expect(tg.xmax).toBe(rec.durationS);
      const got = tg.tiers.flatMap((tier) => tier.intervals.filter((iv) => iv.text !== '').map((iv) => ({ label: iv.text, startS: iv.xmin, endS: iv.xmax })));
      // No two segments of one label overlap in the fixture, so each is one interval.
      const want = expectedRows([rec], 4).map((r) => ({ label: r.label, startS: r.startS, endS: r.endS }));
      const order = (a: { label: string; startS: number }, b: { label: string; startS: number }) => (a.label < b.label ? -1 : a.label > b.label ? 1 : a.startS - b.startS);
      expect(got.sort(order)).toEqual(want.sort(order));
    }
  });

  it('WAV clips: each clip holds the recording’s samples from start to end, at the recording’s rate (44.1 kHz audio given)', async () => {
    const rate = 44100;
    // Not on the 16-bit grid: the clip must hold round(x · 32768), clipped to the int16 range.
    const samples = new Float32Array(rate * 3).map((_, i) => 1.2 * Math.sin(i / 7) * Math.cos(i / 1000));
    const file = '/x/dawn.wav';
    const segs: Segment[] = [
      { id: 'a', file, label: 'bird', startS: 0.5, endS: 1.25, maxScore: 0.5, meanScore: 0.5, source: 'model', review: 'unreviewed' },
      { id: 'b', file, label: 'wind', startS: 2.2, endS: 3, maxScore: null, meanScore: null, source: 'user', review: 'accepted' },
    ];
    const dir = await tempDir();
    await exportSegments({ format: 'clips', recordings: [{ file, durationS: 3, segments: segs }], outDir: dir, provenance: PROV, loadAudio: async () => ({ samples, sampleRate: rate }) });
    const names = (await readdir(dir)).filter((n) => n.endsWith('.wav')).sort();
    expect(names).toEqual(['bird_0.500_dawn_0.500s_1.250s.wav', 'wind_user_dawn_2.200s_3.000s.wav']);
    for (const [name, s] of [[names[0], segs[0]], [names[1], segs[1]]] as const) {
      const clip = wavInt16(await readFile(join(dir, name)));
      expect([clip.sampleRate, clip.channels]).toEqual([rate, 1]);
      const first = Math.round(s.startS * rate);
      const want = Int16Array.from(samples.subarray(first, Math.round(s.endS * rate)), (x) => Math.max(-32768, Math.min(32767, Math.round(x * 32768))));
      expect(clip.samples).toEqual(want);
    }
  });

  it('WAV clips from a 48 kHz file: the clip is the file’s own integers, at 48 kHz', async () => {
    const file = join(CORPUS, 'sine_3000hz_48k.wav');
    const source = wavInt16(await readFile(file));
    const dir = await tempDir();
    const seg: Segment = { id: 't', file, label: 'tone', startS: 0.25, endS: 0.75, maxScore: 0.99, meanScore: 0.99, source: 'model', review: 'unreviewed' };
    await exportSegments({ format: 'clips', recordings: [{ file, durationS: 1, segments: [seg] }], outDir: dir, provenance: PROV });
    const clip = wavInt16(await readFile(join(dir, 'tone_0.990_sine_3000hz_48k_0.250s_0.750s.wav')));
    expect([clip.sampleRate, clip.channels]).toEqual([48000, 1]);
    expect(clip.samples).toEqual(source.samples.slice(12000, 36000));
  });
});
