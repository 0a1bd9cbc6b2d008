/**
 * The contract between the UI (renderer/) and a host (main/: Electron's utility process or
 * `serve`): every request, response and event, as types plus runtime validators, and the one
 * wire format both transports use.
 *
 * This file must stay free of Node, DOM and app/ imports: the renderer bundles it. The one
 * exception is app/segments (pure TypeScript: the segment types, segments from windows, the
 * selection and the undo/redo edit reducer), re-exported below so that the renderer edits
 * segments with the same model the host exports, while importing only this file.
 *
 * Wire format: one binary frame per message. Typed arrays anywhere in a message travel as raw
 * bytes after a JSON header (no base64, no number lists), so a spectrogram or an fbank window
 * costs its size in bytes and nothing more:
 *
 *   u32 LE header length │ header JSON (UTF-8) │ pad to 8 │ blob 0 │ pad to 8 │ blob 1 …
 *
 * In the header, each typed array is replaced by `{"$b": index, "$t": "f32" | "i32" | "u8"}`
 * and `$bins` lists the byte length of each blob.
 */

import type { Provenance, RecordingSegments, Segment, Selection } from './segments/index.js';

export const PROTOCOL_VERSION = 1;

// ───────────────────────────── validators ─────────────────────────────

export class ContractError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ContractError';
  }
}

export interface Schema<T> {
  readonly kind: string;
  readonly optional?: boolean;
  parse(value: unknown, path?: string): T;
}

export type Infer<S> = S extends Schema<infer T> ? T : never;

type OptionalKeys<S> = { [K in keyof S]: S[K] extends { optional: true } ? K : never }[keyof S];
type ObjectOut<S extends Record<string, Schema<unknown>>> = {
  [K in Exclude<keyof S, OptionalKeys<S>>]: Infer<S[K]>;
} & { [K in OptionalKeys<S>]?: Infer<S[K]> };
type Simplify<T> = { [K in keyof T]: T[K] } & {};

function fail(path: string, expected: string, got: unknown): never {
  const shown = got === null ? 'null' : Array.isArray(got) ? 'array' : ArrayBuffer.isView(got) ? got.constructor.name : typeof got;
  throw new ContractError(`${path || 'message'}: expected ${expected}, got ${shown}`);
}

interface NumberOpts {
  min?: number;
  max?: number;
  int?: boolean;
  /** Allow NaN / ±Infinity (default false). */
  nonFinite?: boolean;
}

