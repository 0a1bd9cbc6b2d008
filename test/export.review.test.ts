/**
 * Exports respect review, through the real host's segments.export: a rejected segment is in no
 * format unless asked for; Raven and CSV carry the review and the score (Audacity as an opt-in
 * label suffix); times that reach the host as float32 (51.2 s → 51.20000076…) are written as
 * exact milliseconds, so adjacent segments touch and never overlap, and read back exactly.
 */
import { mkdtempSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { importSegments } from '../app/export/index.js';
import type { RecordingSegments, ReviewStatus, Segment } from '../app/segments/index.js';
import { parseCsvLine, parseTextGrid, PROV, tempDir } from './export.fixtures.js';
import { useTestHost } from './support/host.js';

const ROOT = resolve(import.meta.dirname, '..');
const BELLS = join(ROOT, 'data', 'demo', 'church_bells_inspectorj_371267.flac');
const hosted = useTestHost(mkdtempSync(join(tmpdir(), 'fastast-export-review-')));

/** What the renderer sends: window starts come from a Float32Array on the wire. */
const f32 = (x: number) => Math.fround(x);

function seg(file: string, label: string, startS: number, endS: number, review: ReviewStatus, maxScore: number | null = 0.8765): Segment {
  return { id: `${label}@${startS}`, file, label, startS: f32(startS), endS: f32(endS), maxScore, meanScore: maxScore, source: 'model', provenance: PROV, review };
}

/** A long recording whose window times show float32 drift at 6 decimals; the labels are unique so a text search finds each. */
function longRecording(): RecordingSegments {
  const file = '/data/field/long.wav';
  return {
    file,
    durationS: 120,
    segments: [
      seg(file, 'kept_accepted', 40.96, 51.2, 'accepted'),
      // Touches the segment before: 51.2 on both sides, float32 on both sides.
      seg(file, 'kept_unreviewed', 51.2, 61.44, 'unreviewed'),
      seg(file, 'gone_rejected', 61.44, 71.68, 'rejected'),
    ],
  };
}

const TABLE_FORMATS = ['audacity', 'raven', 'csv', 'textgrid', 'sv', 'labelstudio', 'json'] as const;

async function exportVia(format: string, recordings: RecordingSegments[], extra: Record<string, unknown> = {}) {
  const outDir = await tempDir();
  const res = await hosted.client.ok('segments.export', { format, outDir, recordings, provenance: null, selection: { kind: 'all' }, ...extra });
  const names = (await readdir(outDir)).sort();
  const main = names.filter((n) => !n.endsWith('.fastast.json'));
  return { outDir, res, names, main, text: async () => (await Promise.all(main.map((n) => readFile(join(outDir, n), 'utf8')))).join('\n') };
}

describe('exports respect review (segments.export on the real host)', () => {
  test('by default a rejected segment is in no format; accepted and unreviewed ones are', async () => {
    for (const format of TABLE_FORMATS) {
      const out = await exportVia(format, [longRecording()]);
      const body = await out.text();
      expect(out.res.segments, format).toBe(2);
      expect(body, format).not.toContain('gone_rejected');
      expect(body, format).toContain('kept_accepted');
      expect(body, format).toContain('kept_unreviewed');
    }
    // Clips: one WAV per exported segment, named by label.
    const rec: RecordingSegments = {
      file: BELLS,
      durationS: 8.74,
      segments: [seg(BELLS, 'bells_ok', 0, 1.28, 'accepted'), seg(BELLS, 'bells_no', 1.28, 2.56, 'rejected'), seg(BELLS, 'bells_maybe', 2.56, 3.84, 'unreviewed')],
    };
    const clips = await exportVia('clips', [rec]);
    expect(clips.main.filter((n) => n.endsWith('.wav')).map((n) => n.split('_')[1])).toEqual(expect.arrayContaining(['ok', 'maybe']));
    expect(clips.main.some((n) => n.includes('bells_no'))).toBe(false);
    expect(clips.res.segments).toBe(2);
  });

  test('include: "accepted" writes accepted ones only; "all" writes every one, with its review in Raven and CSV', async () => {
    const acc = await exportVia('raven', [longRecording()], { include: 'accepted' });
    const back = (await importSegments(join(acc.outDir, acc.main[0])))[0].segments;
    expect(back.map((s) => [s.label, s.review])).toEqual([['kept_accepted', 'accepted']]);

    const all = await exportVia('raven', [longRecording()], { include: 'all' });
    const raven = (await importSegments(join(all.outDir, all.main[0])))[0].segments;
    expect(raven.map((s) => [s.label, s.review, s.maxScore])).toEqual([
      ['kept_accepted', 'accepted', 0.8765],
      ['kept_unreviewed', 'unreviewed', 0.8765],
      ['gone_rejected', 'rejected', 0.8765],
    ]);
    const csv = await exportVia('csv', [longRecording()], { include: 'all' });
    const lines = (await csv.text()).trim().split('\n');
    const header = parseCsvLine(lines[0]);
    const rows = lines.slice(1).map((l) => Object.fromEntries(parseCsvLine(l).map((v, i) => [header[i], v])));
    expect(rows.map((r) => [r.Label, r.Review, r.Confidence])).toEqual([
      ['kept_accepted', 'accepted', '0.8765'],
      ['kept_unreviewed', 'unreviewed', '0.8765'],
      ['gone_rejected', 'rejected', '0.8765'],
    ]);
    const sidecar = JSON.parse(await readFile(join(csv.outDir, csv.names.find((n) => n.endsWith('.fastast.json'))!), 'utf8'));
    expect(sidecar.include).toBe('all');
  });

  test('Audacity: review and score as a label suffix on request, read back off the label', async () => {
    const plain = await exportVia('audacity', [longRecording()]);
    expect(await plain.text()).not.toMatch(/\[/);
    const tagged = await exportVia('audacity', [longRecording()], { include: 'all', audacityReview: true });
    expect((await tagged.text()).split('\n')[0]).toBe('40.960000\t51.200000\tkept_accepted [accepted 0.8765]');
    const back = (await importSegments(join(tagged.outDir, tagged.main[0])))[0].segments;
    expect(back.map((s) => [s.label, s.review, s.maxScore])).toEqual([
      ['kept_accepted', 'accepted', 0.8765],
      ['kept_unreviewed', 'unreviewed', 0.8765],
      ['gone_rejected', 'rejected', 0.8765],
    ]);
  });

  test('float32 times are written as exact milliseconds; adjacent segments touch, never overlap; they read back exactly', async () => {
    expect(f32(51.2).toFixed(6)).toBe('51.200001'); // the drift the issue saw, for the record
    const want = [
      [40.96, 51.2],
      [51.2, 61.44],
    ];
    for (const format of TABLE_FORMATS) {
      const body = await (await exportVia(format, [longRecording()])).text();
      expect(body, format).not.toMatch(/51\.200001|61\.439999|51\.20000076/);
    }
    // Tables read back by app/export's own readers: the exact decimal values.
    for (const format of ['audacity', 'raven', 'json'] as const) {
      const out = await exportVia(format, [longRecording()]);
      const segs = (await importSegments(join(out.outDir, out.main[0]), format === 'json' ? {} : { file: '/data/field/long.wav' }))[0].segments;
      expect(segs.map((s) => [s.startS, s.endS]), format).toEqual(want);
      expect(segs[0].endS, format).toBeLessThanOrEqual(segs[1].startS);
    }
    // The others by their own rules.
    const csv = (await (await exportVia('csv', [longRecording()])).text()).trim().split('\n').slice(1).map(parseCsvLine);
    expect(csv.map((r) => [Number(r[0]), Number(r[1])])).toEqual(want);
    const sv = (await (await exportVia('sv', [longRecording()])).text()).trim().split('\n').map((l) => l.split(','));
    expect(sv.map((r) => [Number(r[0]), Number(r[0]) + Number(r[2])]).map(([a, b]) => [a, Math.round(b * 1000) / 1000])).toEqual(want);
    expect(sv.map((r) => r[2])).toEqual(['10.240000', '10.240000']);
    const tg = parseTextGrid(await (await exportVia('textgrid', [longRecording()])).text());
    const spans = tg.tiers.flatMap((t) => t.intervals.filter((iv) => iv.text !== '').map((iv) => [iv.xmin, iv.xmax]));
    expect(spans.sort((a, b) => a[0] - b[0])).toEqual(want);
    const ls = JSON.parse(await (await exportVia('labelstudio', [longRecording()])).text());
    expect(ls[0].predictions[0].result.map((r: { value: { start: number; end: number } }) => [r.value.start, r.value.end])).toEqual(want);
  });

  test('combined Raven: Begin Time runs on in exact steps across recordings', async () => {
    const a = longRecording();
    const b: RecordingSegments = { file: '/data/field/b.wav', durationS: 10.5, segments: [seg('/data/field/b.wav', 'second_file', 1.28, 2.56, 'unreviewed')] };
    const out = await exportVia('raven', [a, b], { combined: true });
    const rows = (await out.text()).trim().split('\n').map((l) => l.split('\t'));
    const last = rows.at(-1)!;
    expect([last[3], last[4]]).toEqual(['121.280000', '122.560000']);
  });
});
