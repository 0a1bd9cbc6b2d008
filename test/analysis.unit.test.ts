import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareRuns } from '../app/analysis/compare.js';
import { parseCsv } from '../app/analysis/csv.js';
import { normaliseLabel, readLabelledSet } from '../app/analysis/labelled-set.js';
import { scoresFromLogits, sigmoid, softmax, topK } from '../app/analysis/scores.js';
import { parseCli } from '../app/cli/args.js';
import { FastAstError } from '../app/errors.js';
import { ROOT } from './support/cli.js';

describe('scores', () => {
  it('softmax sums to 1 and survives large logits; sigmoid is per class', () => {
    const p = softmax([1000, 999, -1000]);
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    expect(p[0] / p[1]).toBeCloseTo(Math.E, 4);
    expect(Array.from(sigmoid([0, 100, -100]))).toEqual([0.5, 1, expect.closeTo(0, 30)]);
  });

  it('multi-label checkpoints get sigmoid, single-label ones softmax', () => {
    expect(scoresFromLogits([2, 2], true)[0]).toBeCloseTo(1 / (1 + Math.exp(-2)), 6);
    expect(scoresFromLogits([2, 2], false)[0]).toBeCloseTo(0.5, 6);
  });

  it('top-k is best first, ties keep the lower class index first', () => {
    const t = topK([0.1, 0.4, 0.4, 0.1], ['a', 'b', 'c', 'd'], 3);
    expect(t.map((x) => x.label)).toEqual(['b', 'c', 'a']);
    expect(topK([0.1], ['a'], 5)).toHaveLength(1);
  });
});

describe('compare', () => {
  const a = Float32Array.from([3, 1, 0, -1]);
  const b = Float32Array.from([0, 3, 1, -1]);

  it('a run compared with itself agrees fully, with zero divergence', () => {
    const c = compareRuns([a, b], [a, b], false, 2);
    expect(c).toMatchObject({ windows: 2, top1Agreement: 1, topKOverlap: 1, k: 2 });
    expect(c.klDivergence).toBeCloseTo(0, 9);
    expect(Array.from(c.scoreChange).every((v) => Math.abs(v) < 1e-9)).toBe(true);
  });

  it('counts disagreement, partial top-k overlap, a positive KL and per-class score changes', () => {
    const c = compareRuns([a], [b], false, 2);
    expect(c.top1Agreement).toBe(0);
    expect(c.topKOverlap).toBe(0.5); // {0,1} vs {1,2}
    expect(c.klDivergence).toBeGreaterThan(0);
    const pa = softmax(a);
    const pb = softmax(b);
    expect(c.scoreChange[1]).toBeCloseTo(pb[1] - pa[1], 6);
    const sum = Array.from(c.scoreChange).reduce((x, y) => x + y, 0);
    expect(sum).toBeCloseTo(0, 6); // softmax mass only moves between classes
  });

  it('multi-label KL is the sum of per-class Bernoulli divergences', () => {
    const c = compareRuns([Float32Array.from([0])], [Float32Array.from([Math.log(3)])], true, 1);
    const p = 0.5;
    const q = 0.75;
    expect(c.klDivergence).toBeCloseTo(p * Math.log(p / q) + (1 - p) * Math.log((1 - p) / (1 - q)), 6);
  });

  it('refuses runs of different lengths', () => {
    expect(() => compareRuns([a], [], false)).toThrow(FastAstError);
  });
});

