import type { ScheduleShape } from '../common/schedule.js';
import { FastAstError } from '../errors.js';
import type { ModelSpec } from '../checkpoint/spec.js';

export type { ScheduleShape };

/** Schedule shapes of ToMe's `parse_r`: inflection 0 = constant, −1 = decreasing from 2r to 0, +1 = increasing from 0 to 2r. */
export const SHAPE_INFLECTION: Record<ScheduleShape, number> = { constant: 0, decreasing: -1, increasing: 1 };

/** The same r at every layer. */
export function constantSchedule(r: number, numLayers: number): number[] {
  checkR(r);
  return new Array(numLayers).fill(r);
}

/** ToMe's `(r, inflect)` schedule: a line from r·(1−inflect) to 2r − that, truncated to ints per layer. */
export function inflectionSchedule(r: number, inflection: number, numLayers: number): number[] {
  checkR(r);
  if (!Number.isFinite(inflection)) throw new FastAstError('SCHEDULE_INVALID', `inflection must be a number, got ${inflection}`);
  const minVal = Math.trunc(r * (1 - inflection));
  const maxVal = 2 * r - minVal;
  if (numLayers === 1) return [minVal];
  const step = (maxVal - minVal) / (numLayers - 1);
  return Array.from({ length: numLayers }, (_, i) => Math.max(0, Math.trunc(minVal + step * i)));
}

/** An explicit list, padded with zeros to the model depth (as ToMe's parse_r does). */
export function explicitSchedule(list: number[], numLayers: number): number[] {
  if (list.length > numLayers) {
    throw new FastAstError('SCHEDULE_INVALID', `schedule has ${list.length} entries but the model has ${numLayers} layers`);
  }
  list.forEach(checkR);
  return [...list, ...new Array(numLayers - list.length).fill(0)];
}

/** Parses "a,b,c" from the command line. */
export function parseScheduleList(text: string): number[] {
  const parts = text.split(',').map((s) => s.trim());
  const out = parts.map((p) => Number(p));
  if (parts.some((p) => p === '') || out.some((v) => !Number.isInteger(v) || v < 0)) {
    throw new FastAstError('SCHEDULE_INVALID', `schedule "${text}" must be comma-separated non-negative integers, e.g. 8,8,4,0`);
  }
  return out;
}

function checkR(r: number): void {
  if (!Number.isInteger(r) || r < 0) throw new FastAstError('SCHEDULE_INVALID', `r must be a non-negative integer, got ${r}`);
}

/** cls is always protected; the distillation token when `protectDistillation`. */
export function protectedTokens(protectDistillation: boolean): number {
  return protectDistillation ? 2 : 1;
}

export interface AppliedSchedule {
  /** r actually merged at each layer, after clamping to ⌊(tokens − protected)/2⌋. */
  rApplied: number[];
  /** Tokens entering each layer, then the count after the last (length layers + 1). */
  tokens: number[];
}

/** What the graph will do with a requested schedule (the graph clamps the same way at run time). */
export function applySchedule(numTokens: number, schedule: number[], protectDistillation: boolean): AppliedSchedule {
  const prot = protectedTokens(protectDistillation);
  const tokens = [numTokens];
  const rApplied: number[] = [];
  let n = numTokens;
  for (const r of schedule) {
    const applied = Math.max(0, Math.min(r, Math.floor((n - prot) / 2)));
    rApplied.push(applied);
    n -= applied;
    tokens.push(n);
  }
  return { rApplied, tokens };
}

/** The largest r per layer that still changes anything at layer 0. */
export function maxR(spec: ModelSpec, protectDistillation: boolean): number {
  return Math.floor((spec.numTokens - protectedTokens(protectDistillation)) / 2);
}

/** Share of the input tokens merged away by the last layer (0 … <1). */
export function mergeRatio(applied: AppliedSchedule): number {
  return 1 - applied.tokens[applied.tokens.length - 1] / applied.tokens[0];
}

/**
 * Constant r whose merge ratio comes closest to `ratio` (the UI sets the slider either way).
 */
export function rForMergeRatio(spec: ModelSpec, ratio: number, protectDistillation: boolean): number {
  let best = 0;
  let bestErr = Infinity;
  for (let r = 0; r <= maxR(spec, protectDistillation); r++) {
    const got = mergeRatio(applySchedule(spec.numTokens, constantSchedule(r, spec.numLayers), protectDistillation));
    const err = Math.abs(got - ratio);
    if (err < bestErr) {
      best = r;
      bestErr = err;
    }
  }
  return best;
}
