import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fastast, ROOT } from './support/cli.js';

/**
 * `fastast eval` on the bundled ESC-10 fold 5 must reproduce models/MODEL_CARD.md's float32
 * table (PyTorch on CPU, proportional attention on) within one clip of 80.
 */
const MODEL_CARD_F32: Record<string, Record<number, number>> = {
  'ast-tiny-esc10-plain': { 0: 86.25, 16: 86.25, 48: 85.0 },
  'ast-tiny-esc10-cmkd': { 0: 88.75, 16: 88.75, 48: 88.75 },
};
const CSV = join(ROOT, 'data/esc10/esc10_fold5.csv');
const AUDIO_ROOT = join(ROOT, 'data/esc10');

describe('fastast eval (end to end, child process)', () => {
  for (const [model, expected] of Object.entries(MODEL_CARD_F32)) {
    it(`${model} on ESC-10 fold 5 at r = 0, 16, 48 matches the model card ± 1 clip`, { timeout: 600_000 }, async () => {
      const run = await fastast(
        ['eval', '--csv', CSV, '--audio-root', AUDIO_ROOT, '--fold', '5', '--r', '0,16,48', '--model', join(ROOT, 'models', model), '--json', '--ep', 'cpu'],
        { timeoutMs: 590_000 },
      );
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      const out = JSON.parse(run.stdout);
      expect(Object.keys(out).sort()).toEqual(['model', 'rows']);
      expect(out.model).toBe(model);
      expect(out.rows.map((r: { r: number }) => r.r)).toEqual([0, 16, 48]);
      for (const row of out.rows) {
        expect(Object.keys(row).sort()).toEqual(['accuracy', 'clips', 'clips_per_s', 'r']);
        expect(row.clips).toBe(80);
        expect(row.clips_per_s).toBeGreaterThan(0);
        const clipsOff = Math.abs(row.accuracy * 80 - (expected[row.r] / 100) * 80);
        expect(clipsOff, `r = ${row.r}: ${row.accuracy * 100} % vs ${expected[row.r]} %`).toBeLessThanOrEqual(1 + 1e-9);
      }
    });
  }

  it('prints a readable table without --json, and names a missing clip', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fastast-eval-'));
    const lines = (await readFile(CSV, 'utf8')).split(/\r?\n/);
    const small = join(dir, 'small.csv');
    await writeFile(small, lines.slice(0, 5).join('\n'));
    const run = await fastast(['eval', '--csv', small, '--audio-root', AUDIO_ROOT, '--r', '0,8', '--ep', 'cpu']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/ast-tiny-esc10-cmkd on cpu/);
    expect(run.stdout).toMatch(/^\s+r\s+accuracy\s+correct\s+clips\/s$/m);
    expect(run.stdout).toMatch(/^\s+8\s+[\d.]+ %\s+\d\/4\s+[\d.]+$/m);

    const missing = join(dir, 'missing.csv');
    await writeFile(missing, 'path,fold,category\nnowhere/x.flac,5,dog\n');
    const bad = await fastast(['eval', '--csv', missing, '--audio-root', dir, '--ep', 'cpu']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(join(dir, 'nowhere/x.flac'));
  });
});
