/**
 * Models and the session: what the host offers (hello), loading and importing models, the
 * schedule table behind the merge controls, and the settings the host remembers.
 */
import { SCHEDULE_SHAPES } from '../common/schedule.js';
import { count, empty, id, MergeParams, path } from './fields.js';
import { s, type Infer, type MethodTable } from './schema.js';

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
  'models.list': { params: empty, result: s.array(ModelInfo, { max: 1000 }) },
  /** Loads a model's engine (builds its graph); later runs use it. */
  'models.select': { params: s.object({ id }), result: s.object({ model: ModelInfo, engine: EngineInfo }) },
  /** Adds an HF AST checkpoint folder (config.json + model.safetensors). */
  'models.import': { params: s.object({ dir: path }), result: ModelInfo },
  'schedule.table': {
    params: s.object({ shape: s.enum(SCHEDULE_SHAPES), protectDistillation: s.boolean() }),
    result: ScheduleTable,
  },
  /** Remembers UI settings across sessions (host-side). */
  'settings.save': { params: s.object({ lastMerge: MergeParams }), result: empty },
} satisfies MethodTable;
