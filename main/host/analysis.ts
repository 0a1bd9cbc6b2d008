/**
 * analysis.run: every window of an open file (with a hop) scored by the active model through
 * app/analysis's pipeline (scoreWindows) on its float32 or int8 engine (merge.weights), one batch
 * at a time at background priority, so a slider move waits for one batch at most. Batches start
 * at one window and grow while they stay within ANALYSIS_BATCH_MS (app/analysis/adaptive-batch).
 */
import type { MergeParams, Result } from '../../app/contract/index.js';
import { adaptiveBatch } from '../../app/analysis/adaptive-batch.js';
import { scoreWindows } from '../../app/analysis/classify.js';
import { defaultBatchSize } from '../../app/analysis/run-windows.js';
import { applySchedule } from '../../app/tome/schedule.js';
import { modelWindow, windowStartFrames } from './audio-io.js';
import type { LoadedModel } from './engine-cache.js';
import type { EngineQueue } from './engine-queue.js';
import { scheduleFor } from './merge-schedule.js';
import type { OpenFile } from './open-files.js';
import type { CallContext } from './rpc.js';

/**
 * Longest an analysis batch should hold the engine: a slider move queued behind it waits for
 * all of it. The move's target is 300 ms end to end (bench/ui-latency.bench.ts); its own run of
 * the bundled model takes ~50 ms on 2 idle cores and the RPC, comparison and paint ~50 ms more.
 */
export const ANALYSIS_BATCH_MS = 200;

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
    batchSize: adaptiveBatch({ budgetMs: ANALYSIS_BATCH_MS, max: defaultBatchSize(spec, m.engine.ep) }),
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
