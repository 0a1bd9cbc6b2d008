import type { ModelSpec } from '../checkpoint/spec.js';
import { GRAPH_IO, type StaticSchedule } from '../graph/tome-ast.js';
import { applySchedule } from '../tome/schedule.js';
import type { ItemResult, MergeSettings, RunResult } from './types.js';
import { FastAstError } from '../errors.js';

/** The subset of onnxruntime's Tensor API that both onnxruntime-node and onnxruntime-web share. */
export interface OrtTensorLike {
  readonly data: unknown;
  readonly dims: readonly number[];
}
export type TensorFactory = (type: 'float32' | 'int64', data: Float32Array | BigInt64Array, dims: number[]) => OrtTensorLike;

/** `fixed`: the schedule a static graph was built for; settings that apply any other are refused, not silently ignored. */
export function checkRunArgs(spec: ModelSpec, input: Float32Array, batch: number, settings: MergeSettings, fixed?: StaticSchedule): void {
  const per = spec.maxLength * spec.numMelBins;
  if (!Number.isInteger(batch) || batch < 1 || input.length !== batch * per) {
    throw new FastAstError('ENGINE_FAILED', `input holds ${input.length} values; batch ${batch} × ${spec.maxLength} frames × ${spec.numMelBins} mel bins needs ${batch * per}`);
  }
  if (settings.schedule.length !== spec.numLayers || settings.schedule.some((r) => !Number.isInteger(r) || r < 0)) {
    throw new FastAstError('SCHEDULE_INVALID', `schedule [${settings.schedule.join(', ')}] must hold ${spec.numLayers} non-negative integers (one per layer)`);
  }
  if (fixed && !sameApplied(spec, settings, fixed)) {
    throw new FastAstError(
      'SCHEDULE_INVALID',
      `this graph was built for schedule [${fixed.schedule.join(', ')}] (distillation token ${fixed.protectDistillation ? '' : 'not '}protected); it cannot run [${settings.schedule.join(', ')}]`,
    );
  }
}

/** Two requests are the same run when they clamp to the same r per layer with the same protection. */
function sameApplied(spec: ModelSpec, settings: MergeSettings, fixed: StaticSchedule): boolean {
  if (settings.protectDistillation !== fixed.protectDistillation) return false;
  const a = applySchedule(spec.numTokens, settings.schedule, settings.protectDistillation).rApplied;
  const b = applySchedule(spec.numTokens, fixed.schedule, fixed.protectDistillation).rApplied;
  return a.every((r, l) => r === b[l]);
}

export function makeFeeds(spec: ModelSpec, input: Float32Array, batch: number, settings: MergeSettings, tensor: TensorFactory, fixed?: StaticSchedule): Record<string, OrtTensorLike> {
  checkRunArgs(spec, input, batch, settings, fixed);
  return {
    [GRAPH_IO.input]: tensor('float32', input, [batch, spec.maxLength, spec.numMelBins]),
    [GRAPH_IO.schedule]: tensor('int64', BigInt64Array.from(settings.schedule.map((r) => BigInt(r))), [spec.numLayers]),
    [GRAPH_IO.propAttn]: tensor('float32', Float32Array.of(settings.propAttn ? 1 : 0), [1]),
    [GRAPH_IO.protectDistillation]: tensor('int64', BigInt64Array.of(settings.protectDistillation ? 1n : 0n), [1]),
  };
}

export function outputNames(spec: ModelSpec): string[] {
  const names: string[] = [GRAPH_IO.logits];
  for (let l = 0; l < spec.numLayers; l++) names.push(GRAPH_IO.map(l), GRAPH_IO.mergeScore(l), GRAPH_IO.mergeMargin(l));
  return names;
}

/** Splits the batched outputs into per-item results; token counts come from the maps' shapes. */
export function readOutputs(spec: ModelSpec, batch: number, out: Record<string, OrtTensorLike>, inferMs: number): RunResult {
  const logits = out[GRAPH_IO.logits].data as Float32Array;
  const C = spec.labels.length;
  const items: ItemResult[] = [];
  const tokensPerLayer: number[] = [];
  for (let b = 0; b < batch; b++) items.push({ logits: logits.slice(b * C, (b + 1) * C), maps: [], mergeScores: [], mergeMargins: [] });
  for (let l = 0; l < spec.numLayers; l++) {
    const map = out[GRAPH_IO.map(l)];
    const score = out[GRAPH_IO.mergeScore(l)].data as Float32Array;
    const margin = out[GRAPH_IO.mergeMargin(l)].data as Float32Array;
    const n = map.dims[1];
    tokensPerLayer.push(n);
    const mapData = map.data as Int32Array;
    for (let b = 0; b < batch; b++) {
      items[b].maps.push(mapData.slice(b * n, (b + 1) * n));
      items[b].mergeScores.push(score.slice(b * n, (b + 1) * n));
      items[b].mergeMargins.push(margin.slice(b * n, (b + 1) * n));
    }
  }
  const lastMap = items[0].maps[spec.numLayers - 1];
  let last = 0;
  for (const v of lastMap) last = Math.max(last, v + 1);
  tokensPerLayer.push(last);
  return { items, tokensPerLayer, inferMs };
}
