import { copyFile, mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyFile } from '../app/analysis/classify.js';
import { openLabelledSet, type LabelledSet } from '../app/analysis/labelled-set.js';
import { meanAveragePrecision } from '../app/analysis/metrics.js';
import { settingsGrid, sweep, type SweepModel, type SweepProgress, type SweepResult, type SweepRow } from '../app/analysis/sweep.js';
import { digest, SweepCache } from '../app/analysis/sweep-cache.js';
import { loadCheckpoint, type Checkpoint } from '../app/checkpoint/load.js';
import { createNodeEngine } from '../app/engine/node-engine.js';
import type { Engine } from '../app/engine/types.js';
import { constantSchedule } from '../app/tome/schedule.js';
import { ROOT } from './support/cli.js';

/**
 * The lab's sweep on real onnxruntime: both bundled models on ESC-10 fold 5 at r = 0, 16, 48
 * (one sweep, reused by every assertion that needs it), then the cache, cancelling,
 * multi-label and folder sets on small sets. This file is where the model card's float32
 * table is checked (test/cli.eval.test.ts checks the command's output shapes on a few clips).
 */

/** models/MODEL_CARD.md, float32 on CPU (PyTorch, proportional attention on). */
const MODEL_CARD_F32: Record<string, Record<number, number>> = {
  'ast-tiny-esc10-plain': { 0: 86.25, 16: 86.25, 48: 85.0 },
  'ast-tiny-esc10-cmkd': { 0: 88.75, 16: 88.75, 48: 88.75 },
};
const RS = [0, 16, 48];
const FOLD5 = join(ROOT, 'data/esc10/esc10_fold5.csv');
const ESC_AUDIO = join(ROOT, 'data/esc10/audio_16k');

/** Wraps an engine to count its runs; everything else is the real engine's. */
function counting(engine: Engine): { engine: Engine; runs: () => number } {
  let runs = 0;
  return {
    engine: {
      spec: engine.spec,
      ep: engine.ep,
      attempts: engine.attempts,
      run: (input, batch, settings) => {
        runs++;
        return engine.run(input, batch, settings);
      },
      dispose: () => engine.dispose(),
    },
    runs: () => runs,
  };
}

interface Opened {
  ck: Checkpoint;
  model: SweepModel;
  runs: () => number;
}

async function open(name: string): Promise<Opened> {
  const ck = await loadCheckpoint(join(ROOT, 'models', name));
  const c = counting(await createNodeEngine(ck, { providers: ['cpu'] }));
  return { ck, model: { id: ck.id, sha256: ck.sha256, engine: c.engine }, runs: c.runs };
}

const subset = (set: LabelledSet, n: number): LabelledSet => ({ ...set, clips: set.clips.slice(0, n) });
const rowsOf = (res: SweepResult, model: string) => res.rows.filter((r) => r.model === model);
/** What does not depend on whether a row was computed or taken from the cache. */
// The paired speed-up needs this sweep's own runs of both settings: from the cache there is none.
const stable = (r: SweepRow) => ({ ...r, computedClips: 0, timing: r.timing && { ...r.timing, fromCache: false, speedup: null } });

