import { execFile } from 'node:child_process';
import { writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { decodeAudioFile } from '../app/audio/decode.js';
import { DEMO, fastast, ROOT } from './support/cli.js';

const BELLS = join(DEMO, 'church_bells_inspectorj_371267.flac');
const LABELS = ['chainsaw', 'clock_tick', 'crackling_fire', 'crying_baby', 'dog', 'helicopter', 'rain', 'rooster', 'sea_waves', 'sneezing'];

/** The window definition, written out independently of app/audio/windows.ts. */
function expectedWindows(samples: number, length: number, hopFrames: number): number {
  const frames = 1 + Math.floor((samples - 400) / 160);
  return 1 + Math.max(0, Math.ceil((frames - length) / hopFrames));
}

describe('fastast classify (end to end, child process)', () => {
  it('--json gives one object per file in the issue shape, with the window count the hop implies', async () => {
    const hopS = 1.28;
    const run = await fastast(['classify', BELLS, '--json', '--hop', String(hopS), '--r', '16', '--top', '4', '--logits', '--ep', 'cpu']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const out = JSON.parse(lines[0]);
    expect(Object.keys(out).sort()).toEqual(['ep', 'file', 'model', 'schedule', 'timings_ms', 'windows']);
    expect(out.file).toBe(BELLS);
    expect(out.model).toBe('ast-tiny-esc10-cmkd');
    expect(out.ep).toBe('cpu');
    expect(out.schedule).toEqual(new Array(12).fill(16));
    expect(Object.keys(out.timings_ms).sort()).toEqual(['decode', 'fbank', 'infer']);
    for (const v of Object.values(out.timings_ms)) expect(v).toBeGreaterThan(0);

    const { samples } = await decodeAudioFile(BELLS);
    const hopFrames = Math.round(hopS * 100);
    expect(out.windows).toHaveLength(expectedWindows(samples.length, 512, hopFrames));
    out.windows.forEach((w: any, k: number) => {
      expect(Object.keys(w).sort()).toEqual(['end_s', 'logits', 'start_s', 'tokens_per_layer', 'top']);
      expect(w.start_s).toBeCloseTo(k * hopS, 6);
      expect(w.end_s).toBeGreaterThan(w.start_s);
      expect(w.end_s).toBeLessThanOrEqual(w.start_s + 5.12 + 1e-9);
      expect(w.top).toHaveLength(4);
      for (const t of w.top) expect(LABELS).toContain(t.label);
      // Softmax model: scores in (0, 1], best first.
      expect(w.top[0].score).toBeGreaterThanOrEqual(w.top[3].score);
      expect(w.logits).toHaveLength(10);
      expect(w.tokens_per_layer).toEqual([602, ...Array.from({ length: 12 }, (_, l) => 602 - 16 * (l + 1))]);
    });
  });

  it('a bad file among good ones is reported on stderr, the good ones still print, the exit code is non-zero', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fastast-cli-'));
    const fake = join(dir, 'notes.wav');
    await writeFile(fake, 'this is a text file, not audio\n'.repeat(20));
    const horn = join(DEMO, 'car_horn_dj997_493751.flac');
    const run = await fastast(['classify', fake, horn, join(dir, 'missing.flac'), '--json', '--ep', 'cpu']);
    expect(run.code).toBe(1);
    const lines = run.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]).file).toBe(horn);
    expect(run.stderr).toContain(fake);
    expect(run.stderr).toContain(`${join(dir, 'missing.flac')}: no such file`);
    expect(run.stderr).toMatch(/2 of 3 files failed/);
    expect(run.stderr).not.toMatch(/unexpected error|at .*\.ts:\d+/);
  });

  it('without --json prints a readable table; the default model is found from any working directory', async () => {
    const run = await fastast(['classify', BELLS, '--ep', 'cpu'], { cwd: tmpdir() });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/ast-tiny-esc10-cmkd on cpu/);
    expect(run.stdout).toMatch(/0\.00–5\.12 s/);
    expect(run.stdout).toMatch(/decode [\d.]+ ms · fbank [\d.]+ ms · infer [\d.]+ ms/);
  });

  it.each([
    [['classify', BELLS, '--frobnicate'], /unknown option --frobnicate/],
    [['classify', BELLS, '--r', 'lots'], /--r must be an integer ≥ 0, got "lots"/],
    [['classify', BELLS, '--hop', '-1'], /--hop must be a positive number/],
    [['classify', BELLS, '--schedule', '4,x'], /--schedule/],
    [['classify', BELLS, '--inflection', '1'], /--inflection needs --r/],
    [['classify', BELLS, '--ep', 'tpu'], /--ep must be one of/],
    [['classify'], /no audio file given/],
    [['eval', '--audio-root', 'd'], /--csv FILE or --set CSV_OR_FOLDER is required/],
    [['nonsense'], /unknown command "nonsense"/],
  ])('usage error %j exits 2 with a fix-it message', async (args, re) => {
    const run = await fastast(args as string[]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(re);
  });

  it('npx fastast --help works from the repository root', async () => {
    const { stdout } = await promisify(execFile)('npx', ['--no-install', 'fastast', '--help'], { cwd: ROOT });
    expect(stdout).toMatch(/fastast classify FILE\.\.\./);
    expect(stdout).toMatch(/fastast eval --csv FILE \[options\]/);
  });
});