export const s = {
  string(opts: { max?: number; min?: number; pattern?: RegExp } = {}): Schema<string> {
    return {
      kind: 'string',
      parse(v, path = '') {
        if (typeof v !== 'string') fail(path, 'a string', v);
        if (opts.max !== undefined && v.length > opts.max) throw new ContractError(`${path}: longer than ${opts.max} characters`);
        if (opts.min !== undefined && v.length < opts.min) throw new ContractError(`${path}: shorter than ${opts.min} characters`);
        if (opts.pattern && !opts.pattern.test(v)) throw new ContractError(`${path}: ${JSON.stringify(v.slice(0, 80))} does not match ${opts.pattern}`);
        return v;
      },
    };
  },
  number(opts: NumberOpts = {}): Schema<number> {
    return {
      kind: 'number',
      parse(v, path = '') {
        if (typeof v !== 'number') fail(path, 'a number', v);
        if (!opts.nonFinite && !Number.isFinite(v)) throw new ContractError(`${path}: expected a finite number, got ${v}`);
        if (opts.int && !Number.isInteger(v)) throw new ContractError(`${path}: expected an integer, got ${v}`);
        if (opts.min !== undefined && v < opts.min) throw new ContractError(`${path}: ${v} is below ${opts.min}`);
        if (opts.max !== undefined && v > opts.max) throw new ContractError(`${path}: ${v} is above ${opts.max}`);
        return v;
      },
    };
  },
  /** JSON has no NaN: a number or null (null read as NaN). */
  numberOrNaN(): Schema<number> {
    return {
      kind: 'number',
      parse(v, path = '') {
        if (v === null) return NaN;
        if (typeof v !== 'number') fail(path, 'a number or null', v);
        return v;
      },
    };
  },
  boolean(): Schema<boolean> {
    return {
      kind: 'boolean',
      parse(v, path = '') {
        if (typeof v !== 'boolean') fail(path, 'true or false', v);
        return v;
      },
    };
  },
  literal<const T extends string | number | boolean>(value: T): Schema<T> {
    return {
      kind: 'literal',
      parse(v, path = '') {
        if (v !== value) fail(path, JSON.stringify(value), v);
        return v as T;
      },
    };
  },
  enum<const T extends readonly string[]>(values: T): Schema<T[number]> {
    return {
      kind: 'enum',
      parse(v, path = '') {
        if (typeof v !== 'string' || !values.includes(v)) throw new ContractError(`${path}: expected one of ${values.join(', ')}, got ${JSON.stringify(v)}`);
        return v as T[number];
      },
    };
  },
  array<T>(item: Schema<T>, opts: { max?: number; min?: number } = {}): Schema<T[]> {
    return {
      kind: 'array',
      parse(v, path = '') {
        if (!Array.isArray(v)) fail(path, 'an array', v);
        if (opts.max !== undefined && v.length > opts.max) throw new ContractError(`${path}: more than ${opts.max} items`);
        if (opts.min !== undefined && v.length < opts.min) throw new ContractError(`${path}: fewer than ${opts.min} items`);
        return v.map((x, i) => item.parse(x, `${path}[${i}]`));
      },
    };
  },
  object<S extends Record<string, Schema<unknown>>>(shape: S): Schema<Simplify<ObjectOut<S>>> {
    return {
      kind: 'object',
      parse(v, path = '') {
        if (typeof v !== 'object' || v === null || Array.isArray(v) || ArrayBuffer.isView(v)) fail(path, 'an object', v);
        const out: Record<string, unknown> = {};
        const obj = v as Record<string, unknown>;
        for (const key of Object.keys(obj)) {
          if (!(key in shape)) throw new ContractError(`${path ? path + '.' : ''}${key}: unexpected field`);
        }
        for (const [key, schema] of Object.entries(shape)) {
          const value = obj[key];
          if (value === undefined) {
            if (schema.optional) continue;
            throw new ContractError(`${path ? path + '.' : ''}${key}: missing`);
          }
          out[key] = schema.parse(value, path ? `${path}.${key}` : key);
        }
        return out as Simplify<ObjectOut<S>>;
      },
    };
  },
  optional<T>(inner: Schema<T>): Schema<T> & { optional: true } {
    return { kind: inner.kind, optional: true, parse: (v, path) => inner.parse(v, path) };
  },
  nullable<T>(inner: Schema<T>): Schema<T | null> {
    return { kind: inner.kind, parse: (v, path) => (v === null ? null : inner.parse(v, path)) };
  },
  f32(opts: { max?: number } = {}): Schema<Float32Array> {
    return typed('f32', Float32Array, opts.max);
  },
  i32(opts: { max?: number } = {}): Schema<Int32Array> {
    return typed('i32', Int32Array, opts.max);
  },
  u8(opts: { max?: number } = {}): Schema<Uint8Array> {
    return typed('u8', Uint8Array, opts.max);
  },
  /** Any JSON-able value, for opaque payloads (kept small by the caller). */
  unknown(): Schema<unknown> {
    return { kind: 'unknown', parse: (v) => v };
  },
};

function typed<T extends ArrayBufferView>(name: string, ctor: { new (...a: never[]): T; name: string }, max?: number): Schema<T> {
  return {
    kind: name,
    parse(v, path = '') {
      if (!(v instanceof (ctor as unknown as typeof Float32Array))) fail(path, ctor.name, v);
      if (max !== undefined && (v as unknown as Float32Array).length > max) throw new ContractError(`${path}: more than ${max} elements`);
      return v as unknown as T;
    },
  };
}

// ───────────────────────────── segments (issue 4) ─────────────────────────────

export {
  ALL,
  byTime,
  canRedo,
  canUndo,
  editSegments,
  initialEditState,
  redoLabel,
  segmentsFromWindows,
  selectSegments,
  undoLabel,
  UNDO_LIMIT,
} from './segments/index.js';
export type {
  EditAction,
  EditKind,
  EditState,
  NewSegment,
  Provenance,
  RecordingSegments,
  ReviewStatus,
  ScoredWindow,
  Segment,
  SegmentSource,
  Selection,
} from './segments/index.js';

/** Same list and order as app/export's EXPORT_FORMATS (the host checks they agree). */
export const SEGMENT_EXPORT_FORMATS = ['audacity', 'raven', 'csv', 'textgrid', 'sv', 'labelstudio', 'json', 'clips'] as const;
export type SegmentExportFormat = (typeof SEGMENT_EXPORT_FORMATS)[number];
export const SEGMENT_IMPORT_FORMATS = ['audacity', 'raven', 'json'] as const;
const REVIEW_STATES = ['accepted', 'rejected', 'unreviewed'] as const;

