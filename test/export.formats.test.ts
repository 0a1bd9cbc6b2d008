import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportSegments, importSegments, type ExportFormat } from '../app/export/index.js';
import { FastAstError } from '../app/errors.js';
import { byTime, type RecordingSegments, type Segment } from '../app/segments/index.js';
import { parseCsvLine, parseTextGrid, PROV, recordings, tempDir } from './export.fixtures.js';

const APP_VERSION = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')).version;
const text = (p: string) => readFile(p, 'utf8');

async function exportTo(format: ExportFormat, recs: RecordingSegments[], combined = false) {
  const dir = await tempDir();
  const result = await exportSegments({ format, recordings: recs, outDir: dir, provenance: PROV, combined, include: 'all' });
  return { dir, result, names: (await readdir(dir)).sort() };
}

/** What a format that carries only times, label and band keeps of a segment. */
const shape = (s: Segment) => ({ file: s.file, label: s.label, startS: s.startS, endS: s.endS, lowHz: s.lowHz, highHz: s.highHz });
const byTimeOf = (segs: Segment[]) => [...segs].sort(byTime);

/** Times to 1 ms, the round-trip contract. */
function expectSameTimes(got: Segment[], want: Segment[]) {
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => {
    expect(Math.abs(g.startS - want[i].startS)).toBeLessThan(0.001);
    expect(Math.abs(g.endS - want[i].endS)).toBeLessThan(0.001);
  });
}

describe('sidecar', () => {
  it('every format writes <exported name>.fastast.json with model, hash, schedule, flags, window, hop, threshold, app version', async () => {
    for (const format of ['audacity', 'raven', 'csv', 'textgrid', 'sv', 'labelstudio', 'json'] as const) {
      const { dir, names, result } = await exportTo(format, recordings());
      const exported = names.filter((n) => !n.endsWith('.fastast.json'));
      expect(exported.length, format).toBe(2);
      expect(names.length, format).toBe(4);
      expect(result.files.length).toBe(4);
      for (const name of exported) {
        const s = JSON.parse(await text(join(dir, name + '.fastast.json')));
        expect(s).toMatchObject({
          format: 'fastast-sidecar',
          app: { name: 'fastast-studio', version: APP_VERSION },
          export: { format, files: [name] },
          model: { id: PROV.modelId, sha256: PROV.modelSha256 },
          schedule: PROV.schedule,
          propAttn: true,
          protectDistillation: false,
          windowS: 10.24,
          hopS: 5.12,
          threshold: 0.4,
        });
      }
    }
  });
});

