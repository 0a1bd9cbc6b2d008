/**
 * The lab: accuracy / speed sweeps of token merging on a labelled set (app/analysis/sweep runs
 * them; its SweepRow is LabRow without the changed-clips cap), and their export.
 */
import { SCHEDULE_SHAPES } from '../common/schedule.js';
import { count, empty, id, MergeParams, path } from './fields.js';
import { s, type Infer, type MethodTable } from './schema.js';

/** Proportional attention in a sweep: on, off, or both (each setting twice). */
export const LAB_PROP_ATTN = ['on', 'off', 'both'] as const;
/** Weights in a sweep: float32, int8, or both (each setting twice); every row is compared with float32 r = 0. */
export const LAB_WEIGHTS = ['float32', 'int8', 'both'] as const;
export const LAB_EXPORT_FORMATS = ['csv', 'json', 'svg', 'png'] as const;
export type LabExportFormat = (typeof LAB_EXPORT_FORMATS)[number];

/** A client-chosen name for one sweep: lab.progress events and lab.export refer to it. */
export const sweepId = s.string({ min: 1, max: 64, pattern: /^[\w-]+$/ });
const share = s.number({ min: 0, max: 1 });
const labLabel = s.string({ max: 1024 });

export const LabSweepParams = s.object({
  sweepId,
  /** A CSV (ESC-50 layout or multi-label) or a folder with one sub-folder per class, on the host. */
  set: path,
  /** Only this fold (the CSV needs a fold column). */
  fold: s.optional(s.number({ int: true, min: 0, max: 1_000_000 })),
  /** Folder the CSV's paths are relative to (default: the CSV's folder). */
  audioRoot: s.optional(path),
  /** At most this many clips, taken from the classes in turn (a quick look at a large set). */
  maxClips: s.optional(s.number({ int: true, min: 1, max: 10_000_000 })),
  /** Model ids (hello's models); they must share their labels. */
  models: s.array(id, { min: 1, max: 16 }),
  rs: s.array(s.number({ int: true, min: 0, max: 100_000 }), { min: 1, max: 64 }),
  shapes: s.array(s.enum(SCHEDULE_SHAPES), { min: 1, max: 3 }),
  propAttn: s.enum(LAB_PROP_ATTN),
  /** Keep the distillation token out of merges (default true, as in the merge controls). */
  protectDistillation: s.optional(s.boolean()),
  /** The weights axis (default float32): int8 builds each model's 8-bit engine once (then cached). */
  weights: s.optional(s.enum(LAB_WEIGHTS)),
});
export type LabSweepParams = Infer<typeof LabSweepParams>;

const labTop = s.object({ index: count, label: labLabel, score: s.numberOrNaN() });

/** A clip whose top-1 class differs between the unmerged baseline and this setting. */
export const LabChangedClip = s.object({
  /** Absolute path of the clip on the host (file.open takes it). */
  path: s.string({ max: 4096 }),
  /** The label field as written in the set. */
  label: labLabel,
  targets: s.array(count, { max: 100_000 }),
  baseline: labTop,
  merged: labTop,
  /** The baseline's score for the merged top-1 class, and the merged run's for the baseline's. */
  baselineScoreOfMerged: s.numberOrNaN(),
  mergedScoreOfBaseline: s.numberOrNaN(),
  /** fixed: wrong → right; broken: right → wrong; changed: wrong → another wrong. */
  effect: s.enum(['fixed', 'broken', 'changed'] as const),
});
export type LabChangedClip = Infer<typeof LabChangedClip>;

export const LabClassResult = s.object({
  index: count,
  label: labLabel,
  /** Clips that carry this label. */
  clips: count,
  /** Of those, clips whose top-1 is one of their labels. */
  correct: count,
  accuracy: share,
  /** Average precision of the class over the set (NaN: undefined). */
  ap: s.numberOrNaN(),
});
export type LabClassResult = Infer<typeof LabClassResult>;

export const LabTiming = s.object({
  /** Median over batches of (batch time ÷ windows in the batch): inference only, after a warm-up. */
  msPerWindow: s.number({ min: 0 }),
  /** msPerWindow × the set's mean windows per clip. */
  msPerClip: s.number({ min: 0 }),
  clipsPerS: s.number({ min: 0 }),
  /** 95 % bootstrap interval of clipsPerS (resampling the timed batches' median). */
  clipsPerSLow: s.number({ min: 0 }),
  clipsPerSHigh: s.number({ min: 0 }),
  /**
   * This setting against float32 r = 0 (same model and flags), paired per clip: the sweep runs every
   * setting of a clip back to back, so each clip gives one ratio (r = 0 ms ÷ this ms per window)
   * under the same load. Median and quartiles over the clips; null when this sweep did not time
   * both (results from the cache).
   */
  speedup: s.nullable(s.object({ median: s.number({ min: 0 }), q1: s.number({ min: 0 }), q3: s.number({ min: 0 }), pairs: count })),
  /** Batches timed. */
  samples: count,
  /** Every clip came from the cache: the timing is the one measured then (measuredAt). */
  fromCache: s.boolean(),
  measuredAt: s.string({ max: 64 }),
  batchSize: s.number({ int: true, min: 1 }),
});
export type LabTiming = Infer<typeof LabTiming>;