const segmentLabel = s.string({ min: 1, max: 1024 });
const segmentFile = s.string({ min: 1, max: 4096 });

/** The analysis settings behind segments, without the threshold (the UI's, applied later). */
export const AnalysisProvenance = s.object({
  modelId: s.string({ max: 256 }),
  modelSha256: s.string({ max: 128 }),
  schedule: s.array(s.number({ int: true, min: 0 }), { max: 256 }),
  propAttn: s.boolean(),
  protectDistillation: s.boolean(),
  windowS: s.number({ min: 0 }),
  hopS: s.number({ min: 0 }),
});
export type AnalysisProvenance = Infer<typeof AnalysisProvenance>;

export const ProvenanceWire: Schema<Provenance> = s.object({
  modelId: s.string({ max: 256 }),
  modelSha256: s.string({ max: 128 }),
  schedule: s.array(s.number({ int: true, min: 0 }), { max: 256 }),
  propAttn: s.boolean(),
  protectDistillation: s.boolean(),
  windowS: s.number({ min: 0 }),
  hopS: s.number({ min: 0 }),
  threshold: s.number({ min: 0, max: 1 }),
});

export const SegmentWire: Schema<Segment> = s.object({
  id: s.string({ min: 1, max: 8192 }),
  file: segmentFile,
  label: segmentLabel,
  startS: s.number({ min: 0 }),
  endS: s.number({ min: 0 }),
  maxScore: s.nullable(s.number()),
  meanScore: s.nullable(s.number()),
  source: s.enum(['model', 'user'] as const),
  provenance: s.optional(ProvenanceWire),
  lowHz: s.optional(s.number({ min: 0 })),
  highHz: s.optional(s.number({ min: 0 })),
  review: s.enum(REVIEW_STATES),
});

export const RecordingWire: Schema<RecordingSegments> = s.object({
  file: segmentFile,
  durationS: s.number({ min: 0 }),
  segments: s.array(SegmentWire, { max: 1_000_000 }),
});

/** app/segments' Selection, flattened for the validators: `kind` says which fields count. */
export const SelectionWire = s.object({
  kind: s.enum(['all', 'ids', 'filter'] as const),
  ids: s.optional(s.array(s.string({ min: 1, max: 8192 }), { max: 1_000_000 })),
  labels: s.optional(s.array(segmentLabel, { max: 100_000 })),
  minScore: s.optional(s.number({ min: 0, max: 1 })),
  review: s.optional(s.array(s.enum(REVIEW_STATES), { max: 3 })),
});
export type SelectionWire = Infer<typeof SelectionWire>;

export function selectionFromWire(w: SelectionWire): Selection {
  if (w.kind === 'all') return { kind: 'all' };
  if (w.kind === 'ids') return { kind: 'ids', ids: w.ids ?? [] };
  return {
    kind: 'filter',
    ...(w.labels ? { labels: w.labels } : {}),
    ...(w.minScore !== undefined ? { minScore: w.minScore } : {}),
    ...(w.review ? { review: w.review } : {}),
  };
}

// ───────────────────────────── shared shapes ─────────────────────────────

export const SCHEDULE_SHAPES = ['constant', 'decreasing', 'increasing'] as const;
export type ScheduleShapeName = (typeof SCHEDULE_SHAPES)[number];

const id = s.string({ max: 128, pattern: /^[\w.@+-]+$/ });
const path = s.string({ max: 4096, min: 1 });
const count = s.number({ int: true, min: 0 });

export const ModelInfo = s.object({
  id,
  name: s.string({ max: 256 }),
  dir: s.string({ max: 4096 }),
  bundled: s.boolean(),
  /** The checkpoint was trained with a distillation token (cmkd) or not (plain) — informational. */
  note: s.string({ max: 512 }),
  labels: s.array(s.string({ max: 256 }), { max: 100_000 }),
  multiLabel: s.boolean(),
  numLayers: s.number({ int: true, min: 1, max: 256 }),
  numTokens: s.number({ int: true, min: 3 }),
  freqPatches: s.number({ int: true, min: 1 }),
  timePatches: s.number({ int: true, min: 1 }),
  numMelBins: s.number({ int: true, min: 1 }),
  /** Frames per model window (10 ms each). */
  maxLength: s.number({ int: true, min: 1 }),
  patchSize: s.number({ int: true, min: 1 }),
  frequencyStride: s.number({ int: true, min: 1 }),
  timeStride: s.number({ int: true, min: 1 }),
  sampleRate: s.number({ int: true, min: 1 }),
  /** Largest useful r per layer with the distillation token protected / not. */
  maxR: s.object({ protect: count, noProtect: count }),
});
export type ModelInfo = Infer<typeof ModelInfo>;

