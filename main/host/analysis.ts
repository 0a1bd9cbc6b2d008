/**
 * analysis.run: every window of an open file (with a hop) scored by the active model through
 * app/analysis's pipeline (scoreWindows) on its float32 or int8 engine (merge.weights), one batch at a time at background priority, so a
 * slider move waits for one batch at most.
 */
import type { MergeParams, Result } from '../../app/contract/index.js';
import { scoreWindows } from '../../app/analysis/classify.js';
import { applySchedule } from '../../app/tome/schedule.js';
import { modelWindow, windowStartFrames } from './audio-io.js';
import type { LoadedModel } from './engine-cache.js';
import type { EngineQueue } from './engine-queue.js';
import { scheduleFor } from './merge-schedule.js';
import type { OpenFile } from './open-files.js';
import type { CallContext } from './rpc.js';

/** Windows per engine call during analysis (interactive runs wait for one batch at most). */
const ANALYSIS_BATCH = 1;

export async function analyseFile(
  m: LoadedModel,
  f: OpenFile,
  hopS: number,
  merge: MergeParams | null,
  queue: EngineQueue,
  ctx: CallContext,
): Promise<Result<'analysis.run'>> {
  const spec = m.checkpoint.spec;
  const starts = windowStartFrames(f.audio.length, spec, hopS);
  const C = spec.labels.length;
  const schedule = scheduleFor(spec, merge);
  const settings = { schedule, propAttn: merge?.propAttn ?? false, protectDistillation: merge?.protectDistillation ?? true };
  const t0 = performance.now();
  ctx.progress('analysis', 0, starts.length);
  // Windows are cut from the decoded samples one at a time (a long file never has a whole-file fbank).
  const run = await scoreWindows(queue.wrap(m.engine, 'background', ctx.signal), starts.length, (i) => modelWindow(f.audio, spec, starts[i]).input, settings, {
    batchSize: ANALYSIS_BATCH,
    signal: ctx.signal,
    onBatch: (done, total) => ctx.progress('analysis', done, total),
  });
  const scores = new Float32Array(starts.length * C);
  run.scores.forEach((s, i) => scores.set(s, i * C));
  const applied = applySchedule(spec.numTokens, schedule, settings.protectDistillation);
  const weights = m.engine.weights ?? 'float32';
  return {
    fileId: f.info.fileId,
    modelId: m.info.id,
    hopS,
    windowS: spec.maxLength / 100,
    starts: Float32Array.from(starts, (s) => s / 100),
    scores,
    classes: C,
    multiLabel: spec.multiLabel,
    merge,
    elapsedMs: performance.now() - t0,
    msPerWindow: starts.length ? run.inferMs / starts.length : 0,
    provenance: {
      modelId: m.info.id,
      modelSha256: m.checkpoint.sha256,
      schedule: applied.rApplied,
      propAttn: settings.propAttn,
      protectDistillation: settings.protectDistillation,
      windowS: spec.maxLength / 100,
      hopS: starts.length > 1 ? (starts[1] - starts[0]) / 100 : hopS,
      ...(weights === 'float32' ? {} : { weights }),
    },
  };
}
