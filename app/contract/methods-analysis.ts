/**
 * Analysis: the model over a whole file in windows, and the focused window's model input with
 * its baseline and merged runs, shaped for drawing.
 */
import { count, id, MergeParams, weightsPrecision } from './fields.js';
import { s, type Infer, type MethodTable } from './schema.js';

/** The analysis settings behind segments, without the threshold (the UI's, applied later). */
export const AnalysisProvenance = s.object({
  modelId: s.string({ max: 256 }),
  modelSha256: s.string({ max: 128 }),
  schedule: s.array(s.number({ int: true, min: 0 }), { max: 256 }),
  propAttn: s.boolean(),
  protectDistillation: s.boolean(),
  windowS: s.number({ min: 0 }),
  hopS: s.number({ min: 0 }),
  /** int8 when the analysis ran with 8-bit weights; absent = float32. */
  weights: s.optional(weightsPrecision),
});
export type AnalysisProvenance = Infer<typeof AnalysisProvenance>;

export const LabelScoreSchema = s.object({ index: count, score: s.number() });
export type LabelScoreView = Infer<typeof LabelScoreSchema>;

/** One run of the focused window, shaped for drawing. */
export const RunView = s.object({
  /** softmax or sigmoid scores per class. */
  scores: s.f32(),
  topk: s.array(LabelScoreSchema, { max: 64 }),
  /**
   * Layer-major, numLayers × numTokens: the token index, after layer l, that original token j
   * (0 = cls, 1 = distillation, 2 + p = patch p) belongs to.
   */
  groups: s.i32(),
  /**
   * Layer-major, numLayers × numTokens: similarity of the merge in which original token j's
   * carrier was the source at layer l; NaN where it was not merged away at l.
   */
  sourceScores: s.f32(),
  /**
   * Layer-major, numLayers × numTokens: the engine's merge-decision margin (cosine units) of the
   * token that carries original token j into layer l — how clear-cut that token's decision to
   * merge (or not) was: merged → min(best − second-best partner, its score − the best score left
   * unmerged); unmerged → the lowest merged score − its score. Near 0 = a near-tie (padding,
   * silence). NaN where the carrier made no decision (a B token, cls, a layer with r = 0).
   */
  margins: s.f32(),
  tokensPerLayer: s.array(count, { max: 257 }),
  schedule: s.array(count, { max: 256 }),
  rApplied: s.array(count, { max: 256 }),
  mergeRatio: s.number({ min: 0, max: 1 }),
  gflops: s.number({ min: 0 }),
  inferMs: s.number({ min: 0 }),
  ep: s.string({ max: 32 }),
  /** The precision of the weights this run used (a merged run may be int8; the baseline is float32). */
  weights: weightsPrecision,
});
export type RunView = Infer<typeof RunView>;

/**
 * The Speed panel's comparison of a merge setting with the unmerged baseline, from pairs of runs
 * timed back to back on the same window (baseline, merged; the next pair merged, baseline), after
 * a warm-up of each: a moment of load slows both runs of a pair alike. speedup = baseline ms ÷
 * merged ms (above 1: merging is faster), the median over the last pairs, with its spread.
 */
export const SpeedView = s.object({
  /** measuring: fewer than 3 pairs so far (the host is timing more); ready: the numbers stand. */
  state: s.enum(['measuring', 'ready'] as const),
  pairs: count,
  /** Median over pairs of baseline ms ÷ merged ms; NaN before the first pair. */
  speedup: s.numberOrNaN(),
  /** Quartiles and extremes of the pairs' ratios. */
  speedupQ1: s.numberOrNaN(),
  speedupQ3: s.numberOrNaN(),
  speedupMin: s.numberOrNaN(),
  speedupMax: s.numberOrNaN(),
  /** Medians of the paired runs' inference times, ms per window. */
  baseMs: s.numberOrNaN(),
  mergedMs: s.numberOrNaN(),
});
export type SpeedView = Infer<typeof SpeedView>;

export const ComparisonView = s.object({
  top1Agree: s.boolean(),
  topKOverlap: s.number({ min: 0, max: 1 }),
  k: count,
  kl: s.number({ min: 0 }),
  /** merged − baseline, per class. */
  scoreChange: s.f32(),
});
export type ComparisonView = Infer<typeof ComparisonView>;

export const WindowInput = s.object({
  fileId: id,
  startS: s.number({ min: 0 }),
  /** Model input, frame-major: frames × melBins normalised log-mel values (what the AST sees). */
  input: s.f32(),
  frames: count,
  melBins: count,
  /** Frames that hold audio; the rest is padding past the end of the file. */
  validFrames: count,
  /** Mel band centre frequencies in Hz (melBins + 1 band edges, low to high). */
  melEdgesHz: s.f32(),
  windowS: s.number({ min: 0 }),
});
export type WindowInput = Infer<typeof WindowInput>;

export const AnalysisResult = s.object({
  fileId: id,
  modelId: id,
  hopS: s.number({ min: 0 }),
  windowS: s.number({ min: 0 }),
  /** Start time of each window in seconds. */
  starts: s.f32(),
  /** windows × classes, row-major. */
  scores: s.f32(),
  classes: count,
  multiLabel: s.boolean(),
  merge: s.nullable(MergeParams),
  elapsedMs: s.number({ min: 0 }),
  msPerWindow: s.number({ min: 0 }),
  /** What segments made from this analysis record (model hash, r per layer as applied, hop …). */
  provenance: AnalysisProvenance,
});
export type AnalysisResult = Infer<typeof AnalysisResult>;

export const analysisMethods = {
  /** The model over the whole file in windows (progress events: phase "analysis"). */
  'analysis.run': {
    params: s.object({ fileId: id, hopS: s.number({ min: 0.1, max: 3600 }), merge: s.nullable(MergeParams) }),
    result: AnalysisResult,
  },
  /** The focused window's model input and its unmerged baseline run (cached per model, file and start). */
  'window.baseline': {
    params: s.object({ fileId: id, startS: s.number({ min: 0 }) }),
    result: s.object({ window: WindowInput, run: RunView }),
  },
  /**
   * The focused window with merging. A newer window.merge supersedes an older one still waiting:
   * the older answers CANCELLED.
   */
  'window.merge': {
    params: s.object({ fileId: id, startS: s.number({ min: 0 }), merge: MergeParams }),
    result: s.object({ run: RunView, baseline: RunView, comparison: ComparisonView, speed: SpeedView }),
  },
  /**
   * The Speed panel's paired timing of a merge setting on the active model (see SpeedView).
   * window.merge starts the pairs; while `state` is measuring, ask again (e.g. every 0.5 s).
   */
  'window.speed': { params: s.object({ merge: MergeParams }), result: SpeedView },
} satisfies MethodTable;