export const EngineInfo = s.object({
  modelId: id,
  ep: s.string({ max: 32 }),
  attempts: s.array(s.object({ ep: s.string({ max: 32 }), ok: s.boolean(), reason: s.optional(s.string({ max: 4096 })) }), { max: 16 }),
  threads: count,
});
export type EngineInfo = Infer<typeof EngineInfo>;

export const MergeParams = s.object({
  r: s.number({ int: true, min: 0, max: 100_000 }),
  shape: s.enum(SCHEDULE_SHAPES),
  propAttn: s.boolean(),
  protectDistillation: s.boolean(),
});
export type MergeParams = Infer<typeof MergeParams>;

export const FileInfo = s.object({
  fileId: id,
  path: s.string({ max: 4096 }),
  name: s.string({ max: 1024 }),
  durationS: s.number({ min: 0 }),
  sampleRate: s.number({ int: true, min: 1 }),
  numSamples: count,
  /** Name of the decoded 16-bit WAV the UI plays (host-relative; the transport makes it a URL). */
  media: s.string({ max: 256, pattern: /^[\w.-]+\.wav$/ }),
  /** Model windows at the default hop (whole file, last one padded). */
  windowS: s.number({ min: 0 }),
});
export type FileInfo = Infer<typeof FileInfo>;

export const FsEntry = s.object({ name: s.string({ max: 1024 }), path: s.string({ max: 4096 }), kind: s.enum(['dir', 'audio', 'model'] as const) });
export type FsEntry = Infer<typeof FsEntry>;

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
});
export type RunView = Infer<typeof RunView>;

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

export const ScheduleTable = s.object({
  shape: s.enum(SCHEDULE_SHAPES),
  protectDistillation: s.boolean(),
  /** Merge ratio for r = 0 … maxR (index = r). */
  ratios: s.f32(),
  /** Tokens after the last layer for r = 0 … maxR. */
  finalTokens: s.i32(),
});
export type ScheduleTable = Infer<typeof ScheduleTable>;

// ───────────────────────────── lab: accuracy / speed sweeps (issue 5) ─────────────────────────────

/** Proportional attention in a sweep: on, off, or both (each setting twice). */
export const LAB_PROP_ATTN = ['on', 'off', 'both'] as const;
export const LAB_EXPORT_FORMATS = ['csv', 'json', 'svg', 'png'] as const;
export type LabExportFormat = (typeof LAB_EXPORT_FORMATS)[number];

/** A client-chosen name for one sweep: lab.progress events and lab.export refer to it. */
const sweepId = s.string({ min: 1, max: 64, pattern: /^[\w-]+$/ });
const share = s.number({ min: 0, max: 1 });
const labLabel = s.string({ max: 1024 });

export const LabSetting = s.object({
  r: s.number({ int: true, min: 0, max: 100_000 }),
  shape: s.enum(SCHEDULE_SHAPES),
  propAttn: s.boolean(),
  protectDistillation: s.boolean(),
});
export type LabSetting = Infer<typeof LabSetting>;

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
});
export type LabSweepParams = Infer<typeof LabSweepParams>;

const labTop = s.object({ index: count, label: labLabel, score: s.numberOrNaN() });

export const LabChangedClip = s.object({
  /** Absolute path of the clip on the host (file.open takes it). */
  path: s.string({ max: 4096 }),
  /** The label field as written in the set. */
  label: labLabel,
  targets: s.array(count, { max: 100_000 }),
  baseline: labTop,
  merged: labTop,
  baselineScoreOfMerged: s.numberOrNaN(),
  mergedScoreOfBaseline: s.numberOrNaN(),
  /** fixed: wrong → right; broken: right → wrong; changed: wrong → another wrong. */
  effect: s.enum(['fixed', 'broken', 'changed'] as const),
});
export type LabChangedClip = Infer<typeof LabChangedClip>;

