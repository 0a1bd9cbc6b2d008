/** Merge settings → per-layer schedules, and the schedule table the r slider shows. */
import type { MergeParams, Params, Result } from '../../app/contract/index.js';
import type { ModelSpec } from '../../app/checkpoint/spec.js';
import { applySchedule, inflectionSchedule, maxR, mergeRatio, SHAPE_INFLECTION } from '../../app/tome/schedule.js';

/** Tokens merged away in each layer for a merge setting (null: none). */
export function scheduleFor(spec: ModelSpec, p: MergeParams | null): number[] {
  return p ? inflectionSchedule(p.r, SHAPE_INFLECTION[p.shape], spec.numLayers) : new Array(spec.numLayers).fill(0);
}

/** Merge ratio and tokens after the last layer for every r the model allows. */
export function scheduleTable(spec: ModelSpec, { shape, protectDistillation }: Params<'schedule.table'>): Result<'schedule.table'> {
  const max = maxR(spec, protectDistillation);
  const ratios = new Float32Array(max + 1);
  const finalTokens = new Int32Array(max + 1);
  for (let r = 0; r <= max; r++) {
    const applied = applySchedule(spec.numTokens, scheduleFor(spec, { r, shape, propAttn: true, protectDistillation }), protectDistillation);
    ratios[r] = mergeRatio(applied);
    finalTokens[r] = applied.tokens[applied.tokens.length - 1];
  }
  return { shape, protectDistillation, ratios, finalTokens };
}
