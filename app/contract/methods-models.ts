/**
 * Models and the session: what the host offers (hello), the model store (list, pull from the
 * hub, import a checkpoint, remove, labels with their ontology), loading a model, the schedule
 * table behind the merge controls, and the settings the host remembers.
 */
import { SCHEDULE_SHAPES } from '../common/schedule.js';
import { count, empty, id, MergeParams, path } from './fields.js';
import { s, type Infer, type MethodTable } from './schema.js';

/**
 * Where a model comes from: shipped with the app, a revision in the Hugging Face hub cache, a
 * checkpoint the host converted into its state folder (a .pth), or a folder the user added.
 */
export const MODEL_SOURCES = ['bundled', 'hub', 'imported', 'folder'] as const;
export type ModelSourceKind = (typeof MODEL_SOURCES)[number];

/** A hub repo id, ORG/NAME (the hub's own rule: letters, digits, -, _, .). */
export const repoId = s.string({ max: 200, pattern: /^[A-Za-z0-9][\w.-]*\/[A-Za-z0-9][\w.-]*$/ });
/** A branch, tag or commit hash of a hub repo. */
const revision = s.string({ min: 1, max: 256, pattern: /^[^\s@]+$/ });

export const ModelInfo = s.object({
  id,
  name: s.string({ max: 256 }),
  /** The model's folder (for a hub model, its snapshot folder). */
  dir: s.string({ max: 4096 }),
  bundled: s.boolean(),
  source: s.enum(MODEL_SOURCES),
  /** Hub models: the repo, the branch or tag it is listed under (the commit when none), the commit. */
  hub: s.nullable(s.object({ repoId, revision, commit: s.string({ pattern: /^[0-9a-f]{40}$/ }) })),
  /** Bytes on disk: the folder's files (a hub revision: the blobs it links to). */
  bytes: count,
  /** Weights (trainable parameters) of the model. */
  params: count,
  classes: count,
  /** Seconds of audio one model window covers (maxLength frames of 10 ms). */
  windowS: s.number({ min: 0 }),
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

/** A model the scan passed over (unreadable, or beyond the contract's limits), and why. */
export const SkippedModel = s.object({ path: s.string({ max: 4096 }), source: s.enum(MODEL_SOURCES), reason: s.string({ max: 4096 }) });
export type SkippedModel = Infer<typeof SkippedModel>;

/** What an original AST / FastAST checkpoint (.pth) cannot tell; each one left out takes the AST recipes' default. */
export const ImportOverrides = s.object({
  heads: s.optional(s.number({ int: true, min: 1, max: 1024 })),
  fstride: s.optional(s.number({ int: true, min: 1, max: 1024 })),
  tstride: s.optional(s.number({ int: true, min: 1, max: 1024 })),
  /** Input frames per window. */
  inputTdim: s.optional(s.number({ int: true, min: 1, max: 100_000 })),
  /** A label CSV on the host (index,mid,display_name). */
  labelsCsv: s.optional(path),
  mean: s.optional(s.number()),
  std: s.optional(s.number({ min: 1e-12 })),
});
export type ImportOverrides = Infer<typeof ImportOverrides>;

/** The geometry a .pth import arrives at, inferred and assumed together: what the import form shows. */
export const ImportReport = s.object({
  /** Lines read from the weights ("hidden size 768, 12 layers …"). */
  inferred: s.array(s.string({ max: 1024 }), { max: 64 }),
  /** Defaults taken where the weights say nothing, each naming the override that changes it. */
  assumed: s.array(s.string({ max: 1024 }), { max: 64 }),
  hiddenSize: count,
  numLayers: count,
  numHeads: count,
  intermediateSize: count,
  classes: count,
  freqPatches: count,
  timePatches: count,
  frequencyStride: count,
  timeStride: count,
  /** Input frames per window (the override inputTdim), and the seconds they cover. */
  maxLength: count,
  windowS: s.number({ min: 0 }),
  mean: s.number(),
  std: s.number(),
  multiLabel: s.boolean(),
  params: count,
  /** The first labels, for the form to show which list was taken. */
  labelsPreview: s.array(s.string({ max: 256 }), { max: 16 }),
});
export type ImportReport = Infer<typeof ImportReport>;

/** A model's label, and its ancestors in the ontology (root first) when the labels are AudioSet's. */
export const LabelEntry = s.object({ name: s.string({ max: 256 }), ancestors: s.array(s.string({ max: 256 }), { max: 64 }) });
export type LabelEntry = Infer<typeof LabelEntry>;

export const EngineInfo = s.object({
  modelId: id,
  ep: s.string({ max: 32 }),
  attempts: s.array(s.object({ ep: s.string({ max: 32 }), ok: s.boolean(), reason: s.optional(s.string({ max: 4096 })) }), { max: 16 }),
  threads: count,
});
export type EngineInfo = Infer<typeof EngineInfo>;

export const ScheduleTable = s.object({
  shape: s.enum(SCHEDULE_SHAPES),
  protectDistillation: s.boolean(),
  /** Merge ratio for r = 0 … maxR (index = r). */
  ratios: s.f32(),
  /** Tokens after the last layer for r = 0 … maxR. */
  finalTokens: s.i32(),
});
export type ScheduleTable = Infer<typeof ScheduleTable>;

export const modelMethods = {
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
  /** The installed models (bundled, hub cache, imported, added folders), and those the scan skipped. */
  'models.list': { params: empty, result: s.object({ models: s.array(ModelInfo, { max: 1000 }), skipped: s.array(SkippedModel, { max: 1000 }) }) },
  /** Loads a model's engine (builds its graph); later runs use it. */
  'models.select': { params: s.object({ id }), result: s.object({ model: ModelInfo, engine: EngineInfo }) },
  /**
   * Downloads a hub repo's checkpoint into the hub cache (Python's layout; the host's HF_ENDPOINT,
   * HF_TOKEN, HF_HUB_OFFLINE apply). Sends `models.progress` events; cancel stops it and leaves
   * no model visible (the partial file stays for a resume).
   */
  'models.pull': {
    params: s.object({ repoId, revision: s.optional(revision) }),
    result: s.object({ model: ModelInfo, /** Everything was in the cache already. */ cached: s.boolean() }),
  },
  /** What importing a .pth would give, without writing anything: for the import form. */
  'models.inspect': { params: s.object({ path, overrides: s.optional(ImportOverrides) }), result: ImportReport },
  /**
   * Adds a model: an HF AST folder (config.json + model.safetensors or pytorch_model.bin) is
   * checked and remembered where it is (report null); a .pth of the original AST / FastAST code
   * is converted into an HF folder under the host's state folder (models/<name>), report says how.
   */
  'models.import': {
    params: s.object({ path, overrides: s.optional(ImportOverrides), /** Folder name for a .pth import (default: the file's name). */ name: s.optional(id) }),
    result: s.object({ model: ModelInfo, report: s.nullable(ImportReport) }),
  },
  /**
   * Removes a model: a hub repo from the hub cache (every revision: all of them are listed in
   * `removed`), an imported .pth's folder, or forgets an added folder (its files stay). Bundled
   * models cannot be removed. `path` instead of `id` forgets a remembered folder the scan
   * skipped (it has no id); its files stay.
   */
  'models.remove': { params: s.object({ id: s.optional(id), path: s.optional(path) }), result: s.object({ removed: s.array(id, { max: 1000 }), freedBytes: count }) },
  /** A model's labels in output order, with their AudioSet ontology ancestors (ontology null when the labels are not AudioSet's). */
  'models.labels': {
    params: s.object({ id }),
    result: s.object({ ontology: s.nullable(s.enum(['audioset'] as const)), labels: s.array(LabelEntry, { max: 100_000 }) }),
  },
  'schedule.table': {
    params: s.object({ shape: s.enum(SCHEDULE_SHAPES), protectDistillation: s.boolean() }),
    result: ScheduleTable,
  },
  /** Remembers UI settings across sessions (host-side). */
  'settings.save': { params: s.object({ lastMerge: MergeParams }), result: empty },
} satisfies MethodTable;