export const LabClassResult = s.object({
  index: count,
  label: labLabel,
  clips: count,
  correct: count,
  accuracy: share,
  /** Average precision of the class over the set (NaN: undefined). */
  ap: s.numberOrNaN(),
});
export type LabClassResult = Infer<typeof LabClassResult>;

export const LabTiming = s.object({
  msPerWindow: s.number({ min: 0 }),
  msPerClip: s.number({ min: 0 }),
  clipsPerS: s.number({ min: 0 }),
  batchSize: s.number({ int: true, min: 1 }),
  samples: count,
  /** Every clip came from the cache: the timing is the one measured then (measuredAt). */
  fromCache: s.boolean(),
  measuredAt: s.string({ max: 64 }),
});
export type LabTiming = Infer<typeof LabTiming>;

/** One model × setting (app/analysis/sweep.ts SweepRow, with the changed clips capped). */
export const LabRow = s.object({
  model: id,
  modelSha256: s.string({ max: 128 }),
  ep: s.string({ max: 32 }),
  setting: LabSetting,
  /** r applied per layer (after clamping). */
  schedule: s.array(count, { max: 256 }),
  metric: s.enum(['accuracy', 'mAP'] as const),
  /** The value of `metric`, 0…1. */
  score: s.numberOrNaN(),
  accuracy: share,
  correct: count,
  map: s.numberOrNaN(),
  clips: count,
  /** Share of clips whose top-1 equals the same model's at r = 0 (same flags). */
  agreement: share,
  /** The clips whose top-1 changed against r = 0 (at most LAB_MAX_CHANGED; changedTotal counts all). */
  changed: s.array(LabChangedClip, { max: 100_000 }),
  changedTotal: count,
  perClass: s.array(LabClassResult, { max: 100_000 }),
  /** confusion[target][predicted] clip counts; null for multi-label sets. */
  confusion: s.nullable(s.array(s.array(count, { max: 100_000 }), { max: 100_000 })),
  timing: s.nullable(LabTiming),
  tokensAfterLast: count,
  /** Forward-pass FLOPs of one window. */
  flops: s.number({ min: 0 }),
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

// ───────────────────────────── requests ─────────────────────────────

const empty = s.object({});

export const methods = {
  /** First call: what the host offers. */
  hello: {
    params: empty,
    result: s.object({
      protocol: s.number({ int: true }),
      host: s.enum(['serve', 'electron'] as const),
      appVersion: s.string({ max: 64 }),
      models: s.array(ModelInfo, { max: 1000 }),
      activeModel: s.nullable(id),
      engine: s.nullable(EngineInfo),
      /** Folder with the demo clips, when present. */
      demoDir: s.nullable(s.string({ max: 4096 })),
      /** A folder to start the file browser in. */
      homeDir: s.string({ max: 4096 }),
      /** Which merge settings to start from (from the last session when the host remembers it). */
      lastMerge: s.nullable(MergeParams),
    }),
  },
  'models.list': { params: empty, result: s.array(ModelInfo, { max: 1000 }) },
  /** Loads a model's engine (builds its graph); later runs use it. */
  'models.select': { params: s.object({ id }), result: s.object({ model: ModelInfo, engine: EngineInfo }) },
  /** Adds an HF AST checkpoint folder (config.json + model.safetensors). */
  'models.import': { params: s.object({ dir: path }), result: ModelInfo },
  'schedule.table': {
    params: s.object({ shape: s.enum(SCHEDULE_SHAPES), protectDistillation: s.boolean() }),
    result: ScheduleTable,
  },
  /** Lists a folder's sub-folders and audio files (serve's file browser; Electron's Open folder). */
  'fs.list': {
    params: s.object({ dir: s.optional(path) }),
    result: s.object({ dir: s.string({ max: 4096 }), parent: s.nullable(s.string({ max: 4096 })), entries: s.array(FsEntry, { max: 100_000 }) }),
  },
  /** Decodes a file (progress events: phase "decode"). */
  'file.open': { params: s.object({ path }), result: FileInfo },
  'file.close': { params: s.object({ fileId: id }), result: empty },
  /** Max |sample| per bucket over [startS, endS). */
  'file.peaks': {
    params: s.object({ fileId: id, startS: s.number({ min: 0 }), endS: s.number({ min: 0 }), count: s.number({ int: true, min: 1, max: 4_000_000 }) }),
    result: s.object({ startS: s.number(), endS: s.number(), peaks: s.f32() }),
  },
  /** Log-mel spectrogram of [startS, endS) in `cols` columns (one sampled frame each), 0…255. */
  'file.spectrogram': {
    params: s.object({
      fileId: id,
      startS: s.number({ min: 0 }),
      endS: s.number({ min: 0 }),
      cols: s.number({ int: true, min: 1, max: 8192 }),
    }),
    result: s.object({
      startS: s.number(),
      endS: s.number(),
      cols: count,
      bins: count,
      /** Column-major: data[col * bins + bin], bin 0 = lowest band. */
      data: s.u8(),
      melEdgesHz: s.f32(),
    }),
  },
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
    result: s.object({ run: RunView, baseline: RunView, comparison: ComparisonView }),
  },
  /** Remembers UI settings across sessions (host-side). */
  'settings.save': { params: s.object({ lastMerge: MergeParams }), result: empty },
  /**
   * Writes segments in one format (app/export) into an existing folder on the host, with the
   * sidecar; all-or-nothing: a failure (EXPORT_FAILED) names the path and the reason and leaves
   * no file. `provenance` null: taken from the segments, else the active model at r = 0.
   */
  'segments.export': {
    params: s.object({
      format: s.enum(SEGMENT_EXPORT_FORMATS),
      outDir: path,
      recordings: s.array(RecordingWire, { min: 1, max: 10_000 }),
      provenance: s.nullable(ProvenanceWire),
      selection: SelectionWire,
      combined: s.optional(s.boolean()),
    }),
    result: s.object({ outDir: s.string({ max: 4096 }), files: s.array(s.string({ max: 4096 }), { max: 1_000_000 }), segments: count }),
  },
  /** Reads Audacity labels, a Raven table or our JSON back into segments (`file`: the recording, where the file does not name it). */
  'segments.import': {
    params: s.object({ path, format: s.optional(s.enum(SEGMENT_IMPORT_FORMATS)), file: s.optional(path) }),
    result: s.object({ recordings: s.array(RecordingWire, { max: 10_000 }) }),
  },
  /** The lab's starting points: the bundled labelled set (when present) and where results are cached. */
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
    }),
    result: s.object({ path: s.string({ max: 4096 }), bytes: count }),
  },
} satisfies Record<string, { params: Schema<unknown>; result: Schema<unknown> }>;