describe('Audacity labels', () => {
  it('layout: no header, start<TAB>end<TAB>label with 6 decimals; band as "\\<TAB>low<TAB>high" after its label', async () => {
    const { dir } = await exportTo('audacity', recordings());
    const lines = (await text(join(dir, 'forest dawn.labels.txt'))).split('\n');
    expect(lines.pop()).toBe('');
    const sec = /^\d+\.\d{6}$/;
    const labels: string[][] = [];
    for (const line of lines) {
      const f = line.split('\t');
      expect(f.length).toBe(3);
      if (f[0] === '\\') {
        expect(labels.length).toBeGreaterThan(0);
        expect([f[1], f[2]].every((x) => sec.test(x))).toBe(true);
        labels.at(-1)!.push(f[1], f[2]);
      } else {
        expect(sec.test(f[0]) && sec.test(f[1])).toBe(true);
        labels.push(f);
      }
    }
    expect(labels).toEqual([
      ['1.234000', '4.500000', 'dog'],
      ['2.000000', '3.250000', 'crying_baby', '500.000000', '4000.000000'],
      ['10.000000', '12.002000', 'bird, song "x"'],
      ['20.000000', '30.500000', 'dog'],
    ]);
  });

  it('round trip: times (1 ms), labels and bands come back; the sidecar names the recording and restores provenance', async () => {
    const recs = recordings();
    const { dir } = await exportTo('audacity', recs);
    for (const rec of recs) {
      const name = rec.file.endsWith('b.flac') ? 'b.labels.txt' : 'forest dawn.labels.txt';
      const [back] = await importSegments(join(dir, name));
      expect(back.file).toBe(rec.file);
      expect(back.durationS).toBe(rec.durationS);
      expectSameTimes(back.segments, byTimeOf(rec.segments));
      expect(back.segments.map(shape)).toEqual(byTimeOf(rec.segments).map(shape));
      // Model segments come back with their ids (made from file, label and start).
      expect(back.segments.map((s) => s.id)).toEqual(byTimeOf(rec.segments).map((s) => s.id));
    }
  });

  it('without a sidecar the caller names the recording; a broken line is reported with its number', async () => {
    const dir = await tempDir();
    const p = join(dir, 'labels.txt');
    await writeFile(p, '0.5\t1.5\tdog\r\n2\t2\tclick\r\n\\\t-1\t-1\r\n');
    const [rec] = await importSegments(p, { file: 'x.wav' });
    expect(rec.segments.map((s) => [s.label, s.startS, s.endS, s.lowHz, s.source, s.provenance])).toEqual([
      ['dog', 0.5, 1.5, undefined, 'user', undefined],
      ['click', 2, 2, undefined, 'user', undefined],
    ]);
    await expect(importSegments(p)).rejects.toThrow(/do not name their recording/);
    await writeFile(p, '0.5\t1.5\tdog\nfoo\tbar\n');
    await expect(importSegments(p, { file: 'x.wav' })).rejects.toThrow(new FastAstError('IMPORT_INVALID', `${p}: line 2: expected "start<TAB>end<TAB>label" with times in seconds (2 tab-separated fields found)`));
  });
});

