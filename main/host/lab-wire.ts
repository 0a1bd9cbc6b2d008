/** A sweep's rows as the contract sends them (app/analysis/sweep's SweepRow → LabRow). */
import type { LabChangedClip, LabRow } from '../../app/contract.js';
import type { SweepRow } from '../../app/analysis/sweep.js';

/** Changed clips sent per row (the count of all is sent too): a large set must not make a huge frame. */
export const LAB_MAX_CHANGED = 2000;

export function rowWire(row: SweepRow): LabRow {
  const changed: LabChangedClip[] = row.changed.slice(0, LAB_MAX_CHANGED).map((c) => ({
    path: c.path,
    label: c.label,
    targets: c.targets,
    baseline: { index: c.baseline.index, label: c.baseline.label, score: c.baseline.score },
    merged: { index: c.merged.index, label: c.merged.label, score: c.merged.score },
    baselineScoreOfMerged: c.baselineScoreOfMerged,
    mergedScoreOfBaseline: c.mergedScoreOfBaseline,
    effect: c.effect,
  }));
  return {
    model: row.model,
    modelSha256: row.modelSha256,
    ep: row.ep,
    setting: { r: row.setting.r, shape: row.setting.shape, propAttn: row.setting.propAttn, protectDistillation: row.setting.protectDistillation },
    schedule: row.schedule,
    metric: row.metric,
    score: row.score,
    accuracy: row.accuracy,
    correct: row.correct,
    map: row.map,
    clips: row.clips,
    agreement: row.agreement,
    changed,
    changedTotal: row.changed.length,
    perClass: row.perClass.map((c) => ({ index: c.index, label: c.label, clips: c.clips, correct: c.correct, accuracy: c.accuracy, ap: c.ap })),
    confusion: row.confusion,
    timing: row.timing && {
      msPerWindow: row.timing.msPerWindow,
      msPerClip: row.timing.msPerClip,
      clipsPerS: row.timing.clipsPerS,
      batchSize: row.timing.batchSize,
      samples: row.timing.samples,
      fromCache: row.timing.fromCache,
      measuredAt: row.timing.measuredAt,
    },
    tokensAfterLast: row.tokensAfterLast,
    flops: row.flops,
    flopsRatio: row.flopsRatio,
    computedClips: row.computedClips,
  };
}