export type Methods = typeof methods;
export type Method = keyof Methods;
export type Params<M extends Method> = Infer<Methods[M]['params']>;
export type Result<M extends Method> = Infer<Methods[M]['result']>;

export function isMethod(m: string): m is Method {
  return Object.prototype.hasOwnProperty.call(methods, m);
}

// ───────────────────────────── events ─────────────────────────────

export const events = {
  /** Progress of a running request. */
  progress: s.object({
    id: count,
    phase: s.enum(['decode', 'analysis', 'model', 'window'] as const),
    done: s.number({ min: 0 }),
    total: s.number({ min: 0 }),
    message: s.optional(s.string({ max: 1024 })),
  }),
  /** Something the user must be told (engine restarted, a model failed to load …). */
  notice: s.object({ level: s.enum(['info', 'warning', 'error'] as const), message: s.string({ max: 4096 }) }),
  /** A native menu or drop asked the UI to do something (Electron). */
  command: s.object({
    command: s.enum(['open-files', 'open-folder', 'export', 'open-model'] as const),
    paths: s.array(path, { max: 10_000 }),
  }),
  /** The engine process restarted: caches on the host side are gone. */
  'host.restarted': s.object({ reason: s.string({ max: 4096 }) }),
  /** Progress of a lab.sweep: runs of (model, setting, clip) done of total, cached ones included. */
  'lab.progress': s.object({
    sweepId,
    /** open: reading the set and building engines; features: decoding; infer: running the models. */
    stage: s.enum(['open', 'features', 'infer'] as const),
    done: count,
    total: count,
    cached: count,
    model: s.optional(id),
    setting: s.optional(LabSetting),
    message: s.optional(s.string({ max: 1024 })),
  }),
};
export type Events = typeof events;
export type EventName = keyof Events;
export type EventData<E extends EventName> = Infer<Events[E]>;

// ───────────────────────────── envelopes ─────────────────────────────

