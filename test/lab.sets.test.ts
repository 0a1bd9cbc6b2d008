import { copyFile, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { audiosetAliases, LabelMatcher, openLabelledSet, readFolderSet, readLabelledSet } from '../app/analysis/labelled-set.js';
import { averagePrecision, meanAveragePrecision } from '../app/analysis/metrics.js';
import { scheduleFor, settingsGrid } from '../app/analysis/sweep.js';
import { parseCli } from '../app/cli/args.js';
import { ROOT } from './support/cli.js';

/** Labelled sets, AP / mAP and the sweep's settings: no inference (the sweep itself is in lab.sweep.test.ts). */

const ESC10 = ['chainsaw', 'clock_tick', 'crackling_fire', 'crying_baby', 'dog', 'helicopter', 'rain', 'rooster', 'sea_waves', 'sneezing'];
const FOLD5 = join(ROOT, 'data/esc10/esc10_fold5.csv');
const ESC_AUDIO = join(ROOT, 'data/esc10/audio_16k');

describe('average precision (by hand)', () => {
  it('is the mean precision at the ranks of the positives', () => {
    // Ranked: 0.9 (+), 0.8 (−), 0.7 (+), 0.6 (−), 0.5 (+)
    // precision at the positives: 1/1, 2/3, 3/5 → AP = (1 + 2/3 + 3/5) / 3 = 0.7556
    const ap = averagePrecision([0.7, 0.6, 0.9, 0.5, 0.8], [true, false, true, true, false]);
    expect(ap).toBeCloseTo((1 + 2 / 3 + 3 / 5) / 3, 12);
    expect(averagePrecision([0.1, 0.9], [false, true])).toBe(1);
    expect(averagePrecision([0.9, 0.1], [false, true])).toBe(0.5);
    expect(averagePrecision([0.9, 0.1], [false, false])).toBeNaN();
  });

  it('counts a tie between a positive and a negative as one threshold (as scikit-learn does)', () => {
    // Both at 0.5: recall 0 → 1 at precision 1/2.
    expect(averagePrecision([0.5, 0.5], [true, false])).toBe(0.5);
    // 0.9 (+) alone: P 1, R 1/2; then the tie 0.4 (+, −): P 2/3, R 1 → 1/2·1 + 1/2·2/3
    expect(averagePrecision([0.9, 0.4, 0.4], [true, true, false])).toBeCloseTo(0.5 + 1 / 3, 12);
  });

  it('mAP is the mean over classes with positives; a class nobody carries is left out', () => {
    const scores = [
      [0.9, 0.2, 0.1],
      [0.3, 0.8, 0.0],
      [0.6, 0.7, 0.2],
      [0.1, 0.4, 0.3],
    ];
    const targets = [[0], [1], [0, 1], [1]];
    // class 0: ranked 0.9 (+), 0.6 (+), 0.3, 0.1 → AP 1
    // class 1: ranked 0.8 (+), 0.7 (+), 0.4 (+), 0.2 → AP 1
    // class 2: no positives → not averaged
    const { map, perClass } = meanAveragePrecision(scores, targets, 3);
    expect(perClass.map((c) => [c.index, c.positives, c.ap])).toEqual([
      [0, 2, 1],
      [1, 3, 1],
    ]);
    expect(map).toBe(1);
    // Swap clip 3's class-1 score below clip 0's: class 1 ranked 0.8 (+), 0.7 (+), 0.2 (−), 0.1 (+) → (1 + 1 + 3/4) / 3
    const worse = scores.map((s) => [...s]);
    worse[3][1] = 0.1;
    const m2 = meanAveragePrecision(worse, targets, 3);
    expect(m2.perClass[1].ap).toBeCloseTo((1 + 1 + 3 / 4) / 3, 12);
    expect(m2.map).toBeCloseTo((1 + (1 + 1 + 3 / 4) / 3) / 2, 12);
  });
});

describe('labelled sets', () => {
  it('reads the ESC-50 layout with or without the fold column, paths relative to the CSV by default', async () => {
    const set = await openLabelledSet(FOLD5, ESC10, { fold: 5 });
    expect(set).toMatchObject({ kind: 'csv', labelColumn: 'category', multiLabel: false });
    expect(set.clips).toHaveLength(80);
    expect(set.clips[0]).toMatchObject({ fold: 5, label: 'crying_baby', target: 3, targets: [3] });
    expect(set.clips[0].path).toBe(join(ESC_AUDIO, '5-151085-A-20.flac'));

    const dir = await mkdtemp(join(tmpdir(), 'fastast-lab-'));
    const csv = join(dir, 'nofold.csv');
    await writeFile(csv, `filename,category\n${join(ESC_AUDIO, '5-151085-A-20.flac')},Crying Baby\n`);
    const nofold = await openLabelledSet(csv, ESC10);
    expect(nofold.clips[0]).toEqual({ path: join(ESC_AUDIO, '5-151085-A-20.flac'), label: 'Crying Baby', target: 3, targets: [3] });
    await expect(openLabelledSet(csv, ESC10, { fold: 5 })).rejects.toThrow(/has no "fold" column/);
  });

  it('reads multi-label CSVs: ; or , inside one quoted field, names with commas kept whole', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fastast-lab-'));
    const csv = join(dir, 'multi.csv');
    await writeFile(
      csv,
      [
        'path,labels',
        'a.wav,"dog;rain"',
        'b.wav,"Rooster, sneezing, dog"',
        'c.wav,chainsaw',
        'd.wav,"sea waves ; rain;"',
        'e.wav,"dog,dog"',
      ].join('\n'),
    );
    const set = await readLabelledSet(csv, dir, ESC10);
    expect(set.multiLabel).toBe(true);
    expect(set.labelColumn).toBe('labels');
    expect(set.clips.map((c) => c.targets)).toEqual([[4, 6], [7, 9, 4], [0], [8, 6], [4]]);
    expect(set.clips[1].label).toBe('Rooster, sneezing, dog');

    // AudioSet display names hold commas; ids map to them through aliases.
    const labels = ['Speech', 'Male speech, man speaking', 'Female speech, woman speaking', 'Dog'];
    const m = new LabelMatcher(labels, await audiosetAliases(join(ROOT, 'data/labels/audioset_class_labels_indices.csv')));
    expect(m.split('Male speech, man speaking')).toEqual({ targets: [1], unknown: [] });
    expect(m.split('Speech,Male speech, man speaking,Dog')).toEqual({ targets: [0, 1, 3], unknown: [] });
    expect(m.split('/m/09x0r,/m/05zppz')).toEqual({ targets: [0, 1], unknown: [] });
    expect(m.split('Female speech, woman speaking; speech')).toEqual({ targets: [2, 0], unknown: [] });
    expect(m.split('Speech, Cat')).toEqual({ targets: [0], unknown: ['Cat'] });

    const audioset = join(dir, 'audioset.csv');
    await writeFile(audioset, '# YTID segments, converted\npath,positive_labels\nx.wav,"/m/09x0r,/m/05zppz"\n');
    const as = await readLabelledSet(audioset, dir, labels, { aliases: await audiosetAliases(join(ROOT, 'data/labels/audioset_class_labels_indices.csv')) });
    expect(as.clips[0].targets).toEqual([0, 1]);
  });

  it('a single-label column with one label per clip is single-label; several labels make it multi-label', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fastast-lab-'));
    const csv = join(dir, 'set.csv');
    await writeFile(csv, 'path,label\na.wav,dog\nb.wav,"dog;rain"\n');
    expect((await readLabelledSet(csv, dir, ESC10)).multiLabel).toBe(true);
    await writeFile(csv, 'path,label\na.wav,dog\nb.wav,rain\n');
    expect((await readLabelledSet(csv, dir, ESC10)).multiLabel).toBe(false);
  });

  it('names unknown labels, missing files, empty sets and empty fields', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fastast-lab-'));
    const csv = join(dir, 'set.csv');
    await writeFile(csv, 'path,labels\na.wav,"dog;cat"\nb.wav,"cow, dog"\n');
    await expect(readLabelledSet(csv, dir, ESC10)).rejects.toThrow(/set\.csv: 2 labels in column "labels" \(lines 2, 3\) are not classes of the model \(chainsaw, clock_tick/);

    await writeFile(csv, 'path,category\nmissing1.flac,dog\nmissing2.flac,rain\n');
    const missing = openLabelledSet(csv, ESC10);
    await expect(missing).rejects.toMatchObject({ code: 'FILE_NOT_FOUND' });
    await expect(openLabelledSet(csv, ESC10)).rejects.toThrow(`2 of 2 clips not found: ${join(dir, 'missing1.flac')}, ${join(dir, 'missing2.flac')}`);
    // readLabelledSet leaves the files alone unless asked (the sweep checks them before it runs).
    await expect(readLabelledSet(csv, dir, ESC10)).resolves.toMatchObject({ clips: [{}, {}] });
    await expect(readLabelledSet(csv, dir, ESC10, { checkFiles: true })).rejects.toThrow(/clips not found/);

    await writeFile(csv, 'path,category\n');
    await expect(readLabelledSet(csv, dir, ESC10)).rejects.toThrow(/no clips/);
    await writeFile(csv, '');
    await expect(readLabelledSet(csv, dir, ESC10)).rejects.toThrow(/the CSV is empty/);
    await writeFile(csv, 'path,category\na.wav,\n');
    await expect(readLabelledSet(csv, dir, ESC10)).rejects.toThrow(/set\.csv:2: empty label in column "category"/);
    await writeFile(csv, 'path,fold,category\na.wav,x,dog\n');
    await expect(readLabelledSet(csv, dir, ESC10)).rejects.toThrow(/set\.csv:2: the fold column must hold a whole number$/);
    await expect(openLabelledSet(join(dir, 'nope.csv'), ESC10)).rejects.toThrow(/no such CSV file or folder/);
  });

  it('reads a folder with one sub-folder per class (files anywhere below; hidden and non-audio files skipped)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fastast-lab-'));
    await mkdir(join(dir, 'Dog', 'night'), { recursive: true });
    await mkdir(join(dir, 'sea-waves'));
    await mkdir(join(dir, '.thumbs'));
    await copyFile(join(ESC_AUDIO, '5-151085-A-20.flac'), join(dir, 'Dog', 'b.flac'));
    await copyFile(join(ESC_AUDIO, '5-151085-A-20.flac'), join(dir, 'Dog', 'night', 'a.flac'));
    await copyFile(join(ESC_AUDIO, '5-151085-A-20.flac'), join(dir, 'sea-waves', 'c.flac'));
    await writeFile(join(dir, 'Dog', 'notes.txt'), 'not audio');
    await writeFile(join(dir, 'loose.flac'), 'ignored: not in a class folder');
    const set = await openLabelledSet(dir, ESC10);
    expect(set).toMatchObject({ kind: 'folder', multiLabel: false, source: dir });
    expect(set.clips.map((c) => [c.path.slice(dir.length + 1), c.label, c.targets])).toEqual([
      ['Dog/b.flac', 'Dog', [4]],
      ['Dog/night/a.flac', 'Dog', [4]],
      ['sea-waves/c.flac', 'sea-waves', [8]],
    ]);
    await expect(openLabelledSet(dir, ESC10, { fold: 1 })).rejects.toThrow(/a folder set has no folds/);

    await mkdir(join(dir, 'cat'));
    await expect(readFolderSet(dir, ESC10)).rejects.toThrow(/class folder\(s\) "cat" are not classes of the model/);
    const empty = await mkdtemp(join(tmpdir(), 'fastast-lab-'));
    await expect(readFolderSet(empty, ESC10)).rejects.toThrow(/no class sub-folders/);
    await mkdir(join(empty, 'dog'));
    await expect(readFolderSet(empty, ESC10)).rejects.toThrow(/hold no audio files/);
  });
});