describe('labelled sets', () => {
  it('parses quoted CSV fields with commas, quotes and CRLF line ends', () => {
    expect(parseCsv('a,b\r\n"x, y","say ""hi"""\r\n\r\n')).toEqual([
      ['a', 'b'],
      ['x, y', 'say "hi"'],
    ]);
  });

  it('reads the bundled ESC-10 fold 5 with its category column, mapped onto the model labels', async () => {
    const labels = ['chainsaw', 'clock_tick', 'crackling_fire', 'crying_baby', 'dog', 'helicopter', 'rain', 'rooster', 'sea_waves', 'sneezing'];
    const set = await readLabelledSet(join(ROOT, 'data/esc10/esc10_fold5.csv'), join(ROOT, 'data/esc10'), labels, { fold: 5 });
    expect(set.labelColumn).toBe('category');
    expect(set.clips).toHaveLength(80);
    for (let c = 0; c < 10; c++) expect(set.clips.filter((x) => x.target === c)).toHaveLength(8);
    expect(set.clips[0].path.startsWith(join(ROOT, 'data/esc10/audio_16k/'))).toBe(true);
    await expect(readLabelledSet(join(ROOT, 'data/esc10/esc10_fold5.csv'), ROOT, labels, { fold: 1 })).rejects.toThrow(/no clips in fold 1/);
  });

  it('accepts a `label` column, matches names loosely, and names labels the model lacks', async () => {
    expect(normaliseLabel(' Crying-Baby ')).toBe('crying_baby');
    const dir = await mkdtemp(join(tmpdir(), 'fastast-set-'));
    const csv = join(dir, 'set.csv');
    await writeFile(csv, 'path,fold,label\na.wav,1,Crying baby\nb.wav,1,Dog\n');
    const set = await readLabelledSet(csv, dir, ['dog', 'crying_baby']);
    expect(set.clips.map((c) => c.target)).toEqual([1, 0]);
    await writeFile(csv, 'path,fold,label\na.wav,1,cat\n');
    await expect(readLabelledSet(csv, dir, ['dog'])).rejects.toThrow(/1 label in column "label" \(line 2\) is not one of the classes of the model \(dog\)/);
    await writeFile(csv, 'file,fold,label\n');
    await expect(readLabelledSet(csv, dir, ['dog'])).rejects.toThrow(/needs columns "path", "fold"/);
  });
});

describe('command line parsing', () => {
  it('reads every classify flag of the issue', () => {
    const a = parseCli(['classify', 'a.wav', 'b.mp3', '--model', 'm', '--r', '8', '--inflection', '-1', '--no-prop-attn', '--unprotect-distillation', '--hop', '2.5', '--top', '5', '--logits', '--json', '--threads', '2', '--ep', 'webgpu']);
    expect(a).toEqual({
      command: 'classify',
      files: ['a.wav', 'b.mp3'],
      model: 'm',
      schedule: { kind: 'inflection', r: 8, inflection: -1 },
      propAttn: false,
      protectDistillation: false,
      hopS: 2.5,
      top: 5,
      logits: true,
      json: true,
      threads: 2,
      ep: 'webgpu',
      // float32 unless --weights int8 (issue 13); batch: the measured default, chosen per model later.
      weights: 'float32',
    });
    expect(parseCli(['classify', 'a.wav', '--weights', 'int8', '--batch', '4'])).toMatchObject({ weights: 'int8', batch: 4 });
    expect(parseCli(['classify', 'a.wav', '--schedule', '8,8,4'])).toMatchObject({ schedule: { kind: 'explicit', list: [8, 8, 4] }, top: 3, propAttn: true });
  });

  it('reads eval flags', () => {
    expect(parseCli(['eval', '--csv', 'x.csv', '--audio-root', 'd', '--fold', '5', '--r', '0,16,48', '--json'])).toMatchObject({
      command: 'eval',
      csv: 'x.csv',
      audioRoot: 'd',
      fold: 5,
      rs: [0, 16, 48],
      json: true,
    });
  });

  it('rejects flags of the other command and malformed numbers with USAGE errors', () => {
    expect(() => parseCli(['classify', 'a.wav', '--csv', 'x'])).toThrow(/unknown option --csv/);
    expect(() => parseCli(['eval', '--csv', 'x', '--audio-root', 'd', '--r', '1,,2'])).toThrow(/--r must be comma-separated/);
    expect(() => parseCli(['classify', 'a.wav', '--top', '0'])).toThrow(/--top must be an integer ≥ 1/);
    expect(() => parseCli(['classify', 'a.wav', '--json=1'])).toThrow(/--json takes no value/);
    expect(() => parseCli(['classify', 'a.wav', '--r', 'x'])).toThrow(expect.objectContaining({ code: 'USAGE' }));
  });
});