export const ERROR_CODES = [
  'AUDIO_EMPTY',
  'AUDIO_UNREADABLE',
  'AUDIO_UNSUPPORTED',
  'AUDIO_TOO_LARGE',
  'FILE_NOT_FOUND',
  'CHECKPOINT_INVALID',
  'CHECKPOINT_TENSOR',
  'CONFIG_INVALID',
  'SCHEDULE_INVALID',
  'ENGINE_FAILED',
  'CANCELLED',
  'USAGE',
  'EXPORT_FAILED',
  'IMPORT_INVALID',
  'BAD_REQUEST',
  'NO_MODEL',
  'UNKNOWN_FILE',
  'HOST_DIED',
  'INTERNAL',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export type Envelope =
  | { t: 'req'; id: number; method: string; params: unknown }
  | { t: 'cancel'; id: number }
  | { t: 'res'; id: number; ok: true; result: unknown }
  | { t: 'res'; id: number; ok: false; error: { code: ErrorCode; message: string } }
  | { t: 'evt'; event: string; data: unknown };

const Envelope: Schema<Envelope> = {
  kind: 'envelope',
  parse(v, p = '') {
    if (typeof v !== 'object' || v === null) fail(p, 'a message object', v);
    const o = v as Record<string, unknown>;
    const msgId = () => s.number({ int: true, min: 0 }).parse(o.id, 'id');
    switch (o.t) {
      case 'req':
        return { t: 'req', id: msgId(), method: s.string({ max: 64 }).parse(o.method, 'method'), params: o.params };
      case 'cancel':
        return { t: 'cancel', id: msgId() };
      case 'res':
        if (o.ok === true) return { t: 'res', id: msgId(), ok: true, result: o.result };
        if (o.ok === false) {
          const e = s.object({ code: s.enum(ERROR_CODES), message: s.string({ max: 16_384 }) }).parse(o.error, 'error');
          return { t: 'res', id: msgId(), ok: false, error: e };
        }
        return fail('ok', 'true or false', o.ok);
      case 'evt':
        return { t: 'evt', event: s.string({ max: 64 }).parse(o.event, 'event'), data: o.data };
      default:
        throw new ContractError(`t: unknown message type ${JSON.stringify(o.t)}`);
    }
  },
};

/** Validates a request's params against its method (throws ContractError). */
export function parseParams<M extends Method>(method: M, params: unknown): Params<M> {
  return methods[method].params.parse(params, `${method} params`) as Params<M>;
}

export function parseResult<M extends Method>(method: M, result: unknown): Result<M> {
  return methods[method].result.parse(result, `${method} result`) as Result<M>;
}

export function parseEvent(event: string, data: unknown): { event: EventName; data: unknown } {
  if (!Object.prototype.hasOwnProperty.call(events, event)) throw new ContractError(`event: unknown event ${JSON.stringify(event)}`);
  const name = event as EventName;
  return { event: name, data: events[name].parse(data, `${name} event`) };
}

// ───────────────────────────── codec ─────────────────────────────

type Blob = Float32Array | Int32Array | Uint8Array;
const TAGS = { f32: Float32Array, i32: Int32Array, u8: Uint8Array } as const;
type Tag = keyof typeof TAGS;

function tagOf(v: unknown): Tag | null {
  if (v instanceof Float32Array) return 'f32';
  if (v instanceof Int32Array) return 'i32';
  if (v instanceof Uint8Array) return 'u8';
  return null;
}

const MAX_FRAME = 1 << 30;
const pad8 = (n: number) => (n + 7) & ~7;

/** Message → one ArrayBuffer (typed arrays as raw bytes; NaN in plain numbers becomes null). */
export function encodeFrame(msg: Envelope): ArrayBuffer {
  const blobs: Blob[] = [];
  const json = JSON.stringify(msg, function (this: unknown, _key, value) {
    const tag = tagOf(value);
    if (tag) {
      blobs.push(value as Blob);
      return { $b: blobs.length - 1, $t: tag };
    }
    return value;
  });
  const header = new TextEncoder().encode(json.slice(0, -1) + `,"$bins":[${blobs.map((b) => b.byteLength).join(',')}]}`);
  let size = pad8(4 + header.byteLength);
  for (const b of blobs) size += pad8(b.byteLength);
  const buf = new ArrayBuffer(size);
  const bytes = new Uint8Array(buf);
  new DataView(buf).setUint32(0, header.byteLength, true);
  bytes.set(header, 4);
  let off = pad8(4 + header.byteLength);
  for (const b of blobs) {
    bytes.set(new Uint8Array(b.buffer, b.byteOffset, b.byteLength), off);
    off += pad8(b.byteLength);
  }
  return buf;
}

/** One frame → message envelope (validated as an envelope; payloads are validated by method). */
export function decodeFrame(data: ArrayBuffer | ArrayBufferView): Envelope {
  const view = ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data);
  if (view.byteLength < 4 || view.byteLength > MAX_FRAME) throw new ContractError(`frame: size ${view.byteLength} out of range`);
  // Typed-array views need aligned offsets: copy when the frame does not start on 8 bytes.
  const bytes = view.byteOffset % 8 === 0 ? view : new Uint8Array(view);
  const headerLen = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true);
  if (4 + headerLen > bytes.byteLength) throw new ContractError('frame: header runs past the end');
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + headerLen)));
  } catch (e) {
    throw new ContractError(`frame: header is not JSON (${(e as Error).message})`);
  }
  const lens = s.array(s.number({ int: true, min: 0 }), { max: 4096 }).parse(header.$bins, '$bins');
  delete header.$bins;
  const blobs: { off: number; len: number }[] = [];
  let off = pad8(4 + headerLen);
  for (const len of lens) {
    if (off + len > bytes.byteLength) throw new ContractError('frame: binary part runs past the end');
    blobs.push({ off, len });
    off += pad8(len);
  }
  const revive = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(revive);
    if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (typeof o.$b === 'number' && typeof o.$t === 'string' && Object.keys(o).length === 2) {
        const b = blobs[o.$b];
        const Ctor = TAGS[o.$t as Tag];
        if (!b || !Ctor) throw new ContractError(`frame: bad binary reference ${JSON.stringify(o)}`);
        if (b.len % Ctor.BYTES_PER_ELEMENT) throw new ContractError('frame: binary length not a multiple of its element size');
        return new Ctor(bytes.buffer as ArrayBuffer, bytes.byteOffset + b.off, b.len / Ctor.BYTES_PER_ELEMENT);
      }
      for (const k of Object.keys(o)) o[k] = revive(o[k]);
      return o;
    }
    return v;
  };
  return Envelope.parse(revive(header));
}

