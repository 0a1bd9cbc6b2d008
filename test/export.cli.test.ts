import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { splitLabels } from '../app/cli/export-command.js';
import { importSegments } from '../app/export/index.js';
import { tempDir } from './export.fixtures.js';
import { DEMO, fastast } from './support/cli.js';

const BELLS = join(DEMO, 'church_bells_inspectorj_371267.flac');
const DOORBELL = join(DEMO, 'doorbell_kwahmah02_275072.flac');
const MODEL_OPTS = ['--ep', 'cpu', '--r', '8', '--hop', '1.28'];

interface Span {
  label: string;
  start: number;
  end: number;
  scores: number[];
}

/** The merge rule of the issue, written out again from classify's output: per label, windows ≥ threshold that touch or overlap form one span. */
function expectedSegments(windows: { start_s: number; end_s: number; top: { label: string; score: number }[] }[], threshold: number): Span[] {
  const out: Span[] = [];
  const labels = [...new Set(windows.flatMap((w) => w.top.map((t) => t.label)))];
  for (const label of labels) {
    let open: Span | null = null;
    for (const w of windows) {
      const score = w.top.find((t) => t.label === label)!.score;
      if (score < threshold) continue;
      if (open && w.start_s <= open.end + 1e-6) {
        open.end = Math.max(open.end, w.end_s);
        open.scores.push(score);
      } else {
        if (open) out.push(open);
        open = { label, start: w.start_s, end: w.end_s, scores: [score] };
      }
    }
    if (open) out.push(open);
  }
  return out.sort((a, b) => a.start - b.start || a.end - b.end || a.label.localeCompare(b.label));
}

describe('fastast export (end to end, child process)', () => {
  it('json: the segments are classify’s windows merged by the rule, with provenance; stdout lists the files', async () => {
    const dir = await tempDir();
    const threshold = 0.2;
    const run = await fastast(['export', BELLS, '--format', 'json', '--out', dir, '--threshold', String(threshold), '--json', ...MODEL_OPTS]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout);
    expect(summary.files).toEqual([join(dir, 'church_bells_inspectorj_371267.segments.json'), join(dir, 'church_bells_inspectorj_371267.segments.json.fastast.json')]);

    const classify = await fastast(['classify', BELLS, '--json', '--top', '10', ...MODEL_OPTS]);
    expect(classify.code).toBe(0);
    const want = expectedSegments(JSON.parse(classify.stdout).windows, threshold);
    expect(want.length).toBeGreaterThan(1);

    const [rec] = await importSegments(summary.files[0]);
    expect(rec.file).toBe(BELLS);
    expect(summary.segments).toBe(want.length);
    expect(rec.segments.map((s) => s.label)).toEqual(want.map((w) => w.label));
    rec.segments.forEach((s, i) => {
      expect(s.startS).toBeCloseTo(want[i].start, 3);
      expect(s.endS).toBeCloseTo(want[i].end, 3);
      expect(s.maxScore).toBeCloseTo(Math.max(...want[i].scores), 6);
      expect(s.meanScore).toBeCloseTo(want[i].scores.reduce((a, b) => a + b, 0) / want[i].scores.length, 6);
      expect(s.provenance).toEqual({
        modelId: 'ast-tiny-esc10-cmkd',
        modelSha256: expect.stringMatching(/^[0-9a-f]{64}$/),
        schedule: new Array(12).fill(8),
        propAttn: true,
        protectDistillation: true,
        windowS: 5.12,
        hopS: 1.28,
        threshold,
      });
    });
  });

  it('raven --combined over two files: one table, absolute Begin Path, Begin Time running on; audacity: one file per recording', async () => {
    const dir = await tempDir();
    const run = await fastast(['export', BELLS, DOORBELL, '--format', 'raven', '--combined', '--name', 'demo', '--threshold', '0.3', '--out', dir, ...MODEL_OPTS]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`${join(dir, 'demo.Table.1.selections.txt')}\n${join(dir, 'demo.Table.1.selections.txt.fastast.json')}\n`);
    const back = await importSegments(join(dir, 'demo.Table.1.selections.txt'));
    expect(back.map((r) => r.file)).toEqual([BELLS, DOORBELL]);
    const table = (await readFile(join(dir, 'demo.Table.1.selections.txt'), 'utf8')).trim().split('\n').map((l) => l.split('\t'));
    const doorRow = table.find((r) => r[9] === DOORBELL)!;
    expect(Number(doorRow[3])).toBeCloseTo(back[0].durationS + Number(doorRow[10]), 5);

    const dir2 = await tempDir();
    const run2 = await fastast(['export', BELLS, DOORBELL, '--format', 'audacity', '--out', dir2, ...MODEL_OPTS]);
    expect(run2.code).toBe(0);
    expect((await readdir(dir2)).sort()).toEqual([
      'church_bells_inspectorj_371267.labels.txt',
      'church_bells_inspectorj_371267.labels.txt.fastast.json',
      'doorbell_kwahmah02_275072.labels.txt',
      'doorbell_kwahmah02_275072.labels.txt.fastast.json',
    ]);
  });

  it('bad output folder, a bad file among good ones, and usage errors', async () => {
    const root = await tempDir();
    const missing = join(root, 'missing');
    const r1 = await fastast(['export', BELLS, '--format', 'csv', '--out', missing, '--ep', 'cpu']);
    expect(r1.code).toBe(1);
    expect(r1.stderr).toBe(`fastast: ${missing}: the output folder does not exist; create it first\n`);

    const bad = join(root, 'not-audio.wav');
    await writeFile(bad, 'hello');
    const r2 = await fastast(['export', bad, DOORBELL, '--format', 'csv', '--combined', '--out', root, '--ep', 'cpu']);
    expect(r2.code).toBe(1);
    expect(r2.stderr).toContain(bad);
    expect(r2.stderr).toContain('1 of 2 files failed');
    const csv = await readFile(join(root, 'segments.BirdNET.results.csv'), 'utf8');
    expect(csv).toContain(DOORBELL);
    expect(csv).not.toContain(bad);

    const r3 = await fastast(['export', BELLS, '--format', 'textgrid', '--combined']);
    expect(r3.code).toBe(2);
    expect(r3.stderr).toMatch(/--combined works with raven, csv, labelstudio, json; textgrid is one file per recording/);
    const r4 = await fastast(['export', BELLS, '--format', 'csv', '--threshold', '2']);
    expect(r4.code).toBe(2);
    expect(r4.stderr).toMatch(/--threshold must be a number from 0 to 1, got "2"/);
  });
});

describe('--labels', () => {
  it('splits on commas, but keeps AudioSet labels that hold a comma whole', () => {
    const labels = ['Speech', 'Child speech, kid speaking', 'Dog', 'Bark'];
    expect(splitLabels('Dog,Child speech, kid speaking, Bark', labels)).toEqual(['Dog', 'Child speech, kid speaking', 'Bark']);
    expect(splitLabels('Speech,', labels)).toEqual(['Speech']);
    expect(() => splitLabels('Dog,Cat', labels)).toThrow(/--labels: "Cat" is not one of the model's labels \(Speech, Child speech, kid speaking, Dog, Bark\)/);
  });
});
