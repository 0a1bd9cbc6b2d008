import { featuresForFile, type FileFeatures } from '../audio/features.js';
import { hopFramesFromSeconds, windowCount, windowInput, windowTimes } from '../audio/windows.js';
import type { Engine, MergeSettings } from '../engine/types.js';
import { runWindows, throwIfAborted, type RunWindowsOptions, type WindowRun } from './run-windows.js';
import { scoresFromLogits, topK, type LabelScore } from './scores.js';

/** One model window of a file and what the model said about it. */
export interface WindowPrediction {
  index: number;
  /** Window k starts at k·hop·10 ms. */
  startS: number;
  /** End of the real audio inside the window (earlier than start + window length in the last one). */
  endS: number;
  /** Best classes first; scores are softmax or sigmoid as the checkpoint requires. */
  top: LabelScore[];
  /** Every class's score, in id2label order. */
  scores: Float32Array;
  logits: Float32Array;
  /** Tokens entering each layer, then after the last layer. */
  tokensPerLayer: number[];
}

export interface FileClassification {
  file: string;
  durationS: number;
  /** Fbank frames of the whole file (10 ms each). */
  frames: number;
  hopFrames: number;
  windows: WindowPrediction[];
  timingsMs: { decode: number; fbank: number; infer: number };
}

export interface ClassifyProgress {
  file: string;
  stage: 'decode' | 'infer';
  /** 0…1 within the stage. */
  fraction: number;
}

export interface ClassifyOptions {
  settings: MergeSettings;
  /** Hop between windows in seconds; default one window length (no overlap). */
  hopS?: number;
  /** Classes kept in `top` (default 3). */
  topK?: number;
  batchSize?: number;
  signal?: AbortSignal;
  onProgress?: (p: ClassifyProgress) => void;
}

/** Per-window class scores (softmax or sigmoid as the checkpoint requires) beside the run's logits. */
export interface WindowScores extends WindowRun {
  scores: Float32Array[];
}

/**
 * `count` windows, built on demand by `windowAt`, through the engine in batches and scored: the
 * one windowed pipeline of the CLI, the app's host (which cuts windows from decoded samples, not
 * from a whole-file fbank) and classifyFeatures below.
 */
export async function scoreWindows(
  engine: Engine,
  count: number,
  windowAt: (k: number) => Float32Array,
  settings: MergeSettings,
  opts: RunWindowsOptions = {},
): Promise<WindowScores> {
  const run = await runWindows(engine, count, windowAt, settings, opts);
  return { ...run, scores: run.logits.map((logits) => scoresFromLogits(logits, engine.spec.multiLabel)) };
}

/** Classifies every window of already computed features (the UI re-runs this when r moves). */
export async function classifyFeatures(
  engine: Engine,
  file: string,
  feats: FileFeatures,
  opts: ClassifyOptions,
): Promise<FileClassification> {
  const { spec } = engine;
  const L = spec.maxLength;
  const hopFrames = opts.hopS === undefined ? L : hopFramesFromSeconds(opts.hopS);
  const count = windowCount(feats.frames, L, hopFrames);
  let windowMs = 0;
  const run = await scoreWindows(
    engine,
    count,
    (k) => {
      const t = performance.now();
      const w = windowInput(feats.fbank, feats.frames, feats.numMelBins, k, hopFrames, spec.features);
      windowMs += performance.now() - t;
      return w;
    },
    opts.settings,
    {
      batchSize: opts.batchSize,
      signal: opts.signal,
      onBatch: (done, total) => opts.onProgress?.({ file, stage: 'infer', fraction: done / total }),
    },
  );
  const windows = run.logits.map((logits, k): WindowPrediction => {
    const scores = run.scores[k];
    return {
      index: k,
      ...windowTimes(feats.frames, k, L, hopFrames),
      top: topK(scores, spec.labels, opts.topK ?? 3),
      scores,
      logits,
      tokensPerLayer: run.tokensPerLayer,
    };
  });
  return {
    file,
    durationS: feats.audio.durationS,
    frames: feats.frames,
    hopFrames,
    windows,
    // Cutting and normalising windows is feature work, so it counts as fbank time.
    timingsMs: { decode: feats.timingsMs.decode, fbank: feats.timingsMs.fbank + windowMs, infer: run.inferMs },
  };
}

/** A file → fbank → windows (with hop) → engine in batches → per-window predictions. */
export async function classifyFile(engine: Engine, file: string, opts: ClassifyOptions): Promise<FileClassification> {
  throwIfAborted(opts.signal, file);
  const feats = await featuresForFile(file, engine.spec.features, {
    signal: opts.signal,
    onProgress: (fraction) => opts.onProgress?.({ file, stage: 'decode', fraction }),
  });
  return classifyFeatures(engine, file, feats, opts);
}
