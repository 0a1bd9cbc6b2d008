import { stat } from 'node:fs/promises';
import { featuresForFile, type FileFeatures } from '../audio/features.js';
import { windowCount, windowInput } from '../audio/windows.js';
import type { ModelSpec } from '../checkpoint/spec.js';
import type { Engine, MergeSettings } from '../engine/types.js';
import type { WeightsPrecision } from '../common/weights.js';
import { FastAstError } from '../errors.js';
import { forwardFlops } from '../tome/flops.js';
import { applySchedule, inflectionSchedule, SHAPE_INFLECTION, type ScheduleShape } from '../tome/schedule.js';
import { checkClipFiles, type LabelledSet } from './labelled-set.js';
import { throwIfAborted } from './run-windows.js';
import { scoresFromLogits } from './scores.js';
import { digest, SweepCache, type CachedClip } from './sweep-cache.js';
import { rowFor } from './sweep-rows.js';
import type { ModelRun, Plan, SweepModel, SweepOptions, SweepResult, SweepRow, SweepSetting } from './sweep-types.js';

export type { ChangedClip, ClassResult, SweepModel, SweepOptions, SweepProgress, SweepResult, SweepRow, SweepSetting, SweepTiming } from './sweep-types.js';

/**
 * The accuracy / speed trade-off of token merging, measured on a labelled set: for each model
 * and merge setting, accuracy (or mAP), agreement with the unmerged model, throughput on this
 * machine, tokens and FLOPs, per-class results and the clips whose prediction changed.
 *
 * Every result here is plain data (numbers, strings, arrays): it crosses the host boundary
 * to the UI as it is.
 */

/** Every combination of the given values, r fastest, weights slowest, in the order given (no `weights`: float32 settings without the field). */
export function settingsGrid(opts: { rs: number[]; shapes?: ScheduleShape[]; propAttn?: boolean[]; protectDistillation?: boolean; weights?: WeightsPrecision[] }): SweepSetting[] {
  const out: SweepSetting[] = [];
  for (const weights of opts.weights ?? [undefined])
    for (const propAttn of opts.propAttn ?? [true])
      for (const shape of opts.shapes ?? ['constant'])
        for (const r of opts.rs) out.push({ r, shape, propAttn, protectDistillation: opts.protectDistillation ?? true, ...(weights ? { weights } : {}) });
  return out;
}

/** The engine of a setting: int8 settings run on the model's int8 engine, the rest (and every baseline) on `engine`. */
function engineOf(model: SweepModel, setting: SweepSetting): Engine {
  if (setting.weights !== 'int8') return model.engine;
  if (!model.int8) throw new FastAstError('USAGE', `${model.id} has no int8 engine; a sweep with int8 weights needs one`);
  return model.int8;
}

/** r per layer of a setting, as requested (the graph clamps it; see applySchedule). */
export function scheduleFor(setting: SweepSetting, numLayers: number): number[] {
  if (!(setting.shape in SHAPE_INFLECTION)) throw new FastAstError('SCHEDULE_INVALID', `schedule shape must be constant, decreasing or increasing, got "${setting.shape}"`);
  return inflectionSchedule(setting.r, SHAPE_INFLECTION[setting.shape], numLayers);
}

/** Every row's reference: the same flags unmerged, on the float32 engine (so int8 rows show what 8-bit weights cost too). */
const BASELINE = (s: SweepSetting): SweepSetting => ({ r: 0, shape: 'constant', propAttn: s.propAttn, protectDistillation: s.protectDistillation });

async function planFor(run: ModelRun, setting: SweepSetting, cache: SweepCache): Promise<Plan> {
  const { spec } = run;
  const applied = applySchedule(spec.numTokens, scheduleFor(setting, spec.numLayers), setting.protectDistillation);
  const merge: MergeSettings = { schedule: applied.rApplied, propAttn: setting.propAttn, protectDistillation: setting.protectDistillation };
  const engine = engineOf(run.model, setting);
  const group = await cache.group({
    model: run.model.id,
    modelSha256: run.model.sha256,
    specDigest: run.specDigest,
    classes: spec.labels.length,
    ep: engine.ep,
    ...(engine.weights === 'int8' ? { weights: 'int8' as const } : {}),
    schedule: merge.schedule,
    propAttn: merge.propAttn,
    protectDistillation: merge.protectDistillation,
  });
  let plan = run.plans.get(group.key);
  if (!plan) {
    plan = { setting, engine, group, merge, tokensAfterLast: applied.tokens[applied.tokens.length - 1], flops: forwardFlops(spec, applied).total, samples: [], clipMs: new Map(), computed: 0, warmedUp: false };
    run.plans.set(group.key, plan);
  }
  return plan;
}

