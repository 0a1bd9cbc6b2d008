import { featuresForFile } from '../audio/features.js';
import { windowCount, windowInput } from '../audio/windows.js';
import type { Engine } from '../engine/types.js';
import { constantSchedule } from '../tome/schedule.js';
import type { LabelledClip, LabelledSet } from './labelled-set.js';
import { defaultBatchSize, runWindows, throwIfAborted } from './run-windows.js';
import { argmax, scoresFromLogits } from './scores.js';

/** Accuracy of one constant r over the whole set. */
export interface EvalRow {
  r: number;
  /** Correct clips / clips, 0…1. */
  accuracy: number;
  correct: number;
  clips: number;
  /** Clips per second of inference at this r (features are computed once for all r). */
  clipsPerS: number;
  inferMs: number;
}

export interface EvalResult {
  rows: EvalRow[];
  clips: number;
  /** Decoding + fbank of the whole set, done once and shared by every r. */
  featuresMs: number;
}

export interface EvaluateOptions {
  /** Constant r values to sweep, e.g. [0, 16, 48]. */
  rs: number[];
  propAttn: boolean;
  protectDistillation: boolean;
  batchSize?: number;
  /** Clips whose features are held at once; bounds memory on large sets. */
  chunkClips?: number;
  signal?: AbortSignal;
  /** Clips finished (all r) so far. */
  onProgress?: (done: number, total: number) => void;
}

interface ClipWindows {
  clip: LabelledClip;
  windows: Float32Array[];
}

/**
 * Accuracy per r. Each clip's features are computed once and run at every r while in
 * memory, so a sweep costs one decode per clip. A clip longer than one window is scored by
 * the mean of its windows' scores (ESC-10's 5 s clips are one window of the 5.12 s models).
 */
export async function evaluate(engine: Engine, set: LabelledSet, opts: EvaluateOptions): Promise<EvalResult> {
  const { spec } = engine;
  const L = spec.maxLength;
  const chunkClips = Math.max(1, opts.chunkClips ?? 32);
  const settingsFor = (r: number) => ({
    schedule: constantSchedule(r, spec.numLayers),
    propAttn: opts.propAttn,
    protectDistillation: opts.protectDistillation,
  });
  const correct = opts.rs.map(() => 0);
  const inferMs = opts.rs.map(() => 0);
  let featuresMs = 0;
  let warmedUp = false;

  for (let at = 0; at < set.clips.length; at += chunkClips) {
    const chunk: ClipWindows[] = [];
    for (const clip of set.clips.slice(at, at + chunkClips)) {
      throwIfAborted(opts.signal, 'evaluation');
      const t0 = performance.now();
      const f = await featuresForFile(clip.path, spec.features, { signal: opts.signal });
      const n = windowCount(f.frames, L, L);
      chunk.push({ clip, windows: Array.from({ length: n }, (_, k) => windowInput(f.fbank, f.frames, f.numMelBins, k, L, spec.features)) });
      featuresMs += performance.now() - t0;
    }
    const flat = chunk.flatMap((c) => c.windows);
    if (!warmedUp) {
      // The first run at each r pays for onnxruntime's allocations; keep it out of clips/s.
      for (const r of opts.rs) await runWindows(engine, Math.min(flat.length, opts.batchSize ?? defaultBatchSize(spec)), (i) => flat[i], settingsFor(r), opts);
      warmedUp = true;
    }
    for (const [ri, r] of opts.rs.entries()) {
      const run = await runWindows(engine, flat.length, (i) => flat[i], settingsFor(r), { batchSize: opts.batchSize, signal: opts.signal });
      inferMs[ri] += run.inferMs;
      let w = 0;
      for (const { clip, windows } of chunk) {
        const mean = new Float32Array(spec.labels.length);
        for (let k = 0; k < windows.length; k++, w++) {
          const s = scoresFromLogits(run.logits[w], spec.multiLabel);
          for (let c = 0; c < mean.length; c++) mean[c] += s[c] / windows.length;
        }
        if (argmax(mean) === clip.target) correct[ri]++;
      }
    }
    opts.onProgress?.(Math.min(at + chunkClips, set.clips.length), set.clips.length);
  }
  const clips = set.clips.length;
  return {
    clips,
    featuresMs,
    rows: opts.rs.map((r, i) => ({
      r,
      accuracy: correct[i] / clips,
      correct: correct[i],
      clips,
      clipsPerS: clips / (inferMs[i] / 1000),
      inferMs: inferMs[i],
    })),
  };
}