// ───────────────────────────── Electron bridge (preload ↔ renderer) ─────────────────────────────

/** What the Electron preload exposes on `window.fastast` (contextBridge). */
export interface DesktopBridge {
  /** Sends one encoded frame to the host. */
  send(frame: ArrayBuffer): void;
  /** Frames from the host. Returns an unsubscribe function. */
  onFrame(cb: (frame: ArrayBuffer) => void): () => void;
  /** The engine process went down (false, with why) or is (back) up (true). */
  onHostStatus(cb: (up: boolean, why?: string) => void): () => void;
  /** URL of a decoded media file served by the app protocol. */
  mediaUrl(name: string): string;
  /** Native dialogs. */
  pickFiles(): Promise<string[]>;
  pickFolder(): Promise<string | null>;
  /** A label file to import (Audacity .txt, Raven table, our JSON). */
  pickLabelFile(): Promise<string | null>;
  /** Path of a file dropped on the window (Electron's webUtils). */
  pathForFile(file: File): string;
  /** Tells the main process a file was opened (its Open Recent menu). */
  noteOpened(path: string): void;
}

export const BridgeDialogKind = s.enum(['files', 'folder', 'model', 'labels'] as const);

/** Names of the few ipcRenderer ↔ ipcMain channels outside the host port (all validated). */
export const IPC = {
  /** Renderer → main (invoke): show an open dialog of a BridgeDialogKind; answers paths. */
  dialog: 'fastast:dialog',
  /** Renderer → main: the preload is listening (main then sends a port). */
  ready: 'fastast:ready',
  /** Main → renderer: here is the port to the engine host (on start and after a respawn). */
  port: 'fastast:port',
  /** Main → renderer: { up: false, why } when the engine process died (a new port follows). */
  hostStatus: 'fastast:host-status',
  /** Renderer → main: a file was opened (for Open Recent). */
  opened: 'fastast:opened',
  /** Main → renderer: a menu or drop command, validated as the contract's `command` event. */
  command: 'fastast:command',
} as const;

export const DialogResult = s.array(path, { max: 10_000 });

// ───────────────────────────── constants shared by both sides ─────────────────────────────

export const AUDIO_EXTENSIONS = ['wav', 'flac', 'mp3', 'ogg', 'opus', 'm4a', 'aac', 'webm'] as const;
export const DEFAULT_MERGE: MergeParams = { r: 0, shape: 'constant', propAttn: true, protectDistillation: true };