describe('sweep settings', () => {
  it('grids r × shape × proportional attention, with ToMe-shaped schedules', () => {
    const grid = settingsGrid({ rs: [0, 8], shapes: ['constant', 'decreasing'], propAttn: [true, false] });
    expect(grid).toHaveLength(8);
    expect(grid[0]).toEqual({ r: 0, shape: 'constant', propAttn: true, protectDistillation: true });
    expect(grid[7]).toEqual({ r: 8, shape: 'decreasing', propAttn: false, protectDistillation: true });
    expect(scheduleFor({ r: 8, shape: 'decreasing', propAttn: true, protectDistillation: true }, 4)).toEqual([16, 10, 5, 0]);
    expect(scheduleFor({ r: 8, shape: 'increasing', propAttn: true, protectDistillation: true }, 4)).toEqual([0, 5, 10, 16]);
    expect(scheduleFor({ r: 8, shape: 'constant', propAttn: true, protectDistillation: true }, 4)).toEqual([8, 8, 8, 8]);
    expect(() => scheduleFor({ r: 8, shape: 'zigzag' as never, propAttn: true, protectDistillation: true }, 4)).toThrow(/constant, decreasing or increasing/);
  });
});

describe('fastast eval flags', () => {
  it('reads models, shapes, proportional attention, out, cache and batch', () => {
    expect(
      parseCli(['eval', '--csv', 'x.csv', '--models', 'a,b', '--r', '0,16', '--shape', 'constant,decreasing', '--prop-attn', 'both', '--out', 't.csv', '--cache', 'c', '--batch', '4']),
    ).toMatchObject({
      command: 'eval',
      set: 'x.csv',
      csv: 'x.csv',
      audioRoot: undefined,
      models: ['a', 'b'],
      rs: [0, 16],
      shapes: ['constant', 'decreasing'],
      propAttnModes: [true, false],
      out: 't.csv',
      cache: 'c',
      batch: 4,
    });
    expect(parseCli(['eval', '--set', 'dir'])).toMatchObject({ set: 'dir', models: [], rs: [0], shapes: ['constant'], propAttnModes: [true] });
    expect(parseCli(['eval', '--set', 'dir', '--no-prop-attn'])).toMatchObject({ propAttnModes: [false], propAttn: false });
    expect(parseCli(['eval', '--set', 'dir', '--prop-attn', 'off'])).toMatchObject({ propAttnModes: [false] });
  });

  it.each([
    [['eval'], /--csv FILE or --set CSV_OR_FOLDER is required/],
    [['eval', '--csv', 'a', '--set', 'b'], /give one/],
    [['eval', '--csv', 'a', '--model', 'm', '--models', 'm,n'], /--model and --models/],
    [['eval', '--csv', 'a', '--models', 'm,,n'], /--models must be comma-separated/],
    [['eval', '--csv', 'a', '--shape', 'steep'], /--shape takes constant, decreasing, increasing/],
    [['eval', '--csv', 'a', '--prop-attn', 'maybe'], /--prop-attn takes on, off or both/],
    [['eval', '--csv', 'a', '--prop-attn', 'both', '--no-prop-attn'], /--no-prop-attn contradicts --prop-attn both/],
    [['eval', '--csv', 'a', '--out', 'table.txt'], /--out must name a \.csv or \.json file/],
    [['eval', '--csv', 'a', '--batch', '0'], /--batch must be an integer ≥ 1/],
  ])('rejects %j', (argv, re) => {
    expect(() => parseCli(argv as string[])).toThrow(expect.objectContaining({ code: 'USAGE', message: expect.stringMatching(re) }));
  });
});