/**
 * One model × setting: app/analysis/sweep's SweepRow is this without `changedTotal`; on the wire
 * `changed` is capped (main/lab-host.ts LAB_MAX_CHANGED) and `changedTotal` counts them all.
 */
export const LabRow = s.object({
  model: id,
  modelSha256: s.string({ max: 128 }),
  ep: s.string({ max: 32 }),
  /** The merge setting and the weights it ran with (setting.weights; absent = float32). */
  setting: MergeParams,
  /** r applied per layer (after clamping): what the graph did. */
  schedule: s.array(count, { max: 256 }),
  /** accuracy for single-label sets on softmax models; mAP for multi-label sets or sigmoid models. */
  metric: s.enum(['accuracy', 'mAP'] as const),
  /** The value of `metric`, 0…1. */
  score: s.numberOrNaN(),
  /** Share of clips whose top-1 class is one of their labels. */
  accuracy: share,
  /** Wilson 95 % interval of accuracy (10 clips at 9 correct: 60 %…98 %, not "90 %"). */
  accuracyLow: share,
  accuracyHigh: share,
  correct: count,
  /** Mean over classes with positives of their average precision. */
  map: s.numberOrNaN(),
  clips: count,
  /** Share of clips whose top-1 equals the same model's at r = 0 with float32 weights (same flags). */
  agreement: share,
  changed: s.array(LabChangedClip, { max: 100_000 }),
  changedTotal: count,
  /** Classes present in the set, in model order. */
  perClass: s.array(LabClassResult, { max: 100_000 }),
  /** confusion[target][predicted] clip counts; null for multi-label sets. */
  confusion: s.nullable(s.array(s.array(count, { max: 100_000 }), { max: 100_000 })),
  timing: s.nullable(LabTiming),
  /** Tokens left after the last layer. */
  tokensAfterLast: count,
  /** Forward-pass FLOPs of one window (app/tome/flops.ts). */
  flops: s.number({ min: 0 }),
  /** FLOPs at r = 0 ÷ FLOPs here (same flags). */
  flopsRatio: s.numberOrNaN(),
  /** Clips run in this sweep; the rest came from the cache. */
  computedClips: count,
});
export type LabRow = Infer<typeof LabRow>;

export const LabResult = s.object({
  sweepId,
  set: s.object({
    source: s.string({ max: 4096 }),
    kind: s.enum(['csv', 'folder'] as const),
    clips: count,
    /** Clips in the set (fold applied) before maxClips. */
    totalClips: count,
    multiLabel: s.boolean(),
    fold: s.nullable(count),
  }),
  models: s.array(s.object({ id, sha256: s.string({ max: 128 }), ep: s.string({ max: 32 }), labels: s.array(labLabel, { max: 100_000 }), multiLabel: s.boolean() }), { max: 16 }),
  /** Models in the order given, settings r fastest, then shape, then prop-attn. */
  rows: s.array(LabRow, { max: 100_000 }),
  /** Decoding + fbank of the clips that needed inference. */
  featuresMs: s.number({ min: 0 }),
  /** (model, setting, clip) results computed now, and taken from the host's cache. */
  computed: count,
  cached: count,
  elapsedMs: s.number({ min: 0 }),
  /** Where the host keeps sweep results (per model hash, setting and file). */
  cacheDir: s.string({ max: 4096 }),
});
export type LabResult = Infer<typeof LabResult>;

export const labMethods = {
  'lab.defaults': {
    params: empty,
    result: s.object({
      defaultSet: s.nullable(s.string({ max: 4096 })),
      cacheDir: s.string({ max: 4096 }),
      /** Where exports go until the user picks a folder: the host user's home. */
      exportDir: s.string({ max: 4096 }),
      running: s.nullable(sweepId),
    }),
  },
  /**
   * Runs a labelled set through models × merge settings (app/analysis/sweep) on engines of its own,
   * their runs queued between the workstation's; lab.progress events carry `sweepId`. Cancel the
   * request to stop it (what was computed stays in the cache). One sweep at a time per host.
   */
  'lab.sweep': { params: LabSweepParams, result: LabResult },
  /**
   * Writes a sweep's table (csv: `fastast eval --out` columns; json: everything) or the chart the
   * UI drew (svg text, png bytes) to a file on the host; its folder must exist.
   */
  'lab.export': {
    params: s.object({
      format: s.enum(LAB_EXPORT_FORMATS),
      /** Absolute (or ~/) path of the file to write. */
      path,
      /** csv, json: the sweep whose table is written (one of the host's last few). */
      sweepId: s.optional(sweepId),
      svg: s.optional(s.string({ max: 16_000_000 })),
      png: s.optional(s.u8({ max: 64_000_000 })),
      /** Replace the file if it exists; without it an existing file fails EXISTS (the error's `paths` names it). */
      overwrite: s.optional(s.boolean()),
    }),
    result: s.object({ path: s.string({ max: 4096 }), bytes: count }),
  },
} satisfies MethodTable;
