import { FastAstError } from '../errors.js';
import type { LabelledClip, LabelledSet } from './labelled-set.js';
import { bootstrapMedian, pairedRatios, wilson } from './intervals.js';
import { meanAveragePrecision, median } from './metrics.js';
import { argmax, type LabelScore } from './scores.js';
import type { CachedClip } from './sweep-cache.js';
import type { ChangedClip, ClassResult, ModelRun, Plan, SweepRow, SweepSetting, SweepTiming } from './sweep-types.js';

/** A sweep's results turned into rows: accuracy or mAP, agreement, per class, confusions, changed clips. */

function top1(scores: Float32Array, labels: readonly string[]): LabelScore {
  const index = argmax(scores);
  return { index, label: labels[index], score: scores[index] };
}

export function rowFor(run: ModelRun, setting: SweepSetting, plan: Plan, base: Plan, set: LabelledSet, stamps: string[], multiLabel: boolean): SweepRow {
  const { spec, model } = run;
  const labels = spec.labels;
  const C = labels.length;
  const get = (p: Plan, i: number): CachedClip => {
    const c = p.group.get(set.clips[i].path, stamps[i]);
    if (!c) throw new FastAstError('ENGINE_FAILED', `${set.clips[i].path}: no result at ${p.group.key} (a bug in the sweep)`);
    return c;
  };
  const scores: Float32Array[] = [];
  let correct = 0;
  let agree = 0;
  let windows = 0;
  const changed: ChangedClip[] = [];
  const perClassClips = new Array<number>(C).fill(0);
  const perClassCorrect = new Array<number>(C).fill(0);
  const confusion = multiLabel ? null : Array.from({ length: C }, () => new Array<number>(C).fill(0));
  set.clips.forEach((clip: LabelledClip, i) => {
    const mine = get(plan, i);
    const theirs = get(base, i);
    scores.push(mine.scores);
    windows += mine.windows;
    const m = top1(mine.scores, labels);
    const b = top1(theirs.scores, labels);
    const right = clip.targets.includes(m.index);
    if (right) correct++;
    for (const t of clip.targets) {
      perClassClips[t]++;
      if (right) perClassCorrect[t]++;
    }
    if (confusion) confusion[clip.target][m.index]++;
    if (m.index === b.index) agree++;
    else {
      const wasRight = clip.targets.includes(b.index);
      changed.push({
        path: clip.path,
        label: clip.label,
        targets: clip.targets,
        baseline: b,
        merged: m,
        baselineScoreOfMerged: theirs.scores[m.index],
        mergedScoreOfBaseline: mine.scores[b.index],
        effect: right && !wasRight ? 'fixed' : wasRight && !right ? 'broken' : 'changed',
      });
    }
  });
  const n = set.clips.length;
  const { map, perClass: aps } = meanAveragePrecision(scores, set.clips.map((c) => c.targets), C);
  const apOf = new Map(aps.map((a) => [a.index, a.ap]));
  const perClass: ClassResult[] = [];
  for (let c = 0; c < C; c++) {
    if (perClassClips[c] === 0) continue;
    perClass.push({ index: c, label: labels[c], clips: perClassClips[c], correct: perClassCorrect[c], accuracy: perClassCorrect[c] / perClassClips[c], ap: apOf.get(c) ?? NaN });
  }
  const accuracy = correct / n;
  const metric = multiLabel ? 'mAP' : 'accuracy';
  // Timing of this sweep's batches when it ran any (flushed into the cache's record at the end), else the cached one.
  const record = plan.group.timing;
  let timing: SweepTiming | null = null;
  if (record && record.samples.length) {
    const msPerWindow = median(record.samples);
    const msPerClip = (msPerWindow * windows) / n;
    const ms = bootstrapMedian(record.samples);
    const clipsPerS = (msWindow: number) => 1000 / ((msWindow * windows) / n);
    timing = {
      msPerWindow,
      msPerClip,
      clipsPerS: 1000 / msPerClip,
      clipsPerSLow: clipsPerS(ms.high),
      clipsPerSHigh: clipsPerS(ms.low),
      speedup: speedupOf(plan, base),
      batchSize: record.batchSize,
      samples: record.samples.length,
      fromCache: plan.samples.length === 0,
      measuredAt: record.measuredAt,
    };
  }
  return {
    model: model.id,
    modelSha256: model.sha256,
    ep: plan.engine.ep,
    setting: { ...setting, weights: plan.engine.weights ?? 'float32' },
    schedule: plan.merge.schedule,
    metric,
    score: metric === 'mAP' ? map : accuracy,
    accuracy,
    accuracyLow: wilson(correct, n).low,
    accuracyHigh: wilson(correct, n).high,
    correct,
    map,
    clips: n,
    agreement: agree / n,
    changed,
    perClass,
    confusion,
    timing,
    tokensAfterLast: plan.tokensAfterLast,
    flops: plan.flops,
    flopsRatio: base.flops / plan.flops,
    computedClips: plan.computed,
  };
}

/** r = 0 ms ÷ this setting's ms, per clip that this sweep ran at both (back to back: sweep.ts). */
function speedupOf(plan: Plan, base: Plan): SweepTiming['speedup'] {
  const clips = [...plan.clipMs.keys()].filter((i) => base.clipMs.has(i));
  if (clips.length === 0) return null;
  const r = pairedRatios(
    clips.map((i) => base.clipMs.get(i)!),
    clips.map((i) => plan.clipMs.get(i)!),
  );
  return { median: r.median, q1: r.q1, q3: r.q3, pairs: r.pairs };
}