describe('lab sweep (real onnxruntime on the bundled models)', () => {
  let plain: Opened;
  let cmkd: Opened;
  let set: LabelledSet;
  let cacheDir: string;
  let cache: SweepCache;
  let first: SweepResult;
  const progress: SweepProgress[] = [];
  const extraEngines: Engine[] = [];

  beforeAll(async () => {
    plain = await open('ast-tiny-esc10-plain');
    cmkd = await open('ast-tiny-esc10-cmkd');
    set = await openLabelledSet(FOLD5, cmkd.ck.spec.labels, { fold: 5 });
    cacheDir = join(await mkdtemp(join(tmpdir(), 'fastast-lab-cache-')), 'cache');
    cache = new SweepCache(cacheDir);
    first = await sweep([plain.model, cmkd.model], set, { settings: settingsGrid({ rs: RS }), cache, onProgress: (p) => progress.push(p) });
  }, 600_000);

  afterAll(async () => {
    await plain?.model.engine.dispose();
    await cmkd?.model.engine.dispose();
    for (const e of extraEngines) await e.dispose();
  });

  it("reproduces the model card's float32 table on ESC-10 fold 5 (± 1 clip)", () => {
    expect(first.set).toMatchObject({ clips: 80, multiLabel: false, kind: 'csv' });
    expect(first.rows.map((r) => [r.model, r.setting.r])).toEqual([
      ['ast-tiny-esc10-plain', 0],
      ['ast-tiny-esc10-plain', 16],
      ['ast-tiny-esc10-plain', 48],
      ['ast-tiny-esc10-cmkd', 0],
      ['ast-tiny-esc10-cmkd', 16],
      ['ast-tiny-esc10-cmkd', 48],
    ]);
    for (const row of first.rows) {
      const expected = MODEL_CARD_F32[row.model][row.setting.r];
      expect(row.metric).toBe('accuracy');
      expect(row.score).toBe(row.accuracy);
      expect(row.clips).toBe(80);
      expect(row.accuracy).toBe(row.correct / 80);
      const clipsOff = Math.abs(row.correct - (expected / 100) * 80);
      expect(clipsOff, `${row.model} r = ${row.setting.r}: ${row.accuracy * 100} % vs ${expected} %`).toBeLessThanOrEqual(1 + 1e-9);
    }
  });

  it("the distilled model's curve lies at or above the plain one's at every r", () => {
    for (const r of RS) {
      const p = first.rows.find((x) => x.model === 'ast-tiny-esc10-plain' && x.setting.r === r)!;
      const c = first.rows.find((x) => x.model === 'ast-tiny-esc10-cmkd' && x.setting.r === r)!;
      expect(c.accuracy, `r = ${r}`).toBeGreaterThanOrEqual(p.accuracy);
    }
  });

  it('agreement with r = 0 is 1 at r = 0; the changed clips are exactly the disagreements', () => {
    for (const row of first.rows) {
      expect(row.changed.length).toBe(Math.round((1 - row.agreement) * 80));
      if (row.setting.r === 0) {
        expect(row.agreement).toBe(1);
        expect(row.changed).toEqual([]);
      }
      for (const c of row.changed) {
        expect(c.merged.index).not.toBe(c.baseline.index);
        expect(c.path.startsWith(ESC_AUDIO)).toBe(true);
        expect(c.merged.score).toBeGreaterThanOrEqual(c.mergedScoreOfBaseline);
        expect(c.baseline.score).toBeGreaterThanOrEqual(c.baselineScoreOfMerged);
        const right = c.targets.includes(c.merged.index);
        const wasRight = c.targets.includes(c.baseline.index);
        expect(c.effect).toBe(right && !wasRight ? 'fixed' : wasRight && !right ? 'broken' : 'changed');
      }
      // Accuracy moves by the fixed minus the broken clips.
      const base = first.rows.find((x) => x.model === row.model && x.setting.r === 0)!;
      const fixed = row.changed.filter((c) => c.effect === 'fixed').length;
      const broken = row.changed.filter((c) => c.effect === 'broken').length;
      expect(row.correct - base.correct).toBe(fixed - broken);
    }
  });

  it('per-class accuracy, the confusion matrix and AP add up', () => {
    for (const row of first.rows) {
      expect(row.perClass.map((c) => c.label)).toEqual(cmkd.ck.spec.labels);
      expect(row.perClass.every((c) => c.clips === 8)).toBe(true);
      expect(row.perClass.reduce((a, c) => a + c.correct, 0)).toBe(row.correct);
      const m = row.confusion!;
      expect(m.flat().reduce((a, b) => a + b, 0)).toBe(80);
      m.forEach((line, t) => {
        expect(line.reduce((a, b) => a + b, 0)).toBe(8);
        expect(line[t]).toBe(row.perClass[t].correct);
      });
      expect(row.map).toBeGreaterThan(0.8);
      expect(row.map).toBeCloseTo(row.perClass.reduce((a, c) => a + c.ap, 0) / 10, 12);
    }
  });

  it('reports tokens after the last layer, FLOPs, and inference speed measured here', () => {
    const cm = rowsOf(first, 'ast-tiny-esc10-cmkd');
    expect(cm.map((r) => r.tokensAfterLast)).toEqual([602, 410, 38]);
    expect(cm[2].schedule).toEqual([48, 48, 48, 48, 48, 48, 48, 48, 48, 48, 48, 36]);
    expect(cm[0].flopsRatio).toBe(1);
    expect(cm[1].flopsRatio).toBeGreaterThan(1.2);
    expect(cm[2].flops).toBeLessThan(cm[1].flops);
    for (const row of first.rows) {
      const t = row.timing!;
      expect(t.fromCache).toBe(false);
      expect(t.batchSize).toBe(1);
      expect(t.samples).toBe(80);
      expect(t.msPerWindow).toBeGreaterThan(0);
      expect(t.msPerClip).toBeCloseTo(t.msPerWindow, 9); // one 5.12 s window per 5 s clip
      expect(t.clipsPerS * t.msPerClip).toBeCloseTo(1000, 6);
      expect(row.computedClips).toBe(80);
    }
    expect(first.computed).toBe(480);
    expect(first.cached).toBe(0);
    // Each model: 3 settings × (1 warm-up + 80 windows).
    expect(plain.runs()).toBe(3 * 81);
    expect(cmkd.runs()).toBe(3 * 81);
  });

  it('reports progress up to the total, never backwards', () => {
    expect(progress[0]).toMatchObject({ done: 0, total: 480, cached: 0 });
    expect(progress.at(-1)).toMatchObject({ done: 480, total: 480 });
    for (let i = 1; i < progress.length; i++) expect(progress[i].done).toBeGreaterThanOrEqual(progress[i - 1].done);
    expect(progress.some((p) => p.stage === 'infer' && p.setting?.r === 48 && p.model === 'ast-tiny-esc10-plain')).toBe(true);
  });

  it('a second identical sweep runs nothing: from the same cache, or from a fresh one on the same folder', async () => {
    const before = [plain.runs(), cmkd.runs()];
    const again = await sweep([plain.model, cmkd.model], set, { settings: settingsGrid({ rs: RS }), cache });
    expect([plain.runs(), cmkd.runs()]).toEqual(before);
    expect(again.computed).toBe(0);
    expect(again.cached).toBe(480);
    expect(again.rows.every((r) => r.timing?.fromCache && r.computedClips === 0)).toBe(true);
    expect(again.rows.map(stable)).toEqual(first.rows.map(stable));

    expect((await readdir(cacheDir)).filter((f) => f.endsWith('.json'))).toHaveLength(6);
    const fromDisk = await sweep([plain.model, cmkd.model], set, { settings: settingsGrid({ rs: RS }), cache: new SweepCache(cacheDir) });
    expect([plain.runs(), cmkd.runs()]).toEqual(before);
    expect(fromDisk.rows.map(stable)).toEqual(first.rows.map(stable));
  });

  it('adding a setting computes only that setting', async () => {
    const small = subset(set, 8);
    const before = plain.runs();
    const res = await sweep([plain.model], small, { settings: settingsGrid({ rs: [0, 8, 16] }), cache: new SweepCache(cacheDir) });
    expect(plain.runs() - before).toBe(1 + 8); // warm-up + 8 clips at r = 8
    expect(res.rows.map((r) => r.computedClips)).toEqual([0, 8, 0]);
    expect(res.computed).toBe(8);
    expect(res.cached).toBe(16);
    expect(res.rows[1].schedule).toEqual(constantSchedule(8, 12));
  });

  it('cancels with CANCELLED between runs; what was computed stays cached', async () => {
    const small = subset(set, 6);
    const mem = new SweepCache();
    const ac = new AbortController();
    let doneAtAbort = -1;
    const settings = settingsGrid({ rs: [24] });
    await expect(
      sweep([cmkd.model], small, {
        settings,
        cache: mem,
        signal: ac.signal,
        onProgress: (p) => {
          if (p.stage === 'infer' && p.done >= 2 && !ac.signal.aborted) {
            doneAtAbort = p.done;
            ac.abort();
          }
        },
      }),
    ).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(doneAtAbort).toBe(2);
    const res = await sweep([cmkd.model], small, { settings, cache: mem });
    expect(res.cached).toBe(2);
    expect(res.computed).toBe(2 * 6 - 2);
    // Settings take turns per clip: the cancel came after clip 1 at r = 24 and at r = 0.
    expect(res.rows[0].computedClips).toBe(5);
  });

  it('multi-label: mAP over classes with positives, from sigmoid scores (a sigmoid head on the cmkd weights)', async () => {
    // Hand-assigned extra labels on fold-5 clips; quoted fields with ; and , separators.
    const dir = await mkdtemp(join(tmpdir(), 'fastast-lab-multi-'));
    const csv = join(dir, 'multi.csv');
    const rows: [string, string][] = [
      ['5-151085-A-20.flac', '"crying_baby;dog"'],
      ['5-170338-A-41.flac', 'chainsaw'],
      ['5-177957-A-40.flac', '"helicopter, rain"'],
      ['5-181766-A-10.flac', 'rain'],
      ['5-186924-A-12.flac', '"crackling_fire;rain"'],
      ['5-187979-A-21.flac', 'sneezing'],
      ['5-194930-A-1.flac', '"rooster; dog"'],
      ['5-198321-A-10.flac', '"rain,sea_waves"'],
    ];
    await writeFile(csv, ['path,labels', ...rows.map(([f, l]) => `${join(ESC_AUDIO, f)},${l}`)].join('\n') + '\n');
    const spec = { ...cmkd.ck.spec, multiLabel: true };
    const sig = counting(await createNodeEngine({ spec, weights: cmkd.ck.weights }, { providers: ['cpu'] }));
    extraEngines.push(sig.engine);
    const multi = await openLabelledSet(csv, spec.labels);
    expect(multi.multiLabel).toBe(true);
    // Same weights file as the softmax model, in the same cache: its results must not be reused.
    const res = await sweep([{ id: 'cmkd-sigmoid', sha256: cmkd.ck.sha256, engine: sig.engine }], multi, { settings: settingsGrid({ rs: [0, 16] }), cache });
    expect(res.computed).toBe(16);
    expect(sig.runs()).toBe(2 * (1 + 8));

    const [r0, r16] = res.rows;
    expect(r0.metric).toBe('mAP');
    expect(r0.confusion).toBeNull();
    expect(r0.score).toBe(r0.map);
    // Independently: classify each clip (one window each) and compute mAP by the same definition.
    const scores: Float32Array[] = [];
    for (const clip of multi.clips) {
      const c = await classifyFile(sig.engine, clip.path, { settings: { schedule: constantSchedule(0, 12), propAttn: true, protectDistillation: true } });
      expect(c.windows).toHaveLength(1);
      scores.push(c.windows[0].scores);
    }
    expect(scores[0].reduce((a, b) => a + b, 0)).not.toBeCloseTo(1, 2); // sigmoid, not softmax
    const expected = meanAveragePrecision(scores, multi.clips.map((c) => c.targets), 10);
    expect(r0.map).toBeCloseTo(expected.map, 6);
    // Every class but clock_tick has a positive.
    expect(r0.perClass.map((c) => c.label)).toEqual(spec.labels.filter((l) => l !== 'clock_tick'));
    expect(r0.perClass.find((c) => c.label === 'rain')!.clips).toBe(4);
    expect(r0.perClass.map((c) => c.ap)).toEqual(expected.perClass.map((c) => expect.closeTo(c.ap, 6)));
    expect(r16.metric).toBe('mAP');
    expect(r16.map).toBeGreaterThan(0);
    expect(r16.map).toBeLessThanOrEqual(1);
  });

  it('folder-per-class sets run like CSV sets', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fastast-lab-folder-'));
    const pick = { dog: ['5-203128-A-0.flac', '5-203128-B-0.flac'], rain: ['5-181766-A-10.flac', '5-188655-A-10.flac'] };
    for (const [cls, files] of Object.entries(pick)) {
      await mkdir(join(dir, cls));
      for (const f of files) await copyFile(join(ESC_AUDIO, f), join(dir, cls, f));
    }
    const folder = await openLabelledSet(dir, cmkd.ck.spec.labels);
    expect(folder.clips).toHaveLength(4);
    const res = await sweep([cmkd.model], folder, { settings: settingsGrid({ rs: [0] }), cache: new SweepCache() });
    const row = res.rows[0];
    expect(row.perClass.map((c) => [c.label, c.clips])).toEqual([
      ['dog', 2],
      ['rain', 2],
    ]);
    let correct = 0;
    for (const clip of folder.clips) {
      const c = await classifyFile(cmkd.model.engine, clip.path, { settings: { schedule: constantSchedule(0, 12), propAttn: true, protectDistillation: true }, topK: 1 });
      if (c.windows[0].top[0].index === clip.target) correct++;
    }
    expect(row.correct).toBe(correct);
    expect(row.confusion!.flat().reduce((a, b) => a + b, 0)).toBe(4);
  });

  it('scores a clip longer than one window by the mean of its windows (batches spanning clips)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fastast-lab-long-'));
    const csv = join(dir, 'long.csv');
    const speech = join(ROOT, 'data/demo/speech_female_librispeech_198-209-0000.flac'); // 13.9 s: 3 windows
    await writeFile(csv, `path,category\n${speech},rain\n${join(ESC_AUDIO, '5-181766-A-10.flac')},rain\n`);
    const long = await openLabelledSet(csv, cmkd.ck.spec.labels);
    const mem = new SweepCache();
    const res = await sweep([cmkd.model], long, { settings: settingsGrid({ rs: [0] }), cache: mem, batchSize: 2 });
    const t = res.rows[0].timing!;
    expect(t.batchSize).toBe(2);
    expect(t.samples).toBe(2); // 4 windows in batches of 2
    expect(t.msPerClip).toBeCloseTo((t.msPerWindow * 4) / 2, 9);
    const group = await mem.group({
      model: cmkd.model.id,
      modelSha256: cmkd.ck.sha256,
      specDigest: digest(cmkd.ck.spec),
      classes: 10,
      ep: 'cpu',
      schedule: constantSchedule(0, 12),
      propAttn: true,
      protectDistillation: true,
    });
    const cachedSpeech = group.clips.get(speech)!;
    expect(cachedSpeech.windows).toBe(3);
    const c = await classifyFile(cmkd.model.engine, speech, { settings: { schedule: constantSchedule(0, 12), propAttn: true, protectDistillation: true } });
    const mean = Array.from({ length: 10 }, (_, k) => c.windows.reduce((a, w) => a + w.scores[k], 0) / 3);
    expect(Array.from(cachedSpeech.scores)).toEqual(mean.map((v) => expect.closeTo(v, 5)));
  });

  it('refuses what cannot be swept', async () => {
    const small = subset(set, 1);
    await expect(sweep([], small, { settings: settingsGrid({ rs: [0] }) })).rejects.toThrow(/at least one model/);
    await expect(sweep([cmkd.model], small, { settings: [] })).rejects.toThrow(/at least one merge setting/);
    await expect(sweep([cmkd.model, cmkd.model], small, { settings: settingsGrid({ rs: [0] }) })).rejects.toThrow(/both called "ast-tiny-esc10-cmkd"/);
    const gone = { ...small, clips: [{ ...small.clips[0], path: join(ESC_AUDIO, 'gone.flac') }] };
    await expect(sweep([cmkd.model], gone, { settings: settingsGrid({ rs: [0] }) })).rejects.toMatchObject({ code: 'FILE_NOT_FOUND', message: expect.stringContaining('gone.flac') });
  });
});
