/**
 * The engine host over its real transport code (ClientConnection frames), on the bundled model
 * and a demo clip: open, baseline, merged run with comparison, supersede, cancel, schedule table.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { useTestHost } from './support/host.js';

const ROOT = resolve(import.meta.dirname, '..');
const CLIP = join(ROOT, 'data', 'demo', 'church_bells_inspectorj_371267.flac');
const tmp = mkdtempSync(join(tmpdir(), 'fastast-host-test-'));
const hosted = useTestHost(tmp);
const call = (method: string, params: unknown) => hosted.client.call(method, params);
const ok = (method: string, params: unknown) => hosted.client.ok(method, params);

const MERGE = { r: 16, shape: 'constant', propAttn: true, protectDistillation: true };

describe('host', () => {
  test('hello lists the bundled models; select loads the default one', async () => {
    const h = await ok('hello', {});
    expect(h.models.map((m: { id: string }) => m.id).sort()).toEqual(['ast-tiny-esc10-cmkd', 'ast-tiny-esc10-plain']);
    expect(h.activeModel).toBe('ast-tiny-esc10-cmkd');
    const sel = await ok('models.select', { id: 'ast-tiny-esc10-cmkd' });
    expect(sel.engine.ep).toBe('cpu');
    expect(sel.model.numTokens).toBe(602);
    expect(sel.model.maxR).toEqual({ protect: 300, noProtect: 300 });
  });

  test('schedule table: merge ratio for every r, both ways', async () => {
    const t = await ok('schedule.table', { shape: 'constant', protectDistillation: true });
    expect(t.ratios.length).toBe(301);
    expect(t.ratios[0]).toBe(0);
    expect(t.finalTokens[16]).toBe(410);
    expect(t.ratios[16]).toBeCloseTo(192 / 602, 5);
  });

  test('bad requests answer BAD_REQUEST naming the field', async () => {
    const r = await call('window.merge', { fileId: 'f1', startS: -1, merge: MERGE }).done;
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error.code).toBe('BAD_REQUEST');
    expect(!r.ok && r.error.message).toMatch(/startS: -1 is below 0/);
    const u = await call('nope', {}).done;
    expect(!u.ok && u.error.message).toMatch(/unknown method "nope"/);
  });

  test('open, baseline and a merged window with its comparison', async () => {
    const f = await ok('file.open', { path: CLIP });
    expect(f.durationS).toBeCloseTo(8.741, 2);
    expect(f.windowS).toBe(5.12);
    expect(hosted.client.events.some((e) => e.event === 'progress')).toBe(true);
    const peaks = await ok('file.peaks', { fileId: f.fileId, startS: 0, endS: f.durationS, count: 500 });
    expect(peaks.peaks.length).toBe(500);
    expect(Math.max(...peaks.peaks)).toBeGreaterThan(0.05);
    const spec = await ok('file.spectrogram', { fileId: f.fileId, startS: 0, endS: f.durationS, cols: 300 });
    expect(spec.data.length).toBe(300 * 128);
    const b = await ok('window.baseline', { fileId: f.fileId, startS: 0 });
    expect(b.window.validFrames).toBe(512);
    expect(b.window.input.length).toBe(512 * 128);
    expect(b.run.tokensPerLayer.every((n: number) => n === 602)).toBe(true);
    const m = await ok('window.merge', { fileId: f.fileId, startS: 0, merge: MERGE });
    expect(m.run.tokensPerLayer).toEqual([602, 586, 570, 554, 538, 522, 506, 490, 474, 458, 442, 426, 410]);
    expect(m.run.groups.length).toBe(12 * 602);
    // After the last layer, 410 distinct tokens remain among the 602 originals.
    expect(new Set(m.run.groups.subarray(11 * 602, 12 * 602)).size).toBe(410);
    // 16 sources merge away per layer: 16 finite scores in layer 0.
    expect(Array.from(m.run.sourceScores.subarray(0, 602)).filter(Number.isFinite).length).toBe(16);
    expect(m.comparison.kl).toBeGreaterThanOrEqual(0);
    expect(m.comparison.scoreChange.length).toBe(10);
    expect(m.run.mergeRatio).toBeCloseTo(192 / 602, 5);
    // The last window of the file is padded past its end.
    const last = await ok('window.baseline', { fileId: f.fileId, startS: 4 });
    expect(last.window.validFrames).toBeLessThan(512);
    expect(last.window.validFrames).toBeGreaterThan(400);
  });

  test('a newer window.merge supersedes an older one still waiting', async () => {
    const f = await ok('file.open', { path: CLIP });
    await ok('window.baseline', { fileId: f.fileId, startS: 1 });
    const first = call('window.merge', { fileId: f.fileId, startS: 1, merge: { ...MERGE, r: 4 } });
    const second = call('window.merge', { fileId: f.fileId, startS: 1, merge: { ...MERGE, r: 8 } });
    const [a, b] = await Promise.all([first.done, second.done]);
    expect(!a.ok && a.error.code).toBe('CANCELLED');
    expect(b.ok).toBe(true);
  });

  test('cancel stops an analysis', async () => {
    const f = await ok('file.open', { path: join(ROOT, 'data', 'demo', 'music_orchestra_brahms_hungarian_dance5.flac') });
    const run = call('analysis.run', { fileId: f.fileId, hopS: 0.25, merge: null });
    await new Promise((r) => setTimeout(r, 300));
    hosted.client.cancel(run.id);
    const r = await run.done;
    expect(!r.ok && r.error.code).toBe('CANCELLED');
    const a = await ok('analysis.run', { fileId: f.fileId, hopS: 5.12, merge: null });
    expect(a.starts.length).toBe(9);
    expect(a.scores.length).toBe(9 * 10);
  });

  test('unknown files and bad folders say what is wrong', async () => {
    const r = await call('window.baseline', { fileId: 'f999', startS: 0 }).done;
    expect(!r.ok && r.error.code).toBe('UNKNOWN_FILE');
    const l = await call('fs.list', { dir: join(tmp, 'does-not-exist') }).done;
    expect(!l.ok && l.error.code).toBe('FILE_NOT_FOUND');
    const demo = await ok('fs.list', {});
    expect(demo.entries.some((e: { name: string }) => e.name === 'church_bells_inspectorj_371267.flac')).toBe(true);
  });
});

describe('merge margins (how clear-cut each merge decision was)', () => {
  test('the padded part of a short clip decides by near-ties; its audio does not', async () => {
    const f = await ok('file.open', { path: join(ROOT, 'data', 'demo', 'car_horn_dj997_493751.flac') });
    const m = await ok('window.merge', { fileId: f.fileId, startS: 0, merge: MERGE });
    const N = 602;
    const T = 50;
    const validFrames = (await ok('window.baseline', { fileId: f.fileId, startS: 0 })).window.validFrames;
    expect(m.run.margins.length).toBe(12 * N);
    expect(Number.isNaN(m.run.margins[0])).toBe(true); // cls decides nothing
    const pad: number[] = [];
    const audio: number[] = [];
    for (let p = 0; p < 12 * T; p++) {
      const v = m.run.margins[2 + p]; // layer 0
      if (Number.isFinite(v)) ((p % T) * 10 >= validFrames ? pad : audio).push(v);
    }
    // Half the tokens (the A side) decide in each layer.
    expect(pad.length + audio.length).toBe(300);
    const median = (a: number[]) => a.sort((x, y) => x - y)[a.length >> 1];
    expect(median(pad)).toBeLessThan(1e-3);
    expect(median(audio)).toBeGreaterThan(1e-2);
    // The baseline (r = 0) makes no decisions at all.
    expect(Array.from(m.baseline.margins).every(Number.isNaN)).toBe(true);
  });
});

describe('segments export and import through the host', () => {
  const seg = (id: string, label: string, startS: number, endS: number, maxScore: number | null) => ({
    id,
    file: CLIP,
    label,
    startS,
    endS,
    maxScore,
    meanScore: maxScore,
    source: maxScore === null ? 'user' : 'model',
    review: 'unreviewed',
  });
  const recordings = [{ file: CLIP, durationS: 8.741, segments: [seg('a', 'church_bells', 0, 5.12, 0.9), seg('b', 'rain', 5.12, 8.741, 0.4), seg('user-1', 'bell strike', 1.25, 2.5, null)] }];
  const provenance = { modelId: 'ast-tiny-esc10-cmkd', modelSha256: 'ab12', schedule: new Array(12).fill(0), propAttn: false, protectDistillation: true, windowS: 5.12, hopS: 5.12, threshold: 0.3 };

  test('Audacity labels and JSON of a selection land in the folder and read back', async () => {
    const out = mkdtempSync(join(tmp, 'export-'));
    const a = await ok('segments.export', { format: 'audacity', outDir: out, recordings, provenance, selection: { kind: 'ids', ids: ['a', 'user-1'] } });
    expect(a.segments).toBe(2);
    expect(a.files.map((f: string) => f.slice(out.length + 1))).toEqual(['church_bells_inspectorj_371267.labels.txt', 'church_bells_inspectorj_371267.labels.txt.fastast.json']);
    const back = await ok('segments.import', { path: a.files[0] });
    expect(back.recordings[0].segments.map((s: { label: string; startS: number }) => [s.label, s.startS])).toEqual([
      ['church_bells', 0],
      ['bell strike', 1.25],
    ]);
    const j = await ok('segments.export', { format: 'json', outDir: out, recordings, provenance: null, selection: { kind: 'filter', minScore: 0.5 } });
    const jb = await ok('segments.import', { path: j.files[0] });
    // Hand-drawn segments have no score and pass a score filter.
    expect(jb.recordings[0].segments.map((s: { id: string }) => s.id)).toEqual(['a', 'user-1']);
  });

  test('every format writes its file(s) and a sidecar', async () => {
    for (const format of ['audacity', 'raven', 'csv', 'textgrid', 'sv', 'labelstudio', 'json', 'clips']) {
      const out = mkdtempSync(join(tmp, `all-${format}-`));
      const r = await ok('segments.export', { format, outDir: out, recordings, provenance, selection: { kind: 'all' } });
      expect(r.segments, format).toBe(3);
      expect(r.files.filter((f: string) => f.endsWith('.fastast.json')).length, format).toBe(1);
      expect(r.files.length, format).toBe(format === 'clips' ? 4 : 2);
    }
  });

  test('a bad folder names the path and writes nothing', async () => {
    const missing = join(tmp, 'no-such-folder');
    const r = await call('segments.export', { format: 'audacity', outDir: missing, recordings, provenance, selection: { kind: 'all' } }).done;
    expect(!r.ok && r.error.code).toBe('EXPORT_FAILED');
    expect(!r.ok && r.error.message).toContain(missing);
    const rel = await call('segments.export', { format: 'audacity', outDir: 'relative/dir', recordings, provenance, selection: { kind: 'all' } }).done;
    expect(!rel.ok && rel.error.message).toMatch(/relative\/dir: give the output folder as an absolute path/);
    const bad = await call('segments.export', { format: 'nope', outDir: tmp, recordings, provenance, selection: { kind: 'all' } }).done;
    expect(!bad.ok && bad.error.code).toBe('BAD_REQUEST');
  });
});