describe('Raven selection table', () => {
  const CORE = ['Selection', 'View', 'Channel', 'Begin Time (s)', 'End Time (s)', 'Low Freq (Hz)', 'High Freq (Hz)'];

  function parseRaven(t: string) {
    const lines = t.split('\n');
    expect(lines.pop()).toBe('');
    const header = lines[0].split('\t');
    expect(header.slice(0, 7)).toEqual(CORE);
    const rows = lines.slice(1).map((l) => {
      const f = l.split('\t');
      expect(f.length).toBe(header.length);
      return Object.fromEntries(header.map((h, i) => [h, f[i]]));
    });
    rows.forEach((r, i) => {
      expect(r.Selection).toBe(String(i + 1));
      expect(r.View).toBe('Spectrogram 1');
      expect(r.Channel).toBe('1');
      for (const k of CORE.slice(3)) expect(r[k]).toMatch(/^\d+\.\d+$/);
    });
    return { header, rows };
  }

  it('layout of a single-file table: one tab-separated header row, Selection from 1, View "Spectrogram 1", Label and Confidence', async () => {
    const { dir } = await exportTo('raven', recordings());
    const { header, rows } = parseRaven(await text(join(dir, 'forest dawn.Table.1.selections.txt')));
    expect(header).toEqual([...CORE, 'Label', 'Confidence', 'Review']);
    expect(rows.map((r) => [r['Begin Time (s)'], r['End Time (s)'], r['Low Freq (Hz)'], r['High Freq (Hz)'], r.Label, r.Confidence])).toEqual([
      ['1.234000', '4.500000', '0.000', '8000.000', 'dog', '0.9123'],
      ['2.000000', '3.250000', '500.000', '4000.000', 'crying_baby', '0.6100'],
      ['10.000000', '12.002000', '0.000', '8000.000', 'bird, song "x"', ''],
      ['20.000000', '30.500000', '0.000', '8000.000', 'dog', '0.4500'],
    ]);
  });

  it('combined table: Begin Time runs on across files; Begin Path + File Offset (s) locate each row in its file', async () => {
    const recs = recordings();
    const { dir, names } = await exportTo('raven', recs, true);
    expect(names).toEqual(['segments.Table.1.selections.txt', 'segments.Table.1.selections.txt.fastast.json']);
    const { header, rows } = parseRaven(await text(join(dir, names[0])));
    expect(header).toEqual([...CORE, 'Label', 'Confidence', 'Begin Path', 'File Offset (s)', 'Review']);
    const offsets = new Map([
      [recs[0].file, 0],
      [recs[1].file, 30.5],
    ]);
    for (const r of rows) {
      const off = offsets.get(r['Begin Path'])!;
      expect(Number(r['Begin Time (s)'])).toBeCloseTo(off + Number(r['File Offset (s)']), 6);
    }
    expect(rows.at(-1)).toMatchObject({ 'Begin Time (s)': '30.500000', 'End Time (s)': '42.500000', 'Begin Path': recs[1].file, 'File Offset (s)': '0.000000' });
    // Begin Time never goes back: one time line for the whole set.
    const begins = rows.map((r) => Number(r['Begin Time (s)']));
    expect(begins).toEqual([...begins].sort((a, b) => a - b));
  });

  it('round trip (single and combined): times to 1 ms, labels, bands, confidence, file', async () => {
    const recs = recordings();
    const single = await exportTo('raven', recs);
    const combined = await exportTo('raven', recs, true);
    const fromSingle = [
      ...(await importSegments(join(single.dir, 'forest dawn.Table.1.selections.txt'))),
      ...(await importSegments(join(single.dir, 'b.Table.1.selections.txt'))),
    ];
    const fromCombined = await importSegments(join(combined.dir, 'segments.Table.1.selections.txt'));
    for (const back of [fromSingle, fromCombined]) {
      expect(back.map((r) => [r.file, r.durationS])).toEqual(recs.map((r) => [r.file, r.durationS]));
      back.forEach((r, i) => {
        const want = byTimeOf(recs[i].segments);
        expectSameTimes(r.segments, want);
        expect(r.segments.map(shape)).toEqual(want.map(shape));
        expect(r.segments.map((s) => s.maxScore)).toEqual(want.map((s) => s.maxScore));
        expect(r.segments.map((s) => s.source)).toEqual(want.map((s) => s.source));
        for (const s of r.segments) expect(s.provenance).toEqual(s.source === 'model' ? PROV : undefined);
      });
    }
  });

  it('reads tables Raven itself writes: a Waveform and a Spectrogram row per selection, an Annotation column, no Confidence', async () => {
    const dir = await tempDir();
    const p = join(dir, 'raven.txt');
    await writeFile(
      p,
      [
        'Selection\tView\tChannel\tBegin Time (s)\tEnd Time (s)\tLow Freq (Hz)\tHigh Freq (Hz)\tAnnotation',
        '1\tWaveform 1\t1\t1.5\t2.25\t0\t0\tsong',
        '1\tSpectrogram 1\t1\t1.5\t2.25\t1200.5\t5000\tsong',
        '2\tSpectrogram 1\t1\t3\t4\t0\t8000\tcall',
      ].join('\r\n') + '\r\n',
    );
    await expect(importSegments(p)).rejects.toThrow(`${p}: line 2: the table has no "Begin Path" column; say which recording it belongs to`);
    const [rec] = await importSegments(p, { file: 'dawn.wav' });
    expect(rec.segments.map((s) => [s.file, s.label, s.startS, s.endS, s.lowHz, s.highHz, s.maxScore])).toEqual([
      ['dawn.wav', 'song', 1.5, 2.25, 1200.5, 5000, null],
      ['dawn.wav', 'call', 3, 4, undefined, undefined, null],
    ]);
  });
});

describe('our JSON', () => {
  it('round trip keeps every field of every segment (ids, scores, review, provenance, bands)', async () => {
    const recs = recordings();
    const { dir } = await exportTo('json', recs, true);
    const back = await importSegments(join(dir, 'segments.segments.json'));
    expect(back).toEqual(recs.map((r) => ({ ...r, segments: byTimeOf(r.segments) })));
  });

  it('a hand-edited file that breaks a field is refused with the field named', async () => {
    const { dir } = await exportTo('json', recordings(), true);
    const p = join(dir, 'segments.segments.json');
    const doc = JSON.parse(await text(p));
    doc.recordings[1].segments[0].review = 'maybe';
    await writeFile(p, JSON.stringify(doc));
    await expect(importSegments(p)).rejects.toThrow(/recordings\[1\]\.segments\[0\]\.review: must be one of accepted, rejected, unreviewed/);
  });
});