/** A clip's features, read through the handle `openClip` gives where there is one. */
async function clipFeatures(path: string, spec: ModelSpec, opts: SweepOptions): Promise<FileFeatures> {
  if (!opts.openClip) return featuresForFile(path, spec.features, { signal: opts.signal });
  const opened = await opts.openClip(path);
  try {
    return await featuresForFile(opened.path, spec.features, { signal: opts.signal, handle: opened.handle });
  } finally {
    await opened.handle.close();
  }
}

async function stampOf(path: string): Promise<string> {
  const info = await stat(path).catch(() => null);
  if (!info) throw new FastAstError('FILE_NOT_FOUND', `${path}: file not found`);
  return `${info.size}:${info.mtimeMs}`;
}

/**
 * Runs `set` through every model at every setting (plus the r = 0 baseline of each flag
 * combination, for agreement), taking what it can from the cache. Each clip is decoded once
 * per sweep and run at every setting while its features are in memory; settings are
 * interleaved per clip (every setting of a clip, then the next clip, the order reversed every
 * other clip; per batchSize clips when batches hold several) so that drift in machine load hits them alike and each clip's times pair up. Cancelling
 * (signal) throws FastAstError CANCELLED; what was computed until then stays in the cache.
 */
export async function sweep(models: SweepModel[], set: LabelledSet, opts: SweepOptions): Promise<SweepResult> {
  if (models.length === 0) throw new FastAstError('USAGE', 'a sweep needs at least one model');
  if (opts.settings.length === 0) throw new FastAstError('USAGE', 'a sweep needs at least one merge setting');
  if (set.clips.length === 0) throw new FastAstError('USAGE', `${set.source}: the set has no clips`);
  const ids = models.map((m) => m.id);
  const dup = ids.find((id, i) => ids.indexOf(id) !== i);
  if (dup !== undefined) throw new FastAstError('USAGE', `two models of the sweep are both called "${dup}"; give each its own id`);
  const cache = opts.cache ?? new SweepCache();
  const batchSize = Math.max(1, Math.floor(opts.batchSize ?? 1));
  const chunkClips = Math.max(1, Math.floor(opts.chunkClips ?? 16));
  if (opts.checkFiles ?? true) await checkClipFiles(set);

  const runs: ModelRun[] = [];
  for (const model of models) {
    const { spec } = model.engine;
    for (const clip of set.clips) {
      const bad = clip.targets.find((t) => t >= spec.labels.length);
      if (bad !== undefined) throw new FastAstError('USAGE', `${set.source}: ${clip.path} has class ${bad}, but ${model.id} has ${spec.labels.length} classes; read the set with this model's labels`);
    }
    const run: ModelRun = { model, spec, specDigest: digest(spec), plans: new Map() };
    for (const s of opts.settings) {
      await planFor(run, s, cache);
      await planFor(run, BASELINE(s), cache);
    }
    runs.push(run);
  }

  const stamps = await Promise.all(set.clips.map((c) => stampOf(c.path)));
  const needs = (plan: Plan, i: number) => !plan.group.get(set.clips[i].path, stamps[i]);
  let total = 0;
  let cached = 0;
  for (const run of runs)
    for (const plan of run.plans.values())
      for (let i = 0; i < set.clips.length; i++) {
        total++;
        if (!needs(plan, i)) cached++;
      }
  let done = cached;
  let featuresMs = 0;
  opts.onProgress?.({ done, total, cached, stage: 'features' });

  let failed = false;
  try {
    for (let at = 0; at < set.clips.length; at += chunkClips) {
      const chunk = Array.from({ length: Math.min(chunkClips, set.clips.length - at) }, (_, k) => at + k);
      const todo = runs.map((run) => [...run.plans.values()].map((plan) => ({ plan, clips: chunk.filter((i) => needs(plan, i)) })));
      if (todo.every((t) => t.every((p) => p.clips.length === 0))) continue;

      // Features: one fbank per clip and mel-bin count, shared by every model and setting;
      // model windows are cut from it when a run needs them (a long clip never holds them all).
      const fbanks = new Map<string, FileFeatures>();
      const featuresOf = async (spec: ModelSpec, i: number): Promise<FileFeatures> => {
        const key = `${i}|${spec.features.numMelBins}`;
        let f = fbanks.get(key);
        if (!f) {
          throwIfAborted(opts.signal, 'sweep');
          const t0 = performance.now();
          f = await clipFeatures(set.clips[i].path, spec, opts);
          featuresMs += performance.now() - t0;
          fbanks.set(key, f);
        }
        return f;
      };
      // Settings take turns per clip (per batchSize clips, so that a batch can still span clips).
      for (let g = 0; g < chunk.length; g += batchSize) {
        const group = chunk.slice(g, g + batchSize);
        for (const [m, run] of runs.entries()) {
          const plans = todo[m].map(({ plan, clips }) => ({ plan, clips: group.filter((i) => clips.includes(i)) })).filter((t) => t.clips.length > 0);
          if ((at + g) % 2) plans.reverse();
          for (const { plan, clips } of plans) {
            opts.onProgress?.({ done, total, cached, model: run.model.id, stage: 'features' });
            const feats: FileFeatures[] = [];
            for (const i of clips) feats.push(await featuresOf(run.spec, i));
            const before = done;
            await runPlan(run, plan, clips, feats, stamps, set, batchSize, opts.signal, opts.turn ?? ((job) => job()), (finished) => {
              done = before + finished;
              opts.onProgress?.({ done, total, cached, model: run.model.id, setting: plan.setting, stage: 'infer' });
            });
          }
        }
      }
    }
  } catch (e) {
    failed = true;
    throw e;
  } finally {
    // Whatever was computed is kept, also on cancel; a failing cache write must not hide why the sweep stopped.
    for (const run of runs) for (const plan of run.plans.values()) if (plan.samples.length) plan.group.setTiming(batchSize, plan.samples);
    await cache.flush().catch((e) => {
      if (!failed) throw e;
    });
  }

  const multiLabelOf = (spec: ModelSpec) => set.multiLabel || spec.multiLabel;
  const rows: SweepRow[] = [];
  for (const run of runs) {
    for (const setting of opts.settings) {
      const plan = await planFor(run, setting, cache);
      const base = await planFor(run, BASELINE(setting), cache);
      rows.push(rowFor(run, setting, plan, base, set, stamps, multiLabelOf(run.spec)));
    }
  }
  return {
    set: { source: set.source, kind: set.kind, clips: set.clips.length, multiLabel: set.multiLabel },
    models: runs.map((r) => ({ id: r.model.id, sha256: r.model.sha256, ep: r.model.engine.ep, labels: r.spec.labels, multiLabel: r.spec.multiLabel })),
    rows,
    featuresMs,
    computed: total - cached,
    cached,
  };
}

