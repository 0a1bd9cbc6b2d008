import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseCsv } from '../app/analysis/csv.js';
import { EVAL_CSV_COLUMNS } from '../app/cli/format.js';
import { fastast, ROOT } from './support/cli.js';

/**
 * `fastast eval` end to end in a child process, on a few ESC-10 clips: output shapes (JSON
 * lines, table, --out CSV/JSON, --cache). The model card's accuracies on all 80 clips of fold 5
 * are checked through the same sweep in test/lab.sweep.test.ts (one sweep for both models).
 */
const CSV = join(ROOT, 'data/esc10/esc10_fold5.csv');
const AUDIO_ROOT = join(ROOT, 'data/esc10');
const PLAIN = join(ROOT, 'models/ast-tiny-esc10-plain');
const CMKD = join(ROOT, 'models/ast-tiny-esc10-cmkd');
/** The original `eval --json` row; later fields are additions. */
const ORIGINAL_ROW_KEYS = ['accuracy', 'clips', 'clips_per_s', 'r'];

describe('fastast eval (end to end, child process)', () => {
  let dir: string;
  let small: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fastast-eval-'));
    const lines = (await readFile(CSV, 'utf8')).split(/\r?\n/);
    small = join(dir, 'small.csv');
    await writeFile(small, lines.slice(0, 5).join('\n')); // header + 4 clips
  });

  it('--sessions 2 --threads 1 (a second session in a worker thread) gives the accuracy and agreement of one session', { timeout: 300_000 }, async () => {
    const args = ['eval', '--csv', small, '--audio-root', AUDIO_ROOT, '--fold', '5', '--r', '0,48', '--model', CMKD, '--json', '--ep', 'cpu', '--batch', '4'];
    const one = await fastast(args);
    const two = await fastast([...args, '--sessions', '2', '--threads', '1']);
    expect(two.stderr).toBe('');
    expect(two.code).toBe(0);
    const rows = (run: { stdout: string }) => (JSON.parse(run.stdout.trim()) as { rows: Array<Record<string, unknown>> }).rows.map((r) => [r.r, r.accuracy, r.clips, r.agreement]);
    expect(rows(two)).toEqual(rows(one));
  });

  it('--json keeps {"model","rows":[{"r","accuracy","clips","clips_per_s"}]} for one model, adding fields', { timeout: 300_000 }, async () => {
    const run = await fastast(['eval', '--csv', small, '--audio-root', AUDIO_ROOT, '--fold', '5', '--r', '0,16,48', '--model', CMKD, '--json', '--ep', 'cpu']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const out = JSON.parse(lines[0]);
    expect(Object.keys(out)).toEqual(expect.arrayContaining(['model', 'rows']));
    expect(out.model).toBe('ast-tiny-esc10-cmkd');
    expect(out.rows.map((r: { r: number }) => r.r)).toEqual([0, 16, 48]);
    for (const row of out.rows) {
      expect(Object.keys(row)).toEqual(expect.arrayContaining(ORIGINAL_ROW_KEYS));
      expect(row.clips).toBe(4);
      expect(row.clips_per_s).toBeGreaterThan(0);
      expect(row.accuracy * 4).toBe(row.correct);
      // batch_size: the measured CPU default for the bundled model (app/analysis/run-windows.ts).
      expect(row).toMatchObject({ shape: 'constant', prop_attn: true, metric: 'accuracy', batch_size: 16, timing_from_cache: false, computed_clips: 4 });
      // clips_per_s is rounded to 2 decimals: on a slow (loaded) machine, ~1 clip/s, that alone is
      // up to 0.5 % of ms_per_clip, more than the 0.5 ms an absolute check allowed.
      expect(Math.abs((row.ms_per_clip * row.clips_per_s) / 1000 - 1)).toBeLessThan(0.01);
    }
    expect(out.rows[0].agreement).toBe(1);
    expect(out.rows.map((r: { tokens_after_last: number }) => r.tokens_after_last)).toEqual([602, 410, 38]);
  });

  it('--models a,b prints one JSON line per model, writes --out CSV and JSON tables, and --cache skips known results', { timeout: 300_000 }, async () => {
    const cache = join(dir, 'cache');
    const csvOut = join(dir, 'tradeoff.csv');
    const args = ['eval', '--csv', small, '--audio-root', AUDIO_ROOT, '--models', `${PLAIN},${CMKD}`, '--r', '0,16', '--prop-attn', 'both', '--cache', cache, '--ep', 'cpu'];
    const run = await fastast([...args, '--json', '--out', csvOut]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const objs = run.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(objs.map((o) => o.model)).toEqual(['ast-tiny-esc10-plain', 'ast-tiny-esc10-cmkd']);
    for (const o of objs) {
      expect(o.rows.map((r: { r: number; prop_attn: boolean }) => [r.r, r.prop_attn])).toEqual([
        [0, true],
        [16, true],
        [0, false],
        [16, false],
      ]);
    }

    const table = parseCsv(await readFile(csvOut, 'utf8'));
    expect(table[0]).toEqual([...EVAL_CSV_COLUMNS]);
    expect(table[0].slice(0, 5)).toEqual(['model', 'model_sha256', 'ep', 'shape', 'r']);
    expect(table).toHaveLength(1 + 2 * 4);
    const col = (name: string) => table[0].indexOf(name);
    expect(table.slice(1).map((r) => [r[col('model')], r[col('r')], r[col('prop_attn')]])).toEqual([
      ['ast-tiny-esc10-plain', '0', 'true'],
      ['ast-tiny-esc10-plain', '16', 'true'],
      ['ast-tiny-esc10-plain', '0', 'false'],
      ['ast-tiny-esc10-plain', '16', 'false'],
      ['ast-tiny-esc10-cmkd', '0', 'true'],
      ['ast-tiny-esc10-cmkd', '16', 'true'],
      ['ast-tiny-esc10-cmkd', '0', 'false'],
      ['ast-tiny-esc10-cmkd', '16', 'false'],
    ]);
    for (const r of table.slice(1)) {
      expect(r[col('clips')]).toBe('4');
      expect(r[col('schedule')].split(' ')).toHaveLength(12);
      expect(Number(r[col('clips_per_s')])).toBeGreaterThan(0);
      expect(Number(r[col('accuracy')])).toBe(Number(r[col('correct')]) / 4);
      expect(r[col('metric')]).toBe('accuracy');
    }
    // The JSON rows and the CSV rows say the same.
    expect(Number(table[2][col('accuracy')])).toBe(objs[0].rows[1].accuracy);
    expect(Number(table[2][col('clips_per_s')])).toBe(objs[0].rows[1].clips_per_s);

    expect((await readdir(cache)).length).toBeGreaterThan(0);
    const jsonOut = join(dir, 'tradeoff.json');
    const again = await fastast([...args, '--out', jsonOut]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/0 computed, 32 from cache/);
    const full = JSON.parse(await readFile(jsonOut, 'utf8'));
    expect(full.set).toMatchObject({ clips: 4, multi_label: false, kind: 'csv' });
    expect(full.models.map((m: { model: string }) => m.model)).toEqual(['ast-tiny-esc10-plain', 'ast-tiny-esc10-cmkd']);
    for (const m of full.models) {
      for (const [i, row] of m.rows.entries()) {
        expect(row.timing_from_cache).toBe(true);
        expect(row.computed_clips).toBe(0);
        expect(row.per_class.reduce((a: number, c: { clips: number }) => a + c.clips, 0)).toBe(4);
        expect(row.accuracy).toBe(objs.find((o) => o.model === m.model).rows[i].accuracy);
        expect(row.clips_per_s).toBe(objs.find((o) => o.model === m.model).rows[i].clips_per_s);
      }
    }
  });

  it('prints a readable table without --json, and names a missing clip', { timeout: 300_000 }, async () => {
    const run = await fastast(['eval', '--csv', small, '--audio-root', AUDIO_ROOT, '--r', '0,8', '--ep', 'cpu']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/ast-tiny-esc10-cmkd on cpu/);
    expect(run.stdout).toMatch(/^\s+shape\s+r\s+prop\.attn\s+accuracy\s+correct\s+agreement\s+changed\s+clips\/s\s+ms\/clip\s+tokens\s+GFLOPs$/m);
    expect(run.stdout).toMatch(/^\s+constant\s+8\s+on\s+[\d.]+ %\s+\d\/4\s+[\d.]+ %\s+\d+\s+[\d.]+\s+[\d.]+\s+506\s+[\d.]+$/m);

    const missing = join(dir, 'missing.csv');
    await writeFile(missing, 'path,fold,category\nnowhere/x.flac,5,dog\n');
    const bad = await fastast(['eval', '--csv', missing, '--audio-root', dir, '--ep', 'cpu']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(join(dir, 'nowhere/x.flac'));

    const badOut = await fastast(['eval', '--csv', small, '--audio-root', AUDIO_ROOT, '--out', join(dir, 'no/such/folder/t.csv'), '--ep', 'cpu']);
    expect(badOut.code).toBe(1);
    expect(badOut.stderr).toMatch(/does not exist; create it first/);
  });
});