describe('BirdNET-style CSV', () => {
  it('layout: header "Start (s),End (s),Label,Confidence,File", one row per segment, RFC 4180 quoting', async () => {
    const recs = recordings();
    const { dir, names } = await exportTo('csv', recs, true);
    expect(names[0]).toBe('segments.BirdNET.results.csv');
    const lines = (await text(join(dir, names[0]))).split('\n');
    expect(lines.pop()).toBe('');
    expect(lines[0]).toBe('Start (s),End (s),Label,Confidence,File,Review');
    const rows = lines.slice(1).map(parseCsvLine);
    for (const r of rows) {
      expect(r.length).toBe(6);
      expect(r[0]).toMatch(/^\d+\.\d+$/);
      expect(r[1]).toMatch(/^\d+\.\d+$/);
      expect(r[3]).toMatch(/^(0\.\d{4}|1\.0000|)$/);
    }
    expect(rows.map((r) => [r[2], r[4]])).toEqual([
      ['dog', recs[0].file],
      ['crying_baby', recs[0].file],
      ['bird, song "x"', recs[0].file],
      ['dog', recs[0].file],
      ['rain', recs[1].file],
    ]);
  });
});

describe('Praat TextGrid', () => {
  it('long form: one IntervalTier per label covering 0…duration with back-to-back intervals, empty text in gaps', async () => {
    const recs = recordings();
    const { dir } = await exportTo('textgrid', recs);
    const tg = parseTextGrid(await text(join(dir, 'forest dawn.TextGrid')));
    expect([tg.xmin, tg.xmax]).toEqual([0, 30.5]);
    expect(tg.tiers.map((t) => t.name)).toEqual(['bird, song "x"', 'crying_baby', 'dog']);
    for (const tier of tg.tiers) {
      expect(tier.cls).toBe('IntervalTier');
      expect([tier.xmin, tier.xmax]).toEqual([0, 30.5]);
      expect(tier.intervals[0].xmin).toBe(tier.xmin);
      expect(tier.intervals.at(-1)!.xmax).toBe(tier.xmax);
      tier.intervals.forEach((iv, k) => {
        expect(iv.xmax).toBeGreaterThan(iv.xmin);
        if (k > 0) expect(iv.xmin).toBe(tier.intervals[k - 1].xmax);
        expect(['', tier.name]).toContain(iv.text);
      });
      const labelled = tier.intervals.filter((iv) => iv.text !== '').map((iv) => [iv.xmin, iv.xmax]);
      const want = recs[0].segments.filter((s) => s.label === tier.name).map((s) => [s.startS, s.endS]);
      expect(labelled).toEqual(want);
    }
    // The dog tier: gap, dog, gap, dog to the very end (no empty interval after it).
    expect(tg.tiers[2].intervals.map((iv) => iv.text)).toEqual(['', 'dog', '', 'dog']);
  });

  it('overlapping segments of one label join into one interval; points are left out; a recording without segments has no tiers', async () => {
    const f = 'x.wav';
    const s = (startS: number, endS: number): Segment => ({ id: `${startS}`, file: f, label: 'a', startS, endS, maxScore: null, meanScore: null, source: 'user', review: 'accepted' });
    const { dir } = await exportTo('textgrid', [
      { file: f, durationS: 5, segments: [s(1, 3), s(2, 4), s(4.5, 4.5)] },
      { file: 'y.wav', durationS: 2, segments: [] },
    ]);
    const tg = parseTextGrid(await text(join(dir, 'x.TextGrid')));
    expect(tg.tiers[0].intervals.map((iv) => [iv.xmin, iv.xmax, iv.text])).toEqual([
      [0, 1, ''],
      [1, 4, 'a'],
      [4, 5, ''],
    ]);
    expect(parseTextGrid(await text(join(dir, 'y.TextGrid')))).toEqual({ xmin: 0, xmax: 2, tiers: [] });
  });
});