/** Runs the windows of `clips` at one setting, in batches; stores each clip's mean scores. */
async function runPlan(
  run: ModelRun,
  plan: Plan,
  clips: number[],
  feats: FileFeatures[],
  stamps: string[],
  set: LabelledSet,
  batchSize: number,
  signal: AbortSignal | undefined,
  turn: <T>(job: () => Promise<T>) => Promise<T>,
  onClipsDone: (finished: number) => void,
): Promise<void> {
  const { engine } = plan;
  const { spec } = run;
  const L = spec.maxLength;
  const windowsPerClip = feats.map((f) => windowCount(f.frames, L, L));
  const flat: { owner: number; k: number }[] = [];
  windowsPerClip.forEach((n, owner) => {
    for (let k = 0; k < n; k++) flat.push({ owner, k });
  });
  const windowSize = L * spec.numMelBins;
  const inputFor = (from: number, n: number) => {
    const input = new Float32Array(n * windowSize);
    for (let b = 0; b < n; b++) {
      const { owner, k } = flat[from + b];
      const f = feats[owner];
      input.set(windowInput(f.fbank, f.frames, f.numMelBins, k, L, spec.features), b * windowSize);
    }
    return input;
  };
  if (!plan.warmedUp) {
    // The first run of a setting pays for onnxruntime's allocations; keep it out of the timing.
    throwIfAborted(signal, 'sweep');
    const n = Math.min(batchSize, flat.length);
    const input = inputFor(0, n);
    await turn(() => engine.run(input, n, plan.merge));
    plan.warmedUp = true;
  }
  const sums = feats.map(() => new Float32Array(spec.labels.length));
  const clipMs = feats.map(() => 0);
  let stored = 0;
  for (let start = 0; start < flat.length; start += batchSize) {
    throwIfAborted(signal, 'sweep');
    const n = Math.min(batchSize, flat.length - start);
    const input = inputFor(start, n);
    const { res, ms } = await turn(async () => {
      const t0 = performance.now();
      const res = await engine.run(input, n, plan.merge);
      return { res, ms: performance.now() - t0 };
    });
    plan.samples.push(ms / n);
    res.items.forEach((item, b) => {
      const k = flat[start + b].owner;
      clipMs[k] += ms / n;
      const s = scoresFromLogits(item.logits, spec.multiLabel);
      const sum = sums[k];
      for (let c = 0; c < sum.length; c++) sum[c] += s[c];
    });
    // Clips whose last window is done go into the cache now, so that a cancel keeps them.
    const end = start + n;
    const finished = end === flat.length ? feats.length : flat[end].owner;
    for (; stored < finished; stored++) {
      const w = windowsPerClip[stored];
      const entry: CachedClip = { stamp: stamps[clips[stored]], windows: w, scores: sums[stored].map((v) => v / w) };
      plan.group.set(set.clips[clips[stored]].path, entry);
      plan.clipMs.set(clips[stored], clipMs[stored] / w);
      plan.computed++;
    }
    onClipsDone(finished);
  }
}
