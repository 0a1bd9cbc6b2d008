/**
 * Field schemas that several areas of the contract share: ids, host paths, counts, and the
 * merge setting (the workstation's merge controls, a lab sweep's setting and
 * app/analysis/sweep's SweepSetting are this one type).
 */
import { SCHEDULE_SHAPES } from '../common/schedule.js';
import { WEIGHTS_PRECISIONS } from '../common/weights.js';
import { s, type Infer } from './schema.js';

/** A host-chosen or client-chosen name (model, file, sweep): safe in a path or a URL. */
export const id = s.string({ max: 128, pattern: /^[\w.@+-]+$/ });
/** A path on the host, as typed or picked by the user. */
export const path = s.string({ max: 4096, min: 1 });
export const count = s.number({ int: true, min: 0 });
export const empty = s.object({});

/** The precision of the Linear weights a run uses; absent in a message = float32. */
export const weightsPrecision = s.enum(WEIGHTS_PRECISIONS);

/**
 * One merge setting: r per layer shaped as ToMe's schedules (app/tome/schedule.ts), and the
 * weights it runs with. Its baseline is always the unmerged float32 model (r = 0, float32), so
 * an int8 setting's agreement and speed-up say what merging and 8-bit weights cost together.
 */
export const MergeParams = s.object({
  r: s.number({ int: true, min: 0, max: 100_000 }),
  /** constant: r in every layer; decreasing: 2r → 0; increasing: 0 → 2r. */
  shape: s.enum(SCHEDULE_SHAPES),
  propAttn: s.boolean(),
  protectDistillation: s.boolean(),
  /** int8: the model with 8-bit Linear weights (built once per model, then cached); absent = float32. */
  weights: s.optional(weightsPrecision),
});
export type MergeParams = Infer<typeof MergeParams>;

export const DEFAULT_MERGE: MergeParams = { r: 0, shape: 'constant', propAttn: true, protectDistillation: true };