describe('Sonic Visualiser region CSV', () => {
  it('layout: time,value,duration,label per row, numeric time/value/duration', async () => {
    const recs = recordings();
    const { dir } = await exportTo('sv', recs);
    const lines = (await text(join(dir, 'forest dawn.regions.csv'))).split('\n');
    expect(lines.pop()).toBe('');
    const rows = lines.map(parseCsvLine);
    for (const r of rows) {
      expect(r.length).toBe(4);
      for (const x of r.slice(0, 3)) expect(x).toMatch(/^\d+\.\d+$/);
    }
    expect(rows.map((r) => [Number(r[0]), Number(r[0]) + Number(r[2]), Number(r[1]), r[3]])).toEqual(
      recs[0].segments.map((s) => [s.startS, expect.closeTo(s.endS, 6), s.maxScore ?? 0, s.label]),
    );
  });
});

describe('Label Studio JSON', () => {
  it('tasks with data.audio and predictions whose results are {"type":"labels","value":{start,end,channel:0,labels}}', async () => {
    const recs = recordings();
    const { dir } = await exportTo('labelstudio', recs, true);
    const tasks = JSON.parse(await text(join(dir, 'segments.labelstudio.json')));
    expect(Array.isArray(tasks)).toBe(true);
    expect(tasks.map((t: { data: { audio: string } }) => t.data.audio)).toEqual(recs.map((r) => r.file));
    tasks.forEach((task: { predictions: { model_version: string; result: Record<string, unknown>[] }[] }, i: number) => {
      expect(task.predictions).toHaveLength(1);
      expect(task.predictions[0].model_version).toBe(`${PROV.modelId}@${PROV.modelSha256.slice(0, 12)}`);
      const results = task.predictions[0].result;
      expect(results.map((r) => r.value)).toEqual(recs[i].segments.map((s) => ({ start: s.startS, end: s.endS, channel: 0, labels: [s.label] })));
      for (const r of results) {
        expect(r).toMatchObject({ type: 'labels', from_name: 'label', to_name: 'audio' });
        expect(typeof r.id).toBe('string');
      }
    });
  });
});

describe('selection and naming', () => {
  it('exports only the selected segments (ids or a filter), and says how many', async () => {
    const recs = recordings();
    const dir = await tempDir();
    const r = await exportSegments({
      format: 'json', recordings: recs, outDir: dir, provenance: PROV, combined: true,
      selection: { kind: 'filter', minScore: 0.5, review: ['accepted', 'unreviewed'] },
    });
    expect(r.segments).toBe(4);
    const [a, b] = await importSegments(join(dir, 'segments.segments.json'));
    expect(a.segments.map((s) => s.label)).toEqual(['dog', 'crying_baby', 'bird, song "x"']);
    expect(b.segments.map((s) => s.label)).toEqual(['rain']);
    const r2 = await exportSegments({ format: 'audacity', recordings: recs.slice(1), outDir: dir, provenance: PROV, selection: { kind: 'ids', ids: [] } });
    expect(r2.segments).toBe(0);
    expect(await text(join(dir, 'b.labels.txt'))).toBe('');
  });

  it('two recordings with one stem get two files, never one overwriting the other; per-recording formats refuse --combined', async () => {
    const recs = recordings();
    const twin: RecordingSegments = { ...recs[1], file: '/other/B.flac' };
    const { names } = await exportTo('audacity', [recs[1], twin]);
    // Compared without case (Windows, macOS): B.flac is renamed even though its name differs from b.flac in case only.
    expect(names).toEqual(['B-2.labels.txt', 'B-2.labels.txt.fastast.json', 'b.labels.txt', 'b.labels.txt.fastast.json']);
    await expect(exportTo('textgrid', recs, true)).rejects.toThrow(/textgrid is written one file per recording/);
  });
});
